/// A few directory objects to read — with what decides their fate — for explaining or
/// synchronizing one object, never the whole directory (``DirectoryProvider/lookUp(_:)``).
public struct DirectoryLookup: Hashable, Sendable {
    /// User keys. Each names the users whose object id, user principal name, `mail` or an SMTP
    /// proxy address equals it, ignoring case; a key `DOMAIN\name` also names the users whose
    /// `onPremisesSamAccountName` is `name` in that on-premises domain (its NetBIOS name or its
    /// DNS name).
    public var users: [String]
    /// Group keys. Each names the groups whose object id or display name equals it, ignoring case.
    public var groups: [String]
    /// Group names. Each names the groups whose display name equals it, ignoring case — read
    /// without their members, to tell whether a name is held twice and which groups exist.
    public var groupNames: [String]

    /// Creates a lookup.
    /// - Parameters:
    ///   - users: User keys: ids, user principal names, email addresses or `DOMAIN\name` logins.
    ///   - groups: Group keys: ids or display names.
    ///   - groupNames: Display names of groups to read without their members.
    public init(users: [String] = [], groups: [String] = [], groupNames: [String] = []) {
        self.users = users
        self.groups = groups
        self.groupNames = groupNames
    }

    /// Whether the key names the user.
    /// - Parameters:
    ///   - key: A user key.
    ///   - user: The user.
    /// - Returns: `true` when the id, user principal name, mail or an SMTP proxy address equals
    ///   the key (ignoring case), or the key is `DOMAIN\name` and the user's
    ///   `onPremisesSamAccountName` is `name` with `onPremisesDomainName` `DOMAIN` (or its first label).
    public static func key(_ key: String, names user: DirectoryUser) -> Bool {
        let wanted = key.trimmed.lowercasedKey
        guard !wanted.isEmpty else { return false }
        if user.id.lowercasedKey == wanted || user.userPrincipalName.lowercasedKey == wanted { return true }
        if let mail = user.mail?.trimmed, mail.lowercasedKey == wanted { return true }
        if user.proxyAddresses.contains(where: { DirectoryUser.smtpAddress($0)?.address.lowercasedKey == wanted }) { return true }
        if let slash = wanted.firstIndex(of: "\\"), let sam = user.onPremisesSamAccountName?.trimmed.lowercasedKey, !sam.isEmpty,
            sam == wanted[wanted.index(after: slash)...]
        {
            // The domain part is the NetBIOS name (the domain's first label) or the whole domain.
            let domain = String(wanted[..<slash])
            guard let onPremises = user.onPremisesDomainName?.trimmed.lowercasedKey, !onPremises.isEmpty else { return false }
            return domain == onPremises || domain == onPremises.split(separator: ".").first.map(String.init)
        }
        return false
    }

    /// Whether the key names the group.
    /// - Parameters:
    ///   - key: A group key.
    ///   - group: The group.
    /// - Returns: `true` when the id or display name equals the key, ignoring case.
    public static func key(_ key: String, names group: DirectoryGroup) -> Bool {
        let wanted = key.trimmed.lowercasedKey
        return !wanted.isEmpty && (group.id.lowercasedKey == wanted || group.displayName.lowercasedKey == wanted)
    }
}

/// What a ``DirectoryLookup`` read: the named objects and the groups around them.
///
/// An excerpt is not a snapshot: it holds only what decides the named objects' fate, so
/// DirectorySync plans from it for those objects alone (``SyncPlanRequest/focus``) and never
/// synchronizes a source from it.
public struct DirectoryExcerpt: Hashable, Sendable {
    /// The users the user keys name, then the transitive member users of the groups the group keys
    /// name; each user once.
    public var users: [DirectoryUser]
    /// The groups the group keys name, each with ``DirectoryGroup/memberUserIDs`` listing every
    /// transitive member user (nested groups flattened, ``DirectoryGroup/memberGroupIDs`` empty);
    /// and every group that contains a named user directly or through nested groups, with member
    /// lists that name only the named users and such groups — enough to trace each path. A group
    /// that is both carries both. Then the groups the group names name that are neither, with
    /// empty member lists. Each group once.
    public var groups: [DirectoryGroup]
    /// What the lookup cost.
    public var statistics: ReadStatistics
    /// Whether the lookup read everything it should; `false` (as for a snapshot) makes every plan
    /// from it fail instead of deciding anything.
    public var isComplete: Bool

    /// Creates an excerpt.
    /// - Parameters:
    ///   - users: The users.
    ///   - groups: The groups.
    ///   - statistics: What the lookup cost.
    ///   - isComplete: Whether the lookup read everything it should.
    public init(users: [DirectoryUser] = [], groups: [DirectoryGroup] = [], statistics: ReadStatistics = ReadStatistics(), isComplete: Bool = true) {
        self.users = users
        self.groups = groups
        self.statistics = statistics
        self.isComplete = isComplete
    }

    /// The excerpt a lookup gives on a whole snapshot: what every provider's ``DirectoryProvider/lookUp(_:)``
    /// must return (its order aside) for the directory the snapshot holds.
    /// - Parameters:
    ///   - snapshot: The whole directory.
    ///   - lookup: The keys.
    public init(_ snapshot: DirectorySnapshot, _ lookup: DirectoryLookup) {
        var userByKey: [ObjectKey: DirectoryUser] = [:]
        for user in snapshot.users { userByKey[user.objectKey] = user }
        let closure = TransitiveMembers(users: snapshot.users, groups: snapshot.groups)

        var users: [DirectoryUser] = []
        var taken: Set<ObjectKey> = []
        func take(_ user: DirectoryUser) { if taken.insert(user.objectKey).inserted { users.append(user) } }
        let named = snapshot.users.filter { user in lookup.users.contains { DirectoryLookup.key($0, names: user) } }
        named.forEach(take)

        // Named groups with every transitive member user.
        var groups: [String: DirectoryGroup] = [:]
        var order: [String] = []
        func place(_ group: DirectoryGroup) {
            if groups[group.id] == nil { order.append(group.id) }
            groups[group.id] = group
        }
        for (index, group) in snapshot.groups.enumerated() where lookup.groups.contains(where: { DirectoryLookup.key($0, names: group) }) {
            var flattened = group
            flattened.memberUserIDs = DirectoryObjectIDs(closure.users(of: index).map { snapshot.users[$0].id })
            flattened.memberGroupIDs = []
            place(flattened)
            flattened.memberUserIDs.objectKeys.compactMap { userByKey[$0] }.forEach(take)
        }

        // Ancestors of the named users, with the edges among them.
        var parents: [ObjectKey: [Int]] = [:]
        for (index, group) in snapshot.groups.enumerated() {
            for member in group.memberUserIDs.objectKeys { parents[member, default: []].append(index) }
            for member in group.memberGroupIDs.objectKeys { parents[member, default: []].append(index) }
        }
        var queue = named.map(\.id)
        var visited: Set<ObjectKey> = Set(queue.map(ObjectKey.init))
        let namedUsers = Set(named.map { ObjectKey($0.id) })
        while let child = queue.popLast() {
            for index in parents[ObjectKey(child)] ?? [] {
                let parent = snapshot.groups[index]
                var edged = groups[parent.id] ?? DirectoryGroup(
                    id: parent.id, displayName: parent.displayName, description: parent.description, mail: parent.mail,
                    mailEnabled: parent.mailEnabled, securityEnabled: parent.securityEnabled, groupTypes: parent.groupTypes)
                if namedUsers.contains(ObjectKey(child)) {
                    if !edged.memberUserIDs.contains(child) { edged.memberUserIDs.append(child) }
                } else if !edged.memberGroupIDs.contains(child) {
                    edged.memberGroupIDs.append(child)
                }
                place(edged)
                if visited.insert(ObjectKey(parent.id)).inserted { queue.append(parent.id) }
            }
        }
        // Groups by name only, without members.
        let names = Set(lookup.groupNames.map { $0.trimmed.lowercasedKey }.filter { !$0.isEmpty })
        for group in snapshot.groups where groups[group.id] == nil && names.contains(group.displayName.lowercasedKey) {
            place(DirectoryGroup(
                id: group.id, displayName: group.displayName, description: group.description, mail: group.mail, mailEnabled: group.mailEnabled,
                securityEnabled: group.securityEnabled, groupTypes: group.groupTypes))
        }
        self.init(users: users, groups: order.map { groups[$0]! }, statistics: snapshot.statistics, isComplete: snapshot.isComplete)
    }
}
