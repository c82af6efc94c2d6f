/// Everything an identity store holds at one moment: its users and groups with their members, and
/// what the store can hold at all. Planners plan from this one value, so a preview and a
/// synchronization over the same store plan alike: what the store cannot hold is never a change.
public struct IdentityStoreContents: Hashable, Codable, Sendable {
    /// The store's users, sorted by identifier.
    public var users: [IdentityUser]
    /// The store's groups, sorted by identifier.
    public var groups: [IdentityGroup]
    /// What the store can hold (a SCIM server's groups keep no description); the planner leaves
    /// out what it cannot, so plans stay empty once the store is in step.
    public var capabilities: IdentityStoreCapabilities

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
    }

    private enum CodingKeys: String, CodingKey { case users, groups, capabilities }

    /// Decodes contents; a document without `capabilities` (written before it existed) holds everything.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            users: try container.decode([IdentityUser].self, forKey: .users),
            groups: try container.decode([IdentityGroup].self, forKey: .groups),
            capabilities: try container.decodeIfPresent(IdentityStoreCapabilities.self, forKey: .capabilities) ?? .all)
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
