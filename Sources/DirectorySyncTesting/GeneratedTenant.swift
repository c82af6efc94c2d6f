import DirectorySync

/// A tenant made by ``TenantGenerator``: users, groups with direct members, and the verified domain.
public struct GeneratedTenant: Hashable, Sendable {
    /// The tenant's primary domain.
    public var domain: String
    /// The users.
    public var users: [DirectoryUser]
    /// The groups, with direct user and group members.
    public var groups: [DirectoryGroup]

    /// Creates a tenant value.
    /// - Parameters:
    ///   - domain: The primary domain.
    ///   - users: The users.
    ///   - groups: The groups.
    public init(domain: String, users: [DirectoryUser], groups: [DirectoryGroup]) {
        self.domain = domain
        self.users = users
        self.groups = groups
    }

    /// The tenant as a complete directory snapshot.
    public var snapshot: DirectorySnapshot { DirectorySnapshot(users: users, groups: groups, isComplete: true) }

    /// The number of direct user memberships.
    public var membershipCount: Int { groups.reduce(0) { $0 + $1.memberUserIDs.count } }
}
