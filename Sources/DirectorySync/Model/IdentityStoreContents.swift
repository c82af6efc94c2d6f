/// Everything an identity store holds at one moment: its users and groups with their members, and
/// what the store can hold at all. Planners plan from this one value, so a preview and a
/// synchronization over the same store plan alike: what the store cannot hold is never a change.
///
/// A contents value also carries the lookups a planner needs (identifiers, addresses, logins and
/// names to identities, members by group), built the first time a plan asks and kept with the
/// value; ``InMemoryIdentityStore`` and ``FileIdentityStore`` keep them up to date with every
/// write and hand out their contents as them, so a plan over a large store does not index it
/// again, and the lists are made only when read. Changing ``users`` or ``groups`` drops them.
public struct IdentityStoreContents: Hashable, Codable, Sendable {
    /// The store's users, sorted by identifier.
    ///
    /// Contents that ``InMemoryIdentityStore`` or ``FileIdentityStore`` hand out make this list
    /// (and ``groups``) the first time it is read: a plan reads the store's index instead, so a
    /// synchronization of a large store never copies and sorts its users.
    public var users: [IdentityUser] {
        get { storage.lists.users }
        set { storage = Storage(Lists(users: newValue, groups: storage.lists.groups)) }
        _modify {
            var lists = takeLists()
            defer { storage = Storage(lists) }
            yield &lists.users
        }
    }

    /// The store's groups, sorted by identifier.
    public var groups: [IdentityGroup] {
        get { storage.lists.groups }
        set { storage = Storage(Lists(users: storage.lists.users, groups: newValue)) }
        _modify {
            var lists = takeLists()
            defer { storage = Storage(lists) }
            yield &lists.groups
        }
    }

    /// What the store can hold (a SCIM server's groups keep no description); the planner leaves
    /// out what it cannot, so plans stay empty once the store is in step.
    public var capabilities: IdentityStoreCapabilities
    /// The lists, the index, or both: whichever was given, the other made when first needed.
    private var storage: Storage

    /// Creates a contents value; both lists are sorted by identifier.
    /// - Parameters:
    ///   - users: The store's users.
    ///   - groups: The store's groups.
    ///   - capabilities: What the store can hold; a store that holds less than every attribute
    ///     must say so here, in what its ``IdentityStore/contents()`` returns.
    public init(users: [IdentityUser] = [], groups: [IdentityGroup] = [], capabilities: IdentityStoreCapabilities = .all) {
        storage = Storage(Lists(users: users.sorted { $0.id < $1.id }, groups: groups.sorted { $0.id < $1.id }))
        self.capabilities = capabilities
    }

    /// The contents a store's index holds: ``users`` and ``groups`` are made from it, sorted, when
    /// first read.
    init(index: IdentityStoreIndex, capabilities: IdentityStoreCapabilities) {
        storage = Storage(index: index)
        self.capabilities = capabilities
    }

    /// The lookups planning needs, built at the first call unless the store handed them in.
    var index: IdentityStoreIndex { storage.index }

    /// Whether ``index`` is built (or was handed in) already.
    var isIndexed: Bool { storage.isIndexed }

    /// Whether ``users`` and ``groups`` are made already (a store's contents make them when first read).
    var hasLists: Bool { storage.read { lists, _ in lists != nil } }

    /// What a source owns here: how many users, which groups, and how many memberships of its
    /// users in its groups.
    struct Ownership: Equatable {
        var users = 0
        var groups: Set<IdentityID> = []
        var memberships = 0
    }

    /// What the source owns, counted in the lists or, when they are not made, in the index
    /// (without making them).
    func ownership(of source: SourceID) -> Ownership {
        var owned = Ownership()
        storage.read { lists, index in
            if let lists {
                let users = Set(lists.users.lazy.filter { $0.origin.sourceID == source }.map(\.id))
                owned.users = users.count
                for group in lists.groups where group.origin.sourceID == source {
                    owned.groups.insert(group.id)
                    owned.memberships += group.memberIDs.count(where: users.contains)
                }
            } else if let index {
                var ownedSlots = [Bool](repeating: false, count: index.userSlotCount)
                for (slot, user) in index.users.enumerated() where user?.origin.sourceID == source {
                    ownedSlots[slot] = true
                    owned.users += 1
                }
                for case let group? in index.groups where group.origin.sourceID == source {
                    owned.groups.insert(group.id)
                    owned.memberships += group.members.count { ownedSlots[Int($0)] }
                        + group.extraMembers.count { index.userSlots[$0].map { ownedSlots[Int($0)] } ?? false }
                }
            }
        }
        return owned
    }

    /// The lists, made if need be, with this value's hold on its storage given up first, so that
    /// a value whose storage no copy shares changes its lists in place.
    private mutating func takeLists() -> Lists {
        let lists = storage.lists
        storage = Self.placeholder
        return lists
    }

    /// What a value holds while its lists are being changed in place.
    private static let placeholder = Storage(Lists(users: [], groups: []))

    private enum CodingKeys: String, CodingKey { case users, groups, capabilities }

    /// Decodes contents; a document without `capabilities` (written before it existed) holds everything.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            users: try container.decode([IdentityUser].self, forKey: .users),
            groups: try container.decode([IdentityGroup].self, forKey: .groups),
            capabilities: try container.decodeIfPresent(IdentityStoreCapabilities.self, forKey: .capabilities) ?? .all)
    }

    /// Encodes `{"users": […], "groups": […], "capabilities": {…}}`.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(users, forKey: .users)
        try container.encode(groups, forKey: .groups)
        try container.encode(capabilities, forKey: .capabilities)
    }

    /// Equal when users, groups and capabilities are (the index is derived from them).
    public static func == (lhs: IdentityStoreContents, rhs: IdentityStoreContents) -> Bool {
        lhs.users == rhs.users && lhs.groups == rhs.groups && lhs.capabilities == rhs.capabilities
    }

    /// Hashes users, groups and capabilities.
    /// - Parameter hasher: The hasher.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(users)
        hasher.combine(groups)
        hasher.combine(capabilities)
    }

    /// The users and groups as lists.
    private struct Lists: Sendable {
        var users: [IdentityUser]
        var groups: [IdentityGroup]
    }

    /// The lists or the index, whichever a value was made with, and the other once made from it.
    /// Shared by the copies of one contents value; what it holds never changes once set (a copy
    /// whose users or groups change gets a storage of its own).
    private final class Storage: Sendable {
        private struct State {
            var lists: Lists?
            var index: IdentityStoreIndex?
        }

        private let state: Locked<State>

        init(_ lists: Lists) { state = Locked(State(lists: lists, index: nil)) }

        init(index: IdentityStoreIndex) { state = Locked(State(lists: nil, index: index)) }

        var isIndexed: Bool { state.withLock { $0.index != nil } }

        /// `body` with the lists and the index as they are (at least one of them is there).
        func read<Result>(_ body: (Lists?, IdentityStoreIndex?) -> Result) -> Result { state.withLock { body($0.lists, $0.index) } }

        var lists: Lists {
            state.withLock { state in
                if let lists = state.lists { return lists }
                let lists = Lists(users: state.index!.sortedUsers(), groups: state.index!.sortedGroups())
                state.lists = lists
                return lists
            }
        }

        var index: IdentityStoreIndex {
            state.withLock { state in
                if let index = state.index { return index }
                let index = IdentityStoreIndex(users: state.lists!.users, groups: state.lists!.groups)
                state.index = index
                return index
            }
        }
    }
}

extension IdentityStoreContents: CustomReflectable {
    /// The users, groups and capabilities, as a value with stored lists would show them (in
    /// `print`, `dump` and test failures).
    public var customMirror: Mirror {
        Mirror(self, children: ["users": users, "groups": groups, "capabilities": capabilities], displayStyle: .struct)
    }
}

/// What an identity store can hold.
public struct IdentityStoreCapabilities: Hashable, Codable, Sendable {
    /// Whether groups keep a description (SCIM 2.0 core groups have none).
    public var groupDescriptions: Bool

    /// Creates capabilities.
    /// - Parameter groupDescriptions: Whether groups keep a description.
    public init(groupDescriptions: Bool = true) { self.groupDescriptions = groupDescriptions }

    /// Every attribute is stored.
    public static let all = IdentityStoreCapabilities()
}
