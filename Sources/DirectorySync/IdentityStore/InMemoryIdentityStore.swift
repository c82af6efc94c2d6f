/// An identity store held in memory, with the same rules a real store enforces.
///
/// Identifiers are deterministic (`u1`, `u2`, … and `g1`, `g2`, …) so tests and demos print
/// stable output. Use it in tests, in demos, or as the model for a host's own store.
///
/// ```swift
/// let store = InMemoryIdentityStore()
/// let alice = try await store.createUser(UserProfile(name: "Alice", email: "alice@contoso.com"), origin: .manual)
/// ```
public actor InMemoryIdentityStore: IdentityStore {
    private var users: [IdentityID: IdentityUser] = [:]
    private var groups: [IdentityID: GroupRecord] = [:]
    private var addressHolders: [String: IdentityID] = [:]
    private var groupNameHolders: [String: IdentityID] = [:]
    /// The groups each user is in, so deleting a user does not scan every group.
    private var groupsOfUser: [IdentityID: Set<IdentityID>] = [:]
    /// Users by login, and users and groups by their link to a directory object (lower-cased):
    /// with the holders above, what ``identities(_:)`` answers from.
    private var loginHolders: [String: Set<IdentityID>] = [:]
    private var linkedUsers: [Link: Set<IdentityID>] = [:]
    private var linkedGroups: [Link: Set<IdentityID>] = [:]
    private var nextUserNumber = 1
    private var nextGroupNumber = 1
    private var writes = 0

    private struct Link: Hashable {
        var source: SourceID
        var externalID: String

        init?(_ origin: IdentityOrigin) {
            guard let source = origin.sourceID, let externalID = origin.externalID else { return nil }
            self.source = source
            self.externalID = externalID.lowercasedKey
        }
    }

    private struct GroupRecord {
        var origin: IdentityOrigin
        var profile: GroupProfile
        var members: Set<IdentityID>
    }

    /// Receives every successful write, in the order the store applied them (``FileIdentityStore`` logs them).
    private let journal: (@Sendable (StoreChange) -> Void)?

    /// What the store holds; a group description is dropped when it holds none, as a store that
    /// cannot keep one would.
    private let holds: IdentityStoreCapabilities

    /// Creates an empty store.
    /// - Parameter capabilities: What the store holds (every attribute unless told otherwise); a
    ///   limited store stands in for one such as a SCIM server, whose groups have no description.
    public init(capabilities: IdentityStoreCapabilities = .all) {
        journal = nil
        holds = capabilities
    }

    /// Creates an empty store that reports every successful write to `journal`, in order.
    package init(journal: @escaping @Sendable (StoreChange) -> Void) {
        self.journal = journal
        holds = .all
    }

    /// The number of successful writes so far: a quick way for tests to see that a run changed nothing.
    public var writeCount: Int { writes }

    /// The user with this identifier, if any.
    /// - Parameter id: The identifier.
    public func user(_ id: IdentityID) -> IdentityUser? { users[id] }

    /// The group with this identifier, if any.
    /// - Parameter id: The identifier.
    public func group(_ id: IdentityID) -> IdentityGroup? { groups[id].map { value(of: $0, id: id) } }

    public func contents() async throws -> IdentityStoreContents {
        IdentityStoreContents(
            users: Array(users.values),
            groups: groups.map { value(of: $0.value, id: $0.key) },
            capabilities: holds
        )
    }

    public func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try validate(profile)
        try checkAddresses(profile, for: nil)
        let id = IdentityID("u\(nextUserNumber)")
        nextUserNumber += 1
        let user = IdentityUser(id: id, origin: origin, profile: profile)
        users[id] = user
        index(user)
        writes += 1
        journal?(.putUser(user))
        return user
    }

    public func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        guard let old = users[id] else { throw notFound(id, "user") }
        try validate(profile)
        try checkAddresses(profile, for: id)
        unindex(old)
        let user = IdentityUser(id: id, origin: origin, profile: profile)
        users[id] = user
        index(user)
        writes += 1
        journal?(.putUser(user))
        return user
    }

    public func deleteUser(_ id: IdentityID) async throws {
        guard let old = users.removeValue(forKey: id) else { throw notFound(id, "user") }
        unindex(old)
        for groupID in groupsOfUser.removeValue(forKey: id) ?? [] { groups[groupID]?.members.remove(id) }
        writes += 1
        journal?(.deleteUser(id))
    }

    public func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        let profile = held(profile)
        try validate(profile)
        try checkName(profile, for: nil)
        let id = IdentityID("g\(nextGroupNumber)")
        nextGroupNumber += 1
        let record = GroupRecord(origin: origin, profile: profile, members: [])
        groups[id] = record
        index(group: id, record)
        writes += 1
        journal?(.putGroup(id, origin: origin, profile: profile))
        return value(of: record, id: id)
    }

    public func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        guard var record = groups[id] else { throw notFound(id, "group") }
        let profile = held(profile)
        try validate(profile)
        try checkName(profile, for: id)
        unindex(group: id, record)
        record.profile = profile
        record.origin = origin
        groups[id] = record
        index(group: id, record)
        writes += 1
        journal?(.putGroup(id, origin: origin, profile: profile))
        return value(of: record, id: id)
    }

    /// The part of a group's profile the store keeps.
    private func held(_ profile: GroupProfile) -> GroupProfile {
        var profile = profile
        if !holds.groupDescriptions { profile.description = nil }
        return profile
    }

    public func deleteGroup(_ id: IdentityID) async throws {
        guard let record = groups[id] else { throw notFound(id, "group") }
        guard record.members.isEmpty else {
            throw IdentityStoreError(
                .groupNotEmpty, detail: "group '\(record.profile.name)' still has \(record.members.count) members",
                identityID: id)
        }
        groups[id] = nil
        unindex(group: id, record)
        writes += 1
        journal?(.deleteGroup(id))
    }

    public func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        guard groups.keys.contains(groupID) else { throw notFound(groupID, "group") }
        if let missing = userIDs.first(where: { !users.keys.contains($0) }) { throw notFound(missing, "user") }
        groups[groupID]?.members.formUnion(userIDs)
        for userID in userIDs { groupsOfUser[userID, default: []].insert(groupID) }
        writes += 1
        journal?(.addMembers(userIDs, groupID))
    }

    public func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        guard groups.keys.contains(groupID) else { throw notFound(groupID, "group") }
        groups[groupID]?.members.subtract(userIDs)
        for userID in userIDs { groupsOfUser[userID]?.remove(groupID) }
        writes += 1
        journal?(.removeMembers(userIDs, groupID))
    }

    /// Runs `body` with the whole store as changes that rebuild it (users, then groups with their
    /// members, by identifier) while no write can interleave.
    package func withChanges<T: Sendable>(_ body: @Sendable ([StoreChange]) throws -> T) throws -> T {
        var changes: [StoreChange] = users.keys.sorted().compactMap { users[$0].map(StoreChange.putUser) }
        for id in groups.keys.sorted() {
            guard let group = groups[id] else { continue }
            changes.append(.putGroup(id, origin: group.origin, profile: group.profile))
            if !group.members.isEmpty { changes.append(.addMembers(group.members.sorted(), id)) }
        }
        return try body(changes)
    }

    /// Applies a logged write again, without the store's checks (they held when it was logged).
    /// Identifier counters move past every identifier seen.
    package func replay(_ change: StoreChange) {
        switch change {
        case .putUser(let user):
            if let old = users[user.id] { unindex(old) }
            users[user.id] = user
            index(user)
            nextUserNumber = max(nextUserNumber, Self.number(of: user.id, prefix: "u") + 1)
        case .deleteUser(let id):
            guard let old = users.removeValue(forKey: id) else { return }
            unindex(old)
            for groupID in groupsOfUser.removeValue(forKey: id) ?? [] { groups[groupID]?.members.remove(id) }
        case .putGroup(let id, let origin, let profile):
            if let old = groups[id] { unindex(group: id, old) }
            let record = GroupRecord(origin: origin, profile: profile, members: groups[id]?.members ?? [])
            groups[id] = record
            index(group: id, record)
            nextGroupNumber = max(nextGroupNumber, Self.number(of: id, prefix: "g") + 1)
        case .deleteGroup(let id):
            guard let old = groups.removeValue(forKey: id) else { return }
            unindex(group: id, old)
            for member in old.members { groupsOfUser[member]?.remove(id) }
        case .addMembers(let userIDs, let groupID):
            guard groups.keys.contains(groupID) else { return }
            groups[groupID]?.members.formUnion(userIDs)
            for userID in userIDs { groupsOfUser[userID, default: []].insert(groupID) }
        case .removeMembers(let userIDs, let groupID):
            groups[groupID]?.members.subtract(userIDs)
            for userID in userIDs { groupsOfUser[userID]?.remove(groupID) }
        }
    }

    // MARK: Indexes

    public func identities(_ query: IdentityStoreQuery) async throws -> IdentityStoreContents? {
        var userIDs: Set<IdentityID> = []
        var groupIDs: Set<IdentityID> = []
        for id in query.ids {
            if users[id] != nil { userIDs.insert(id) }
            if groups[id] != nil { groupIDs.insert(id) }
        }
        for address in query.addresses { if let holder = addressHolders[address] { userIDs.insert(holder) } }
        for login in query.logins { userIDs.formUnion(loginHolders[login] ?? []) }
        for externalID in query.externalIDs {
            let link = Link(.directory(query.source, externalID: externalID))!
            userIDs.formUnion(linkedUsers[link] ?? [])
            groupIDs.formUnion(linkedGroups[link] ?? [])
        }
        for name in query.groupNames { if let holder = groupNameHolders[name.lowercased()] { groupIDs.insert(holder) } }
        for member in query.groupsOf { groupIDs.formUnion(groupsOfUser[member] ?? []) }
        return IdentityStoreContents(
            users: userIDs.compactMap { users[$0] }, groups: groupIDs.compactMap { id in groups[id].map { value(of: $0, id: id) } }, capabilities: holds)
    }

    private func index(_ user: IdentityUser) {
        for key in user.profile.addressKeys { addressHolders[key] = user.id }
        for login in user.profile.logins { loginHolders[login.lowercasedKey, default: []].insert(user.id) }
        if let link = Link(user.origin) { linkedUsers[link, default: []].insert(user.id) }
    }

    private func unindex(_ user: IdentityUser) {
        for key in user.profile.addressKeys where addressHolders[key] == user.id { addressHolders[key] = nil }
        for login in user.profile.logins { Self.remove(user.id, from: &loginHolders, at: login.lowercasedKey) }
        if let link = Link(user.origin) { Self.remove(user.id, from: &linkedUsers, at: link) }
    }

    private func index(group id: IdentityID, _ record: GroupRecord) {
        groupNameHolders[record.profile.name.lowercased()] = id
        if let link = Link(record.origin) { linkedGroups[link, default: []].insert(id) }
    }

    private func unindex(group id: IdentityID, _ record: GroupRecord) {
        let name = record.profile.name.lowercased()
        if groupNameHolders[name] == id { groupNameHolders[name] = nil }
        if let link = Link(record.origin) { Self.remove(id, from: &linkedGroups, at: link) }
    }

    private static func remove<Key: Hashable>(_ id: IdentityID, from index: inout [Key: Set<IdentityID>], at key: Key) {
        guard var holders = index[key] else { return }
        holders.remove(id)
        index[key] = holders.isEmpty ? nil : holders
    }

    private static func number(of id: IdentityID, prefix: Character) -> Int {
        id.rawValue.first == prefix ? Int(id.rawValue.dropFirst()) ?? 0 : 0
    }

    // MARK: Rules

    private func value(of record: GroupRecord, id: IdentityID) -> IdentityGroup {
        IdentityGroup(id: id, origin: record.origin, profile: record.profile, memberIDs: Array(record.members))
    }

    private func notFound(_ id: IdentityID, _ kind: String) -> IdentityStoreError {
        IdentityStoreError(.notFound, detail: "no \(kind) has the identifier '\(id)'", identityID: id)
    }

    private func validate(_ profile: UserProfile) throws {
        guard !profile.name.trimmed.isEmpty else {
            throw IdentityStoreError(.invalidValue, detail: "a user needs a non-empty name")
        }
        let keys = profile.addressKeys
        if let empty = keys.first(where: { $0.trimmed.isEmpty }) {
            throw IdentityStoreError(.invalidValue, detail: "an email or alias is empty ('\(empty)')")
        }
        if Set(keys).count != keys.count {
            throw IdentityStoreError(.invalidValue, detail: "the same address is listed twice for '\(profile.name)'")
        }
    }

    private func validate(_ profile: GroupProfile) throws {
        guard !profile.name.trimmed.isEmpty else {
            throw IdentityStoreError(.invalidValue, detail: "a group needs a non-empty name")
        }
    }

    private func checkAddresses(_ profile: UserProfile, for id: IdentityID?) throws {
        for key in profile.addressKeys {
            if let holder = addressHolders[key], holder != id {
                throw IdentityStoreError(
                    .addressInUse, detail: "the address '\(key)' is already used", identityID: id,
                    conflictingIdentityID: holder)
            }
        }
    }

    private func checkName(_ profile: GroupProfile, for id: IdentityID?) throws {
        if let holder = groupNameHolders[profile.name.lowercased()], holder != id {
            throw IdentityStoreError(
                .groupNameInUse, detail: "the group name '\(profile.name)' is already used", identityID: id,
                conflictingIdentityID: holder)
        }
    }
}
