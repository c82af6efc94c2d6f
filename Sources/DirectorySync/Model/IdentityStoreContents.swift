/// Everything an identity store holds at one moment: its users and groups with their members, and
/// what the store can hold at all. Planners plan from this one value, so a preview and a
/// synchronization over the same store plan alike: what the store cannot hold is never a change.
///
/// A contents value also carries the lookups a planner needs (identifiers, addresses, logins and
/// names to identities, members by group), built the first time a plan asks and kept with the
/// value; ``InMemoryIdentityStore`` and ``FileIdentityStore`` keep them up to date with every
/// write and hand them out with their contents, so a plan over a large store does not index it
/// again. Changing ``users`` or ``groups`` drops them.
public struct IdentityStoreContents: Hashable, Codable, Sendable {
    /// The store's users, sorted by identifier.
    public var users: [IdentityUser] { didSet { cache = IndexCache() } }
    /// The store's groups, sorted by identifier.
    public var groups: [IdentityGroup] { didSet { cache = IndexCache() } }
    /// What the store can hold (a SCIM server's groups keep no description); the planner leaves
    /// out what it cannot, so plans stay empty once the store is in step.
    public var capabilities: IdentityStoreCapabilities
    /// The index of ``users`` and ``groups``, once built or handed in.
    private var cache: IndexCache

    /// Creates a contents value; both lists are sorted by identifier.
    /// - Parameters:
    ///   - users: The store's users.
    ///   - groups: The store's groups.
    ///   - capabilities: What the store can hold; a store that holds less than every attribute
    ///     must say so here, in what its ``IdentityStore/contents()`` returns.
    public init(users: [IdentityUser] = [], groups: [IdentityGroup] = [], capabilities: IdentityStoreCapabilities = .all) {
        self.users = users.sorted { $0.id < $1.id }
        self.groups = groups.sorted { $0.id < $1.id }
        self.capabilities = capabilities
        cache = IndexCache()
    }

    /// A contents value with the index the store keeps for exactly these users and groups.
    init(sortedUsers: [IdentityUser], sortedGroups: [IdentityGroup], capabilities: IdentityStoreCapabilities, index: IdentityStoreIndex) {
        users = sortedUsers
        groups = sortedGroups
        self.capabilities = capabilities
        cache = IndexCache(index)
    }

    /// The lookups planning needs, built at the first call unless the store handed them in.
    var index: IdentityStoreIndex { cache.index { IdentityStoreIndex(users: users, groups: groups) } }

    /// Whether ``index`` is built (or was handed in) already.
    var isIndexed: Bool { cache.isBuilt }

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

    /// Holds the index once built; shared by the copies of one contents value (it never changes
    /// once set: a copy whose users or groups change gets a new, empty cache).
    private final class IndexCache: Sendable {
        private let stored: Locked<IdentityStoreIndex?>

        init(_ index: IdentityStoreIndex? = nil) { stored = Locked(index) }

        var isBuilt: Bool { stored.withLock { $0 != nil } }

        func index(_ build: () -> IdentityStoreIndex) -> IdentityStoreIndex {
            stored.withLock { index in
                if let index { return index }
                let built = build()
                index = built
                return built
            }
        }
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
