/// What one read of a directory returned: users, groups with their direct members, and whether
/// the read finished.
///
/// A snapshot that is not complete (the read failed, was cancelled or paging was cut short) must
/// never be planned: the planner refuses it, so a partial read can never turn into removals.
public struct DirectorySnapshot: Hashable, Codable, Sendable {
    /// The users read.
    public var users: [DirectoryUser]
    /// The groups read.
    public var groups: [DirectoryGroup]
    /// `true` only when every page of every collection was read.
    public var isComplete: Bool

    /// Creates a snapshot.
    /// - Parameters:
    ///   - users: The users read.
    ///   - groups: The groups read.
    ///   - isComplete: `true` only when the read finished.
    public init(users: [DirectoryUser] = [], groups: [DirectoryGroup] = [], isComplete: Bool = true) {
        self.users = users
        self.groups = groups
        self.isComplete = isComplete
    }
}
