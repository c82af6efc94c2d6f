import DirectorySync
import Foundation

/// Credentials for an application registered in the emulator.
public struct EmulatorCredentials: Hashable, Sendable, Codable {
    /// The tenant id.
    public var tenantID: String
    /// The tenant's default domain.
    public var domain: String
    /// The application (client) id.
    public var clientID: String
    /// A valid client secret value.
    public var clientSecret: String
    /// The secret's id (what administrators paste by mistake instead of the value).
    public var clientSecretID: String
}

extension GraphEmulator {
    /// Adds a tenant (or replaces its settings, keeping its objects).
    /// - Parameter tenant: The tenant.
    public func addTenant(_ tenant: EmulatedTenant) {
        withState {
            if tenants[tenant.id] == nil { tenants[tenant.id] = TenantState(tenant: tenant) } else { tenants[tenant.id]?.tenant = tenant }
            // Pages cached before may show users' `onPremisesSyncEnabled` as the old settings had it.
            emptyPageCache()
        }
    }

    /// Registers an application in a tenant (or replaces it).
    /// - Parameters:
    ///   - application: The application.
    ///   - tenantID: The tenant.
    public func addApplication(_ application: EmulatedApplication, tenant tenantID: String) {
        withState { tenants[tenantID]?.applications[application.clientID] = application }
    }

    /// Loads a generated tenant with one application holding `Directory.Read.All`.
    /// - Parameters:
    ///   - generated: The tenant's users and groups.
    ///   - tenantID: The tenant id.
    ///   - cloud: The national cloud.
    ///   - roles: The application's granted roles.
    ///   - otherDomains: Verified domains besides the generated tenant's own (listed first, the
    ///     default) and `<name>.onmicrosoft.com` (last).
    ///   - synchronizedDomains: Verified domains whose users are synchronized from on-premises
    ///     Active Directory (``EmulatedTenant/synchronizedDomains``).
    /// - Returns: Credentials that work.
    @discardableResult
    public func load(
        _ generated: GeneratedTenant, tenantID: String = "6f1c4f6e-1d2b-4c3a-9e8f-0a1b2c3d4e5f", cloud: EmulatedTenant.Cloud = .commercial,
        roles: [String] = ["Directory.Read.All"], otherDomains: [String] = [], synchronizedDomains: [String] = []
    ) -> EmulatorCredentials {
        let credentials = EmulatorCredentials(
            tenantID: tenantID, domain: generated.domain, clientID: "11111111-2222-3333-4444-555555555555",
            clientSecret: "emulator~secret.value_\(tenantID.prefix(8))", clientSecretID: "99999999-8888-7777-6666-555555555555")
        let initial = "\(generated.domain.split(separator: ".").first ?? "tenant").onmicrosoft.com"
        addTenant(EmulatedTenant(id: tenantID, verifiedDomains: [generated.domain] + otherDomains + [initial], cloud: cloud, synchronizedDomains: synchronizedDomains))
        addApplication(
            EmulatedApplication(
                clientID: credentials.clientID,
                secrets: [.init(id: credentials.clientSecretID, value: credentials.clientSecret, expires: clock.now.addingTimeInterval(365 * 86_400))],
                roles: roles),
            tenant: tenantID)
        withState {
            for user in generated.users { tenants[tenantID]?.users[user.id] = user }
            for group in generated.groups { tenants[tenantID]?.groups[group.id] = GroupRecord(group: group) }
            touch(tenantID)
        }
        return credentials
    }

    /// Creates or replaces a user.
    public func upsertUser(_ user: DirectoryUser, tenant tenantID: String) {
        withState {
            let old = tenants[tenantID]?.users[user.id]
            tenants[tenantID]?.users[user.id] = user
            tenants[tenantID]?.deletedUsers[user.id] = nil
            journal(tenantID, isGroup: false, id: user.id, .upsert, properties: old.map { Self.changedProperties($0, user) })
        }
    }

    /// Changes a user in place.
    public func modifyUser(id: String, tenant tenantID: String, _ change: (inout DirectoryUser) -> Void) {
        withState {
            guard var user = tenants[tenantID]?.users[id] else { return }
            let old = user
            change(&user)
            tenants[tenantID]?.users[id] = user
            journal(tenantID, isGroup: false, id: id, .upsert, properties: Self.changedProperties(old, user))
        }
    }

    /// Soft-deletes a user (restorable; delta reports `@removed` with reason `changed`).
    public func softDeleteUser(id: String, tenant tenantID: String) {
        withState {
            guard let user = tenants[tenantID]?.users.removeValue(forKey: id) else { return }
            tenants[tenantID]?.deletedUsers[id] = user
            removeMemberEverywhere(id, tenantID)
            journal(tenantID, isGroup: false, id: id, .softDelete)
        }
    }

    /// Restores a soft-deleted user (its memberships are not restored).
    public func restoreUser(id: String, tenant tenantID: String) {
        withState {
            guard let user = tenants[tenantID]?.deletedUsers.removeValue(forKey: id) else { return }
            tenants[tenantID]?.users[id] = user
            journal(tenantID, isGroup: false, id: id, .upsert)
        }
    }

    /// Deletes a user permanently (delta reports `@removed` with reason `deleted`).
    public func hardDeleteUser(id: String, tenant tenantID: String) {
        withState {
            let existed = tenants[tenantID]?.users.removeValue(forKey: id) != nil
            let wasDeleted = tenants[tenantID]?.deletedUsers.removeValue(forKey: id) != nil
            guard existed || wasDeleted else { return }
            removeMemberEverywhere(id, tenantID)
            journal(tenantID, isGroup: false, id: id, .hardDelete)
        }
    }

    /// Creates or replaces a group (with its direct members).
    public func upsertGroup(_ group: DirectoryGroup, others: [EmulatedOtherMember] = [], tenant tenantID: String) {
        withState {
            let old = tenants[tenantID]?.groups[group.id]
            tenants[tenantID]?.groups[group.id] = GroupRecord(group: group, others: others)
            tenants[tenantID]?.deletedGroups[group.id] = nil
            journal(tenantID, isGroup: true, id: group.id, .upsert, properties: old.map { Self.changedProperties($0.group, group) })
            let before = Set((old?.group.memberUserIDs ?? []).map { "user/\($0)" } + (old?.group.memberGroupIDs ?? []).map { "group/\($0)" })
            let after = Set(group.memberUserIDs.map { "user/\($0)" } + group.memberGroupIDs.map { "group/\($0)" })
            for member in after.subtracting(before).sorted() { membership(tenantID, group.id, member, added: true) }
            for member in before.subtracting(after).sorted() { membership(tenantID, group.id, member, added: false) }
        }
    }

    /// Changes a group's properties in place (members through ``addMember(_:type:to:tenant:)``).
    public func modifyGroup(id: String, tenant tenantID: String, _ change: (inout DirectoryGroup) -> Void) {
        withState {
            guard var record = tenants[tenantID]?.groups[id] else { return }
            let members = (record.group.memberUserIDs, record.group.memberGroupIDs)
            let old = record.group
            change(&record.group)
            (record.group.memberUserIDs, record.group.memberGroupIDs) = members
            tenants[tenantID]?.groups[id] = record
            journal(tenantID, isGroup: true, id: id, .upsert, properties: Self.changedProperties(old, record.group))
        }
    }

    /// Adds a direct member (`user`, `group`, or another type such as `device`).
    public func addMember(_ memberID: String, type: String = "user", to groupID: String, tenant tenantID: String) {
        withState {
            guard var record = tenants[tenantID]?.groups[groupID] else { return }
            switch type {
            case "user" where !record.group.memberUserIDs.contains(memberID): record.group.memberUserIDs.append(memberID)
            case "group" where !record.group.memberGroupIDs.contains(memberID): record.group.memberGroupIDs.append(memberID)
            case "user", "group": return
            default:
                guard !record.others.contains(where: { $0.id == memberID }) else { return }
                record.others.append(EmulatedOtherMember(type: type, id: memberID))
            }
            tenants[tenantID]?.groups[groupID] = record
            membership(tenantID, groupID, "\(type)/\(memberID)", added: true)
        }
    }

    /// Removes a direct member.
    public func removeMember(_ memberID: String, from groupID: String, tenant tenantID: String) {
        withState {
            guard var record = tenants[tenantID]?.groups[groupID] else { return }
            var type = ""
            if record.group.memberUserIDs.contains(memberID) { type = "user" }
            if record.group.memberGroupIDs.contains(memberID) { type = "group" }
            if let other = record.others.first(where: { $0.id == memberID }) { type = other.type }
            guard !type.isEmpty else { return }
            record.group.memberUserIDs.removeAll(memberID)
            record.group.memberGroupIDs.removeAll(memberID)
            record.others.removeAll { $0.id == memberID }
            tenants[tenantID]?.groups[groupID] = record
            membership(tenantID, groupID, "\(type)/\(memberID)", added: false)
        }
    }

    /// Soft-deletes a group.
    public func softDeleteGroup(id: String, tenant tenantID: String) {
        withState {
            guard let record = tenants[tenantID]?.groups.removeValue(forKey: id) else { return }
            tenants[tenantID]?.deletedGroups[id] = record
            removeMemberEverywhere(id, tenantID)
            journal(tenantID, isGroup: true, id: id, .softDelete)
        }
    }

    /// Restores a soft-deleted group.
    public func restoreGroup(id: String, tenant tenantID: String) {
        withState {
            guard let record = tenants[tenantID]?.deletedGroups.removeValue(forKey: id) else { return }
            tenants[tenantID]?.groups[id] = record
            journal(tenantID, isGroup: true, id: id, .upsert)
        }
    }

    /// Deletes a group permanently.
    public func hardDeleteGroup(id: String, tenant tenantID: String) {
        withState {
            let existed = tenants[tenantID]?.groups.removeValue(forKey: id) != nil
            let wasDeleted = tenants[tenantID]?.deletedGroups.removeValue(forKey: id) != nil
            guard existed || wasDeleted else { return }
            removeMemberEverywhere(id, tenantID)
            journal(tenantID, isGroup: true, id: id, .hardDelete)
        }
    }

    /// Makes every delta link issued so far unusable (`400 syncStateNotFound`), as if seven days had passed.
    public func expireDeltaLinks() {
        withState {
            for id in tenants.keys { tenants[id]?.deltaValidFrom = clock.now.addingTimeInterval(1) }
        }
    }

    /// While on, delta requests with a delta token answer `410 Gone` with a `Location` to start over.
    public func setDeltaReset(_ enabled: Bool) { withState { deltaResetMode = enabled } }

    /// The tenant's users, as the emulator holds them now.
    public func users(tenant tenantID: String) -> [DirectoryUser] {
        withState { (tenants[tenantID]?.users.values).map { Array($0) }?.sorted { $0.id < $1.id } ?? [] }
    }

    /// The tenant's groups, as the emulator holds them now.
    public func groups(tenant tenantID: String) -> [DirectoryGroup] {
        withState { (tenants[tenantID]?.groups.values).map { $0.map(\.group) }?.sorted { $0.id < $1.id } ?? [] }
    }

    // MARK: Journal (lock held)

    func touch(_ tenantID: String) {
        tenants[tenantID]?.version += 1
        emptyPageCache()
    }

    func emptyPageCache() {
        pageCache.removeAll()
        pageCacheGeneration += 1
    }

    private func journal(_ tenantID: String, isGroup: Bool, id: String, _ kind: ChangeKind, properties: Set<String>? = nil) {
        touch(tenantID)
        guard let version = tenants[tenantID]?.version else { return }
        tenants[tenantID]?.changes.append(Change(version: version, isGroup: isGroup, id: id, kind: kind, properties: properties))
    }

    /// The names of the stored properties that differ between two values (members excluded).
    static func changedProperties<T>(_ old: T, _ new: T) -> Set<String> {
        var changed: Set<String> = []
        for (before, after) in zip(Mirror(reflecting: old).children, Mirror(reflecting: new).children) {
            guard let label = before.label, !label.hasPrefix("member"), String(describing: before.value) != String(describing: after.value) else { continue }
            changed.insert(label)
        }
        return changed
    }

    private func membership(_ tenantID: String, _ groupID: String, _ member: String, added: Bool) {
        touch(tenantID)
        guard let version = tenants[tenantID]?.version else { return }
        let parts = member.split(separator: "/", maxSplits: 1).map(String.init)
        tenants[tenantID]?.membershipChanges.append(
            MembershipChange(version: version, groupID: groupID, memberID: parts[1], memberType: parts[0], added: added))
    }

    private func removeMemberEverywhere(_ memberID: String, _ tenantID: String) {
        guard let groups = tenants[tenantID]?.groups else { return }
        for (groupID, record) in groups
        where record.group.memberUserIDs.contains(memberID) || record.group.memberGroupIDs.contains(memberID) {
            let type = record.group.memberUserIDs.contains(memberID) ? "user" : "group"
            tenants[tenantID]?.groups[groupID]?.group.memberUserIDs.removeAll(memberID)
            tenants[tenantID]?.groups[groupID]?.group.memberGroupIDs.removeAll(memberID)
            membership(tenantID, groupID, "\(type)/\(memberID)", added: false)
        }
    }
}
