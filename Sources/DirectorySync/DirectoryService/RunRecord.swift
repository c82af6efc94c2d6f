import Foundation

/// What started a synchronization.
public enum SyncTrigger: String, Hashable, Codable, Sendable {
    /// The host or an administrator asked for it.
    case manual
    /// The schedule.
    case scheduled
    /// The host confirmed removals over the deletion guard.
    case confirmation
}

/// One synchronization in a source's history.
public struct RunRecord: Hashable, Codable, Sendable, Identifiable {
    /// How a run ended.
    public enum Outcome: Hashable, Codable, Sendable {
        /// Every operation succeeded.
        case succeeded
        /// Some operations failed (counted in ``RunRecord/failed``); the next run repairs them.
        case partiallyFailed
        /// The plan exceeded the deletion guard; nothing was applied.
        case needsConfirmation([String])
        /// The run was cancelled (the source was turned off).
        case cancelled
        /// The run failed before applying anything (the read or the plan).
        case failed(String)
    }

    /// A unique identifier.
    public var id: String
    /// The source.
    public var sourceID: SourceID
    /// What started it.
    public var trigger: SyncTrigger
    /// When it started.
    public var startedAt: Date
    /// When it ended.
    public var endedAt: Date
    /// How it read the directory (`nil` when the read failed).
    public var readKind: ReadKind?
    /// How it ended.
    public var outcome: Outcome
    /// Operations applied.
    public var succeeded: Int
    /// Operations that failed or were skipped.
    public var failed: Int
    /// Operations planned, by kind (`createUser`, `removeMember`, …).
    public var operations: [String: Int]
    /// Users the source holds in the store after the run.
    public var usersSynchronized: Int
    /// Groups the source holds in the store after the run.
    public var groupsSynchronized: Int
    /// Warnings (users without email, conflicts), by kind.
    public var warnings: [String: Int]
    /// Requests the read sent.
    public var requests: Int

    /// Whether the run applied everything it planned.
    public var isSuccess: Bool { outcome == .succeeded }
}

extension StateKey {
    /// A source's run history.
    static func history(_ sourceID: SourceID) -> StateKey { StateKey(sourceID, "history") }
}
