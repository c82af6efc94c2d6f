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

/// A provider lost track of changes: the cursor expired or the directory asked to start over.
/// The caller reads everything again (``SourceSynchronizer`` does this on its own).
public struct DirectoryTrackingLost: Error, Hashable, Sendable, CustomStringConvertible {
    /// Why tracking was lost.
    public enum Reason: String, Hashable, Codable, Sendable {
        /// The cursor is too old (Graph: 400 `syncStateNotFound`, after 7 days).
        case expired
        /// The directory reset tracking (Graph: 410 Gone, `resyncRequired`).
        case reset
    }

    /// Why tracking was lost.
    public var reason: Reason
    /// What the directory said (no secrets).
    public var detail: String

    /// Creates the error.
    /// - Parameters:
    ///   - reason: Why tracking was lost.
    ///   - detail: What the directory said.
    public init(_ reason: Reason, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    /// The cause and what happens next.
    public var description: String {
        "Change tracking was lost (\(reason.rawValue)): \(detail)".followed(bySentence: "A full read follows automatically.")
    }
}
