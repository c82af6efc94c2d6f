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
    /// Users and groups in slots, with identifiers, addresses, logins and names indexed: what the
    /// store's rules check, and what it hands to planners with its contents (kept up to date with
    /// every write, so a plan over a large store does not index it again).
    private var index = IdentityStoreIndex()
    /// The groups each user is in, by user slot, so deleting a user does not scan every group.
    private var groupsOfUser: [[Int32]] = []
    /// Users and groups by their link to a directory object (lower-cased): with the index, what
    /// ``identities(_:)`` answers from.
    private var linkedUsers = SlotMultimap<Link>()
    private var linkedGroups = SlotMultimap<Link>()
    private var nextUserNumber = 1
    private var nextGroupNumber = 1
    private var writes = 0

    private struct Link: Hashable, Sendable {
        var source: SourceID
        var externalID: String

        init?(_ origin: IdentityOrigin) {
            guard let source = origin.sourceID, let externalID = origin.externalID else { return nil }
            self.source = source
            self.externalID = externalID.lowercasedKey
        }
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
    public func user(_ id: IdentityID) -> IdentityUser? { index.userSlots[id].flatMap { index.users[Int($0)] } }

    /// The group with this identifier, if any.
    /// - Parameter id: The identifier.
    public func group(_ id: IdentityID) -> IdentityGroup? { index.groupSlots[id].map(index.group(at:)) }

    public func contents() async throws -> IdentityStoreContents { IdentityStoreContents(index: index, capabilities: holds) }

    public func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try validate(profile)
        try checkAddresses(profile, for: nil)
        let id = IdentityID("u\(nextUserNumber)")
        nextUserNumber += 1
        let user = IdentityUser(id: id, origin: origin, profile: profile)
        insert(user)
        writes += 1
        journal?(.putUser(user))
        return user
    }

    public func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        guard let slot = index.userSlots[id] else { throw notFound(id, "user") }
        try validate(profile)
        try checkAddresses(profile, for: id)
        let user = IdentityUser(id: id, origin: origin, profile: profile)
        replace(user, at: slot)
        writes += 1
        journal?(.putUser(user))
        return user
    }

    public func deleteUser(_ id: IdentityID) async throws {
        guard let slot = index.userSlots[id] else { throw notFound(id, "user") }
        removeUser(at: slot)
        writes += 1
        journal?(.deleteUser(id))
    }

    public func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        let profile = held(profile)
        try validate(profile)
        try checkName(profile, for: nil)
        let id = IdentityID("g\(nextGroupNumber)")
        nextGroupNumber += 1
        let slot = insertGroup(id, origin: origin, profile: profile)
        writes += 1
        journal?(.putGroup(id, origin: origin, profile: profile))
        return index.group(at: slot)
    }

    public func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        guard let slot = index.groupSlots[id] else { throw notFound(id, "group") }
        let profile = held(profile)
        try validate(profile)
        try checkName(profile, for: id)
        updateGroup(at: slot, profile: profile, origin: origin)
        writes += 1
        journal?(.putGroup(id, origin: origin, profile: profile))
        return index.group(at: slot)
    }

    /// The part of a group's profile the store keeps.
    private func held(_ profile: GroupProfile) -> GroupProfile {
        var profile = profile
        if !holds.groupDescriptions { profile.description = nil }
        return profile
    }

    public func deleteGroup(_ id: IdentityID) async throws {
        guard let slot = index.groupSlots[id], let group = index.groups[Int(slot)] else { throw notFound(id, "group") }
        guard group.members.isEmpty else {
            throw IdentityStoreError(
                .groupNotEmpty, detail: "group '\(group.profile.name)' still has \(group.members.count) members",
                identityID: id)
        }
        removeGroup(at: slot)
        writes += 1
        journal?(.deleteGroup(id))
    }

    public func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        guard let group = index.groupSlots[groupID] else { throw notFound(groupID, "group") }
        var slots: [Int32] = []
        slots.reserveCapacity(userIDs.count)
        for id in userIDs {
            guard let slot = index.userSlots[id] else { throw notFound(id, "user") }
            slots.append(slot)
        }
        addMembers(slots, toGroupAt: group)
        writes += 1
        journal?(.addMembers(userIDs, groupID))
    }

    public func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        guard let group = index.groupSlots[groupID] else { throw notFound(groupID, "group") }
        removeMembers(userIDs.compactMap { index.userSlots[$0] }, fromGroupAt: group)
        writes += 1
        journal?(.removeMembers(userIDs, groupID))
    }

    /// Runs `body` with the whole store as changes that rebuild it (users, then groups with their
    /// members, by identifier) while no write can interleave.
    package func withChanges<T: Sendable>(_ body: @Sendable ([StoreChange]) throws -> T) throws -> T {
        var changes: [StoreChange] = index.userSlots.keys.sorted().map { .putUser(index.users[Int(index.userSlots[$0]!)]!) }
        for id in index.groupSlots.keys.sorted() {
            let group = index.groups[Int(index.groupSlots[id]!)]!
            changes.append(.putGroup(id, origin: group.origin, profile: group.profile))
            if !group.members.isEmpty { changes.append(.addMembers(group.members.map { index.users[Int($0)]!.id }.sorted(), id)) }
        }
        return try body(changes)
    }

    /// Applies a logged write again, without the store's checks (they held when it was logged).
    /// Identifier counters move past every identifier seen. Members that are no user are left out.
    package func replay(_ change: StoreChange) {
        switch change {
        case .putUser(let user):
            if let slot = index.userSlots[user.id] { replace(user, at: slot) } else { insert(user) }
            nextUserNumber = max(nextUserNumber, Self.number(of: user.id, prefix: "u") + 1)
        case .deleteUser(let id):
            guard let slot = index.userSlots[id] else { return }
            removeUser(at: slot)
        case .putGroup(let id, let origin, let profile):
            if let slot = index.groupSlots[id] { updateGroup(at: slot, profile: profile, origin: origin) } else { insertGroup(id, origin: origin, profile: profile) }
            nextGroupNumber = max(nextGroupNumber, Self.number(of: id, prefix: "g") + 1)
        case .deleteGroup(let id):
            guard let slot = index.groupSlots[id] else { return }
            removeGroup(at: slot)
        case .addMembers(let userIDs, let groupID):
            guard let group = index.groupSlots[groupID] else { return }
            addMembers(userIDs.compactMap { index.userSlots[$0] }, toGroupAt: group)
        case .removeMembers(let userIDs, let groupID):
            guard let group = index.groupSlots[groupID] else { return }
            removeMembers(userIDs.compactMap { index.userSlots[$0] }, fromGroupAt: group)
        }
    }

    // MARK: Indexes

    public func identities(_ query: IdentityStoreQuery) async throws -> IdentityStoreContents? {
        var userSlots: Set<Int32> = []
        var groupSlots: Set<Int32> = []
        for id in query.ids {
            if let slot = index.userSlots[id] { userSlots.insert(slot) }
            if let slot = index.groupSlots[id] { groupSlots.insert(slot) }
        }
        for address in query.addresses { if let holder = index.addressHolder(address) { userSlots.insert(holder) } }
        for login in query.logins { index.forEachLoginHolder(login) { userSlots.insert($0) } }
        for externalID in query.externalIDs {
            let link = Link(.directory(query.source, externalID: externalID))!
            linkedUsers.forEach(at: link) { userSlots.insert($0) }
            linkedGroups.forEach(at: link) { groupSlots.insert($0) }
        }
        for name in query.groupNames { if let holder = index.groupNameHolders[name.lowercasedKey] { groupSlots.insert(holder) } }
        for member in query.groupsOf {
            if let slot = index.userSlots[member] { groupSlots.formUnion(groupsOfUser[Int(slot)]) }
        }
        return IdentityStoreContents(
            users: userSlots.map { index.users[Int($0)]! }, groups: groupSlots.map(index.group(at:)), capabilities: holds)
    }

    private func insert(_ user: IdentityUser) {
        let slot = index.insert(user)
        if Int(slot) == groupsOfUser.count { groupsOfUser.append([]) }
        if let link = Link(user.origin) { linkedUsers.insert(slot, at: link) }
    }

    private func replace(_ user: IdentityUser, at slot: Int32) {
        if let link = index.users[Int(slot)].flatMap({ Link($0.origin) }) { linkedUsers.remove(slot, at: link) }
        index.replace(user, at: slot)
        if let link = Link(user.origin) { linkedUsers.insert(slot, at: link) }
    }

    private func removeUser(at slot: Int32) {
        if let link = index.users[Int(slot)].flatMap({ Link($0.origin) }) { linkedUsers.remove(slot, at: link) }
        index.removeUser(at: slot, groups: groupsOfUser[Int(slot)])
        groupsOfUser[Int(slot)] = []
    }

    @discardableResult
    private func insertGroup(_ id: IdentityID, origin: IdentityOrigin, profile: GroupProfile) -> Int32 {
        let slot = index.insert(IdentityStoreIndex.Group(id: id, origin: origin, profile: profile, members: []))
        if let link = Link(origin) { linkedGroups.insert(slot, at: link) }
        return slot
    }

    private func updateGroup(at slot: Int32, profile: GroupProfile, origin: IdentityOrigin) {
        if let link = index.groups[Int(slot)].flatMap({ Link($0.origin) }) { linkedGroups.remove(slot, at: link) }
        index.update(groupAt: slot, profile: profile, origin: origin)
        if let link = Link(origin) { linkedGroups.insert(slot, at: link) }
    }

    private func removeGroup(at slot: Int32) {
        guard let group = index.groups[Int(slot)] else { return }
        if let link = Link(group.origin) { linkedGroups.remove(slot, at: link) }
        for member in group.members { groupsOfUser[Int(member)].removeAll { $0 == slot } }
        index.removeGroup(at: slot)
    }

    private func addMembers(_ members: [Int32], toGroupAt slot: Int32) {
        let added = index.addMembers(members, toGroupAt: slot)
        for member in added { groupsOfUser[Int(member)].append(slot) }
    }

    private func removeMembers(_ members: [Int32], fromGroupAt slot: Int32) {
        let removed = index.removeMembers(members, fromGroupAt: slot)
        for member in removed { groupsOfUser[Int(member)].removeAll { $0 == slot } }
    }

    private static func number(of id: IdentityID, prefix: Character) -> Int {
        id.rawValue.first == prefix ? Int(id.rawValue.dropFirst()) ?? 0 : 0
    }

    // MARK: Rules

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
            if let slot = index.addressHolder(key), case let holder = index.users[Int(slot)]!.id, holder != id {
                throw IdentityStoreError(
                    .addressInUse, detail: "the address '\(key)' is already used", identityID: id,
                    conflictingIdentityID: holder)
            }
        }
    }

    private func checkName(_ profile: GroupProfile, for id: IdentityID?) throws {
        if let slot = index.groupNameHolders[profile.name.lowercasedKey], case let holder = index.groups[Int(slot)]!.id, holder != id {
            throw IdentityStoreError(
                .groupNameInUse, detail: "the group name '\(profile.name)' is already used", identityID: id,
                conflictingIdentityID: holder)
        }
    }
}
