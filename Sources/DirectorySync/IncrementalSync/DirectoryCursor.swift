/// Where a provider's change tracking stands (for Graph: the users' and groups' delta links).
/// Opaque to everyone but the provider that issued it; it holds no secret.
public struct DirectoryCursor: Hashable, Codable, Sendable {
    /// The provider's positions by name (for Graph, `users` and `groups` delta links).
    public var positions: [String: String]

    /// Creates a cursor.
    /// - Parameter positions: The provider's positions by name.
    public init(_ positions: [String: String]) { self.positions = positions }
}

/// What a change-tracking read returned.
public enum DirectoryRead: Sendable {
    /// Everything, and the cursor to track changes from (`nil` when the provider cannot track).
    case full(DirectorySnapshot, cursor: DirectoryCursor?)
    /// The changes since the cursor given, and the cursor to continue from.
    case changes(DirectoryChanges, cursor: DirectoryCursor, statistics: ReadStatistics)
}
