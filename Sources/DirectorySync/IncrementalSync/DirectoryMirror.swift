/// A complete copy of a directory kept up to date by applying ``DirectoryChanges``: what lets a
/// synchronization plan from a handful of changes as if it had read everything.
///
/// Applying is idempotent and order-respecting: the last report of an object wins, a replayed
/// change changes nothing, and a removal of something unknown is ignored.
package struct DirectoryMirror: Hashable, Codable, Sendable {
    /// The users by object id.
    package private(set) var users: [String: DirectoryUser]
    /// The groups by object id, with their direct members.
    package private(set) var groups: [String: DirectoryGroup]

    /// Creates a mirror of a complete snapshot.
    /// - Parameter snapshot: What a full read returned.
    package init(_ snapshot: DirectorySnapshot) {
        users = Dictionary(snapshot.users.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
        groups = Dictionary(snapshot.groups.map { ($0.id, $0) }, uniquingKeysWith: { _, last in last })
    }

    /// Applies changes in the order reported.
    /// - Parameter changes: The changes.
    package mutating func apply(_ changes: DirectoryChanges) {
        for change in changes.changes {
            switch change {
            case .user(let update):
                if let properties = update.properties, var user = users[update.user.id] {
                    user.take(properties, from: update.user)
                    users[user.id] = user
                } else {
                    users[update.user.id] = update.user
                }
            case .group(let update):
                var group = groups[update.group.id] ?? DirectoryGroup(id: update.group.id, displayName: update.group.displayName)
                group.take(update.properties ?? DirectoryGroup.propertyNames, from: update.group)
                groups[group.id] = group
            case .userRemoved(let removal):
                users[removal.id] = nil
            case .groupRemoved(let removal):
                groups[removal.id] = nil
            case .membership(let membership):
                guard var group = groups[membership.groupID] else { continue }
                switch (membership.memberKind, membership.isAdded) {
                case (.user, true) where !group.memberUserIDs.contains(membership.memberID): group.memberUserIDs.append(membership.memberID)
                case (.group, true) where !group.memberGroupIDs.contains(membership.memberID): group.memberGroupIDs.append(membership.memberID)
                case (.user, false): group.memberUserIDs.removeAll(membership.memberID)
                case (.group, false): group.memberGroupIDs.removeAll(membership.memberID)
                default: continue
                }
                groups[group.id] = group
            }
        }
    }

    /// The mirror as a complete snapshot: users and groups sorted by id, members sorted.
    package var snapshot: DirectorySnapshot {
        DirectorySnapshot(
            users: users.values.sorted { $0.id < $1.id },
            groups: groups.values.map { group in
                var group = group
                group.memberUserIDs.sort()
                group.memberGroupIDs.sort()
                return group
            }.sorted { $0.id < $1.id },
            isComplete: true)
    }
}

extension DirectoryUser {
    /// Copies the named properties from `other`; unknown names are ignored.
    mutating func take(_ properties: Set<String>, from other: DirectoryUser) {
        for property in properties {
            switch property {
            case "userPrincipalName": userPrincipalName = other.userPrincipalName
            case "displayName": displayName = other.displayName
            case "givenName": givenName = other.givenName
            case "surname": surname = other.surname
            case "mail": mail = other.mail
            case "otherMails": otherMails = other.otherMails
            case "proxyAddresses": proxyAddresses = other.proxyAddresses
            case "accountEnabled": accountEnabled = other.accountEnabled
            case "userType": userType = other.userType
            case "department": department = other.department
            case "jobTitle": jobTitle = other.jobTitle
            case "companyName": companyName = other.companyName
            case "city": city = other.city
            case "country": country = other.country
            case "officeLocation": officeLocation = other.officeLocation
            case "employeeId": employeeId = other.employeeId
            case "onPremisesSamAccountName": onPremisesSamAccountName = other.onPremisesSamAccountName
            case "onPremisesDomainName": onPremisesDomainName = other.onPremisesDomainName
            case "onPremisesSecurityIdentifier": onPremisesSecurityIdentifier = other.onPremisesSecurityIdentifier
            default: continue
            }
        }
    }
}

extension DirectoryGroup {
    /// The properties a ``DirectoryChanges/GroupChange`` can carry (members change separately).
    static let propertyNames: Set<String> = ["displayName", "description", "mail", "mailEnabled", "securityEnabled", "groupTypes"]

    /// Copies the named properties (not the members) from `other`; unknown names are ignored.
    mutating func take(_ properties: Set<String>, from other: DirectoryGroup) {
        for property in properties {
            switch property {
            case "displayName": displayName = other.displayName
            case "description": description = other.description
            case "mail": mail = other.mail
            case "mailEnabled": mailEnabled = other.mailEnabled
            case "securityEnabled": securityEnabled = other.securityEnabled
            case "groupTypes": groupTypes = other.groupTypes
            default: continue
            }
        }
    }
}
