/// Everything an identity store holds at one moment: its users and groups with their members.
public struct IdentityStoreContents: Hashable, Codable, Sendable {
    /// The store's users, sorted by identifier.
    public var users: [IdentityUser]
    /// The store's groups, sorted by identifier.
    public var groups: [IdentityGroup]

    /// Creates a contents value; both lists are sorted by identifier.
    /// - Parameters:
    ///   - users: The store's users.
    ///   - groups: The store's groups.
    public init(users: [IdentityUser] = [], groups: [IdentityGroup] = []) {
        self.users = users.sorted { $0.id < $1.id }
        self.groups = groups.sorted { $0.id < $1.id }
    }
}
