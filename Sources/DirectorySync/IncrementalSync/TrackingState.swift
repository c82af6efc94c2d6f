import Foundation

/// What a source keeps between runs to read only changes: the provider's cursor, and the mirror
/// of the directory as a base document plus a journal of the change sets applied since.
///
/// The base is rewritten only on full reads and compactions; an incremental commit rewrites this
/// small document alone. Both are replaced whole and atomically by the state store, and this
/// document names the base it belongs to, so a crash between the two writes is detected (and
/// answered with a full read) rather than mixing states.
struct TrackingState: Codable, Sendable {
    /// The filter in force when changes started being tracked.
    var filter: SyncFilter
    /// Where the provider continues from.
    var cursor: DirectoryCursor
    /// The base mirror document this journal extends.
    var generation: String
    /// Identifies this commit (the in-memory mirror is reused while it matches).
    var commitID: String
    /// Change sets applied since the base, oldest first.
    var journal: [DirectoryChanges]
    /// Incremental runs since the last full read.
    var incrementalRuns: Int
    /// When the last full read happened.
    var fullReadAt: Date

    /// Changes held in the journal.
    var journalCount: Int { journal.reduce(0) { $0 + $1.count } }
}

/// The base mirror of a source's directory.
struct MirrorDocument: Codable, Sendable {
    var generation: String
    var mirror: DirectoryMirror
}

extension StateKey {
    /// A source's change-tracking state (cursor and journal).
    static func tracking(_ sourceID: SourceID) -> StateKey { StateKey(sourceID, "tracking") }
    /// A source's base mirror.
    static func mirror(_ sourceID: SourceID) -> StateKey { StateKey(sourceID, "mirror") }
}
