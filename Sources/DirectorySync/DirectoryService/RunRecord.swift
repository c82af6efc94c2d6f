import Foundation

/// What started a synchronization.
public enum SyncTrigger: String, Hashable, Codable, Sendable {
    /// The host or an administrator asked for it.
    case manual
    /// The schedule.
    case scheduled
    /// The host confirmed removals over the deletion guard.
    case confirmation
    /// One user was synchronized on demand (``DirectoryService/synchronize(_:user:)``).
    case onDemand
}

/// One synchronization in a source's history.
///
/// Its JSON (history documents, `dirsync … history --json`) is designed for scripts; see
/// `Documentation/JSON.md`:
///
/// ```json
/// {"endedAt": "…", "failed": 0, "groupsSynchronized": 12, "id": "…", "outcome": "succeeded",
///  "read": {"kind": "full", "reason": "firstRun"}, "requests": 6, "source": "contoso",
///  "startedAt": "…", "succeeded": 140, "summary": {"operations": {"createUser": 120, …}, …},
///  "trigger": "manual", "usersSynchronized": 120}
/// ```
public struct RunRecord: Hashable, Codable, Sendable, Identifiable {
    /// How a run ended.
    public enum Outcome: Hashable, Sendable {
        /// Every operation succeeded.
        case succeeded
        /// Some operations failed (counted in ``RunRecord/failed``); the next run repairs them.
        case partiallyFailed
        /// The plan exceeded the deletion guard; nothing was applied. Carries the guard's verdicts.
        case needsConfirmation([String])
        /// The run was cancelled (the source was turned off).
        case cancelled
        /// The run failed: usually before applying anything (the read or the plan), or after applying
        /// its changes when keeping its change tracking failed (``RunRecord/succeeded`` counts what
        /// was applied). Carries the cause.
        case failed(String)

        /// The outcome's stable name: `succeeded`, `partiallyFailed`, `needsConfirmation`,
        /// `cancelled` or `failed`.
        public var name: String {
            switch self {
            case .succeeded: "succeeded"
            case .partiallyFailed: "partiallyFailed"
            case .needsConfirmation: "needsConfirmation"
            case .cancelled: "cancelled"
            case .failed: "failed"
            }
        }
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
    /// What the run planned: operations by kind, issues by code, and conflicts, skips and
    /// warnings counted by the planner's own severity (so a new warning code is never a conflict).
    public var summary: SyncPlan.Summary
    /// Users the source holds in the store after the run.
    public var usersSynchronized: Int
    /// Groups the source holds in the store after the run.
    public var groupsSynchronized: Int
    /// Requests the read sent.
    public var requests: Int

    /// Creates a record.
    /// - Parameters:
    ///   - id: A unique identifier.
    ///   - sourceID: The source.
    ///   - trigger: What started it.
    ///   - startedAt: When it started.
    ///   - endedAt: When it ended.
    ///   - readKind: How it read the directory.
    ///   - outcome: How it ended.
    ///   - succeeded: Operations applied.
    ///   - failed: Operations that failed.
    ///   - summary: What the run planned.
    ///   - usersSynchronized: Users the source holds after the run.
    ///   - groupsSynchronized: Groups the source holds after the run.
    ///   - requests: Requests the read sent.
    public init(
        id: String, sourceID: SourceID, trigger: SyncTrigger, startedAt: Date, endedAt: Date, readKind: ReadKind? = nil, outcome: Outcome,
        succeeded: Int = 0, failed: Int = 0, summary: SyncPlan.Summary = SyncPlan.Summary(), usersSynchronized: Int = 0, groupsSynchronized: Int = 0,
        requests: Int = 0
    ) {
        self.id = id
        self.sourceID = sourceID
        self.trigger = trigger
        self.startedAt = startedAt
        self.endedAt = endedAt
        self.readKind = readKind
        self.outcome = outcome
        self.succeeded = succeeded
        self.failed = failed
        self.summary = summary
        self.usersSynchronized = usersSynchronized
        self.groupsSynchronized = groupsSynchronized
        self.requests = requests
    }

    /// Whether the run applied everything it planned.
    public var isSuccess: Bool { outcome == .succeeded }
}

extension StateKey {
    /// A source's run history.
    static func history(_ sourceID: SourceID) -> StateKey { StateKey(sourceID, "history") }
}
