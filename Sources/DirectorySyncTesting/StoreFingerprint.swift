import DirectorySync

/// A store's contents without the store's identifiers, so two stores that went through different
/// histories (a crash and a retry, an incremental and a full run) can be compared for equality.
///
/// Users are compared by origin and attributes; groups by origin, attributes and their members'
/// origins and attributes.
public struct StoreFingerprint: Hashable, Sendable, CustomStringConvertible {
    /// A user without its identifier.
    public struct User: Hashable, Sendable {
        /// Manual, or its source and directory object.
        public var origin: IdentityOrigin
        /// Its attributes.
        public var profile: UserProfile
    }

    /// A group without its identifier.
    public struct Group: Hashable, Sendable {
        /// Manual, or its source and directory object.
        public var origin: IdentityOrigin
        /// Its attributes.
        public var profile: GroupProfile
        /// Its members, without identifiers.
        public var members: Set<User>
    }

    /// The users.
    public var users: Set<User>
    /// The groups.
    public var groups: Set<Group>

    /// Takes the fingerprint of a store's contents.
    /// - Parameter contents: The contents.
    public init(_ contents: IdentityStoreContents) {
        var byID: [IdentityID: User] = [:]
        for user in contents.users { byID[user.id] = User(origin: user.origin, profile: user.profile) }
        users = Set(byID.values)
        groups = Set(
            contents.groups.map { group in
                Group(origin: group.origin, profile: group.profile, members: Set(group.memberIDs.compactMap { byID[$0] }))
            })
    }

    /// Counts, for test failure messages.
    public var description: String {
        "\(users.count) users, \(groups.count) groups, \(groups.reduce(0) { $0 + $1.members.count }) memberships"
    }
}
