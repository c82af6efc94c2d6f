import Foundation

/// Why and since when a source is quarantined, and when it tries again.
///
/// A source that is on enters quarantine after ``DirectoryService/Configuration/Quarantine/failedRuns``
/// whole runs failed in a row (3 by default), or at once when a run failed with an error that
/// cannot heal by itself (``DirectorySyncError/healsByItself`` is `false`: a wrong or expired
/// secret, an application that no longer exists, revoked consent). While quarantined, scheduled
/// attempts back off (``DirectoryService/Configuration/Quarantine/delay(afterFailedAttempts:)``);
/// a manual synchronization, a credential change, a settings or schedule change, or a run that
/// succeeds releases it.
///
/// Its JSON (in the saved source, in ``SourceStatus``, in notifications) is
/// `{"since": "2026-03-01T08:00:00Z", "reason": "…", "errorCode": "wrongSecret",
/// "consecutiveFailures": 3, "failedAttempts": 0, "nextAttempt": "2026-03-01T09:00:00Z"}`;
/// `errorCode` and `nextAttempt` only when known.
public struct SourceQuarantine: Hashable, Codable, Sendable {
    /// When the source entered quarantine (the end of the run that put it there).
    public var since: Date
    /// Why, as a sentence: the failure of the run that put it there (never a secret).
    public var reason: String
    /// The stable code of the error that put it there (an `EntraError` or ``DirectoryServiceError``
    /// code such as `wrongSecret`), when the failure had one.
    public var errorCode: String?
    /// Whole runs that failed in a row, up to the latest attempt.
    public var consecutiveFailures: Int
    /// Scheduled attempts made (and failed) since the quarantine began; the backoff doubles with each.
    public var failedAttempts: Int
    /// When the next scheduled attempt is due; `nil` when the source runs only when asked
    /// (schedule `none`).
    public var nextAttempt: Date?

    /// Creates a quarantine record.
    /// - Parameters:
    ///   - since: When the source entered quarantine.
    ///   - reason: Why, as a sentence (never a secret).
    ///   - errorCode: The stable code of the error that put it there.
    ///   - consecutiveFailures: Whole runs that failed in a row.
    ///   - failedAttempts: Scheduled attempts that failed since the quarantine began.
    ///   - nextAttempt: When the next scheduled attempt is due.
    public init(since: Date, reason: String, errorCode: String? = nil, consecutiveFailures: Int, failedAttempts: Int = 0, nextAttempt: Date? = nil) {
        self.since = since
        self.reason = reason
        self.errorCode = errorCode
        self.consecutiveFailures = consecutiveFailures
        self.failedAttempts = failedAttempts
        self.nextAttempt = nextAttempt
    }
}
