/// A store's users and groups in numbered slots, with the lookups planning needs: identifiers,
/// addresses, logins and group names to slots, and each group's members as user slots.
///
/// Building it costs a string hash per identifier, address, login and membership — for a store
/// of 100,000 users and 1,000,000 memberships, more than the rest of a plan with nothing to
/// change. So it is built once per contents value and cached there
/// (``IdentityStoreContents/index``), and ``InMemoryIdentityStore`` (and the file store over it)
/// keeps one up to date with every write and hands it out with its contents: a plan then starts
/// from it instead of rebuilding it. A host's own store needs to do nothing: the planner builds
/// the index from the contents the protocol returns.
///
/// A slot is only a number: the order of slots means nothing (the planner orders by identifier
/// where the rules need an order). Freed slots are reused.
struct IdentityStoreIndex: Sendable {
    /// Users by slot; `nil` for a free slot.
    private(set) var users: [IdentityUser?] = []
    /// Groups by slot; `nil` for a free slot.
    private(set) var groups: [Group?] = []
    /// Each user's slot.
    private(set) var userSlots: [IdentityID: Int32] = [:]
    /// Each group's slot.
    private(set) var groupSlots: [IdentityID: Int32] = [:]
    /// The users holding each address (primary email or alias), by the hash of its key (the
    /// address lower-cased): a million addresses cost an integer each here, not a string each. A
    /// hash is no proof, so ``addressHolder(_:)`` checks each user it finds.
    private var addressHolders = SlotMultimap<Int>()
    /// The users with each login, by the hash of the login lower-cased: a million users' logins
    /// cost an integer each here, not a lower-cased copy of each login. A hash is no proof, so
    /// ``forEachLoginHolder(_:_:)`` checks each user it finds.
    private var loginHolders = SlotMultimap<Int>()
    /// The group holding each name, lower-cased.
    private(set) var groupNameHolders: [String: Int32] = [:]
    /// Each user's link to a directory object, by slot: its source (in ``sources``) and the
    /// object id's key — read by every plan, kept here so a plan parses no id of the store.
    private(set) var userLinks: [Link] = []
    /// Each group's link, by slot.
    private(set) var groupLinks: [Link] = []
    /// The sources identities are linked to, numbered.
    private(set) var sources: [SourceID: Int32] = [:]
    private var freeUserSlots: [Int32] = []
    private var freeGroupSlots: [Int32] = []

    /// Where an identity comes from, as numbers: the key of the directory object and the source's
    /// number (-1 for a manual identity) — in this order, 24 bytes a link (the other order pads
    /// to 32: a key is 17 bytes aligned to 8).
    struct Link: Sendable {
        var key: ObjectKey
        var source: Int32

        static let manual = Link(key: .guid(PackedGUID(high: 0, low: 0)), source: -1)
    }

    private mutating func link(_ origin: IdentityOrigin) -> Link {
        guard case .directory(let source, let externalID) = origin else { return .manual }
        let number = sources[source] ?? Int32(sources.count)
        if number == Int32(sources.count) { sources[source] = number }
        return Link(key: ObjectKey(externalID), source: number)
    }

    /// A group in its slot: what ``IdentityGroup`` holds, with members as user slots.
    struct Group: Sendable {
        var id: IdentityID
        var origin: IdentityOrigin
        var profile: GroupProfile
        /// The member users' slots.
        var members: Set<Int32>
        /// Members listed that are no user of the index, and members listed more than once (a
        /// contents value may list them; a store never does), in the order listed.
        var extraMembers: [IdentityID] = []
    }

    /// An empty index.
    init() {}

    /// The index of a contents value: slots in the order of `users` and `groups`.
    init(users: [IdentityUser], groups: [IdentityGroup]) {
        self.users.reserveCapacity(users.count)
        userLinks.reserveCapacity(users.count)
        userSlots.reserveCapacity(users.count)
        addressHolders.reserveCapacity(users.count)
        for user in users { insert(user) }
        self.groups.reserveCapacity(groups.count)
        groupSlots.reserveCapacity(groups.count)
        for group in groups {
            var members = Set<Int32>(minimumCapacity: group.memberIDs.count)
            var extra: [IdentityID] = []
            for member in group.memberIDs {
                if let slot = userSlots[member], members.insert(slot).inserted { continue }
                extra.append(member)
            }
            insert(Group(id: group.id, origin: group.origin, profile: group.profile, members: members, extraMembers: extra))
        }
    }

    /// The users, sorted by identifier (``IdentityStoreContents/users``).
    func sortedUsers() -> [IdentityUser] {
        var sorted = users.compactMap { $0 }
        sorted.sort { $0.id < $1.id }
        return sorted
    }

    /// The groups as values, sorted by identifier (``IdentityStoreContents/groups``).
    func sortedGroups() -> [IdentityGroup] {
        var sorted = groupSlots.values.map(group(at:))
        sorted.sort { $0.id < $1.id }
        return sorted
    }

    /// The group in `slot` as a value: its members by identifier, those no user of the index
    /// holds among them (`IdentityGroup` sorts them).
    func group(at slot: Int32) -> IdentityGroup {
        let group = groups[Int(slot)]!
        return IdentityGroup(
            id: group.id, origin: group.origin, profile: group.profile, memberIDs: group.members.map { users[Int($0)]!.id } + group.extraMembers)
    }

    /// Calls `body` with the slot of each user holding the login `key` (lower-cased), in the order
    /// they got it.
    func forEachLoginHolder(_ key: String, _ body: (Int32) -> Void) {
        loginHolders.forEach(at: key.hashValue) { slot in
            if users[Int(slot)]?.profile.holdsLogin(key) == true { body(slot) }
        }
    }

    /// The user holding the address `key` (lower-cased) as email or alias, if any: of two that
    /// hold it (a host's store may), the one that got it last.
    func addressHolder(_ key: String) -> Int32? {
        var holder: Int32?
        users.withUnsafeBufferPointer { users in
            addressHolders.forEach(at: key.hashValue) { slot in
                if users[Int(slot)]?.profile.holdsAddress(key) == true { holder = slot }
            }
        }
        return holder
    }

    /// How many (user, address) entries the address table holds: one per distinct address key of
    /// each user, fewer only where two keys' hashes meet.
    var addressEntryCount: Int { addressHolders.count }

    /// How many (user, login) entries the login table holds: one per distinct login of each user,
    /// fewer only where two logins' hashes meet.
    var loginEntryCount: Int { loginHolders.count }

    /// The number of user slots (free ones included): the size of tables by user slot.
    var userSlotCount: Int { users.count }

    /// The number of group slots (free ones included).
    var groupSlotCount: Int { groups.count }

    // MARK: Writes

    /// Adds a user in a free slot.
    /// - Returns: Its slot.
    @discardableResult
    mutating func insert(_ user: IdentityUser) -> Int32 {
        let slot: Int32
        let link = link(user.origin)
        if let free = freeUserSlots.popLast() {
            slot = free
            users[Int(slot)] = user
            userLinks[Int(slot)] = link
        } else {
            slot = Int32(users.count)
            users.append(user)
            userLinks.append(link)
        }
        userSlots[user.id] = slot
        indexAddresses(of: user, at: slot)
        return slot
    }

    /// Replaces the user in `slot` (same identifier).
    mutating func replace(_ user: IdentityUser, at slot: Int32) {
        guard let old = users[Int(slot)] else { return }
        unindexAddresses(of: old, at: slot)
        users[Int(slot)] = user
        if user.origin != old.origin { userLinks[Int(slot)] = link(user.origin) }
        indexAddresses(of: user, at: slot)
    }

    /// Removes the user in `slot` and its memberships, given the groups it is in.
    mutating func removeUser(at slot: Int32, groups memberOf: some Sequence<Int32>) {
        guard let old = users[Int(slot)] else { return }
        unindexAddresses(of: old, at: slot)
        userSlots[old.id] = nil
        users[Int(slot)] = nil
        userLinks[Int(slot)] = .manual
        for group in memberOf { groups[Int(group)]?.members.remove(slot) }
        freeUserSlots.append(slot)
    }

    /// Adds a group in a free slot.
    /// - Returns: Its slot.
    @discardableResult
    mutating func insert(_ group: Group) -> Int32 {
        let slot: Int32
        let link = link(group.origin)
        if let free = freeGroupSlots.popLast() {
            slot = free
            groups[Int(slot)] = group
            groupLinks[Int(slot)] = link
        } else {
            slot = Int32(groups.count)
            groups.append(group)
            groupLinks.append(link)
        }
        groupSlots[group.id] = slot
        groupNameHolders[group.profile.name.lowercasedKey] = slot
        return slot
    }

    /// Changes the group's profile and origin; its members stay.
    mutating func update(groupAt slot: Int32, profile: GroupProfile, origin: IdentityOrigin) {
        guard let old = groups[Int(slot)] else { return }
        let oldName = old.profile.name.lowercasedKey
        if groupNameHolders[oldName] == slot { groupNameHolders[oldName] = nil }
        groups[Int(slot)]!.profile = profile
        if origin != old.origin {
            groups[Int(slot)]!.origin = origin
            groupLinks[Int(slot)] = link(origin)
        }
        groupNameHolders[profile.name.lowercasedKey] = slot
    }

    /// Removes the group in `slot`.
    mutating func removeGroup(at slot: Int32) {
        guard let old = groups[Int(slot)] else { return }
        let name = old.profile.name.lowercasedKey
        if groupNameHolders[name] == slot { groupNameHolders[name] = nil }
        groupSlots[old.id] = nil
        groups[Int(slot)] = nil
        groupLinks[Int(slot)] = .manual
        freeGroupSlots.append(slot)
    }

    /// Adds user slots to the group's members.
    /// - Returns: The slots that were no members before.
    @discardableResult
    mutating func addMembers(_ members: some Sequence<Int32>, toGroupAt slot: Int32) -> [Int32] {
        guard groups[Int(slot)] != nil else { return [] }
        return members.filter { groups[Int(slot)]!.members.insert($0).inserted }
    }

    /// Takes user slots out of the group's members.
    /// - Returns: The slots that were members.
    @discardableResult
    mutating func removeMembers(_ members: some Sequence<Int32>, fromGroupAt slot: Int32) -> [Int32] {
        guard groups[Int(slot)] != nil else { return [] }
        return members.filter { groups[Int(slot)]!.members.remove($0) != nil }
    }

    private mutating func indexAddresses(of user: IdentityUser, at slot: Int32) {
        for key in user.profile.addressKeys { addressHolders.insert(slot, at: key.hashValue) }
        for login in user.profile.logins { loginHolders.insert(slot, at: login.lowercasedKey.hashValue) }
    }

    private mutating func unindexAddresses(of user: IdentityUser, at slot: Int32) {
        for key in user.profile.addressKeys { addressHolders.remove(slot, at: key.hashValue) }
        for login in user.profile.logins { loginHolders.remove(slot, at: login.lowercasedKey.hashValue) }
    }
}

/// Slots by key, most keys with one slot: the first slot inline, further ones apart — a
/// million logins cost a dictionary entry each, not an array each.
struct SlotMultimap<Key: Hashable & Sendable>: Sendable {
    private var first: [Key: Int32] = [:]
    private var more: [Key: [Int32]] = [:]

    /// Makes room for `count` keys.
    mutating func reserveCapacity(_ count: Int) { first.reserveCapacity(count) }

    /// How many slots are held, under all keys.
    var count: Int { more.values.reduce(first.count) { $0 + $1.count } }

    /// Calls `body` with each slot under `key`, in the order they were inserted.
    func forEach(at key: Key, _ body: (Int32) -> Void) {
        guard let slot = first[key] else { return }
        body(slot)
        for other in more[key] ?? [] { body(other) }
    }

    /// Adds `slot` under `key` (once).
    mutating func insert(_ slot: Int32, at key: Key) {
        guard let existing = first[key] else {
            first[key] = slot
            return
        }
        guard existing != slot, !(more[key]?.contains(slot) ?? false) else { return }
        more[key, default: []].append(slot)
    }

    /// Removes `slot` from under `key`.
    mutating func remove(_ slot: Int32, at key: Key) {
        guard let existing = first[key] else { return }
        if existing == slot {
            if var rest = more.removeValue(forKey: key), !rest.isEmpty {
                first[key] = rest.removeFirst()
                if !rest.isEmpty { more[key] = rest }
            } else {
                first[key] = nil
            }
        } else if var rest = more[key], let position = rest.firstIndex(of: slot) {
            rest.remove(at: position)
            more[key] = rest.isEmpty ? nil : rest
        }
    }
}
