import Foundation

/// What a host shows for a source: the product's status line and its warnings.
public struct SourceStatus: Hashable, Codable, Sendable {
    /// The source.
    public var source: Source
    /// The kind of directory (`Microsoft Entra ID`).
    public var type: String
    /// The last whole run (manual, scheduled or a confirmation), if any; runs for one user on
    /// demand are in the history only.
    public var lastRun: RunRecord?
    /// Users the source holds in the store (as of the last run).
    public var usersSynchronized: Int
    /// Groups the source holds in the store (as of the last run).
    public var groupsSynchronized: Int
    /// What needs attention.
    public var warnings: [SourceWarning]
    /// When the next scheduled run is due, if the source is on and scheduled; for a quarantined
    /// source, its next attempt (the same as ``quarantine``'s `nextAttempt`).
    public var nextRun: Date?
    /// Why and since when the source is quarantined, and when it tries again; `nil` when it is not.
    public var quarantine: SourceQuarantine?
    /// Whole runs that failed in a row (0 when the last whole run did not fail).
    public var consecutiveFailures: Int = 0
    /// Under staged deletion, how many removals are pending and when the first is due; `nil` when
    /// none is (and under the other removal policies).
    public var pendingRemovals: PendingRemovals? = nil
    /// The replica running a synchronization of the source now, with the run and since when;
    /// `nil` when none is (or the coordinator could not be asked). JSON `runningOn`, absent when `nil`.
    public var runningOn: RunHolder? = nil
}

/// Something about a source that needs attention.
public enum SourceWarning: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The client secret expires in `days` days (or has expired, `days` ≤ 0). Half a day left is
    /// one day: `days` is 0 or less only once the expiry has passed.
    case secretExpiring(days: Int)
    /// Users synchronized without an email address in the last run.
    case usersWithoutEmail(Int)
    /// Conflicts reported in the last run (a shared email, an identity claimed twice …).
    case conflicts(Int)
    /// A whole run reported more conflicts than the whole run before it (an event, after the run).
    case conflictsIncreased(from: Int, to: Int)
    /// The last run stopped at the deletion guard.
    case needsConfirmation
    /// The last run failed.
    case lastRunFailed(String)
    /// The run's record could not be added to the history (the history already saved is kept as it is).
    case historyNotSaved(String)
    /// The run's report could not be saved (the run itself is recorded in the history).
    case reportNotSaved(String)
    /// The removals pending under staged deletion cannot be read (the saved document is damaged,
    /// untrusted or not a file): runs stop before they plan, so nothing is removed, until it is
    /// corrected, restored or removed (removing it starts every grace afresh). The detail is the
    /// ``SyncStateError``'s description, naming the document and the fix.
    case pendingRemovalsUnreadable(String)

    /// In words, with what to do.
    public var description: String {
        switch self {
        case .secretExpiring(let days) where days <= 0: "The client secret has expired: create a new one and save it."
        case .secretExpiring(let days): "The client secret expires in \(days) day\(days == 1 ? "" : "s"): create a new one before then."
        case .usersWithoutEmail(let count): "\(count) user\(count == 1 ? " has" : "s have") no email address in Entra ID."
        case .conflicts(let count): "\(count) conflict\(count == 1 ? "" : "s") (shared emails or names) left objects unsynchronized."
        case .conflictsIncreased(let from, let to):
            "Conflicts rose from \(from) to \(to) since the run before (shared emails or names): more objects are left unsynchronized."
        case .needsConfirmation: "The last synchronization stopped at the deletion guard (more removals than it allows): confirm them or change the filter."
        case .lastRunFailed(let message): "The last synchronization failed: \(message)"
        case .historyNotSaved(let message): "The run was not added to the history, which is kept as it was: \(message)"
        case .reportNotSaved(let message): "The run's report was not saved (the run is in the history): \(message)"
        case .pendingRemovalsUnreadable(let message):
            "The removals pending under staged deletion cannot be read, so runs stop before they plan (nothing is removed meanwhile): \(message)"
        }
    }
}

extension SourceWarning {
    /// The warning's stable name: `secretExpiring`, `usersWithoutEmail`, `conflicts`,
    /// `conflictsIncreased`, `needsConfirmation`, `lastRunFailed`, `historyNotSaved`, `reportNotSaved`
    /// or `pendingRemovalsUnreadable`.
    public var code: String {
        switch self {
        case .secretExpiring: "secretExpiring"
        case .usersWithoutEmail: "usersWithoutEmail"
        case .conflicts: "conflicts"
        case .conflictsIncreased: "conflictsIncreased"
        case .needsConfirmation: "needsConfirmation"
        case .lastRunFailed: "lastRunFailed"
        case .historyNotSaved: "historyNotSaved"
        case .reportNotSaved: "reportNotSaved"
        case .pendingRemovalsUnreadable: "pendingRemovalsUnreadable"
        }
    }

    private enum CodingKeys: String, CodingKey { case code, days, count, detail, message, from, to }

    /// Decodes `{"code": "conflicts", "count": 3, "message": "…"}` and its siblings (the message
    /// is derived, so it is not read back).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for an unknown code.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let code = try container.decode(String.self, forKey: .code)
        switch code {
        case "secretExpiring": self = .secretExpiring(days: try container.decode(Int.self, forKey: .days))
        case "usersWithoutEmail": self = .usersWithoutEmail(try container.decode(Int.self, forKey: .count))
        case "conflicts": self = .conflicts(try container.decode(Int.self, forKey: .count))
        case "conflictsIncreased": self = .conflictsIncreased(from: try container.decode(Int.self, forKey: .from), to: try container.decode(Int.self, forKey: .to))
        case "needsConfirmation": self = .needsConfirmation
        case "lastRunFailed": self = .lastRunFailed(try container.decode(String.self, forKey: .detail))
        case "historyNotSaved": self = .historyNotSaved(try container.decode(String.self, forKey: .detail))
        case "reportNotSaved": self = .reportNotSaved(try container.decode(String.self, forKey: .detail))
        case "pendingRemovalsUnreadable": self = .pendingRemovalsUnreadable(try container.decode(String.self, forKey: .detail))
        default: throw DecodingError.dataCorruptedError(forKey: .code, in: container, debugDescription: "unknown warning '\(code)'")
        }
    }

    /// Encodes `{"code": …, "message": …}` with the warning's value under `days`, `count` or
    /// `detail` (`conflictsIncreased`: `from` and `to`); `message` is the sentence ``description``
    /// gives, for people.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        switch self {
        case .secretExpiring(let days): try container.encode(days, forKey: .days)
        case .usersWithoutEmail(let count), .conflicts(let count): try container.encode(count, forKey: .count)
        case .conflictsIncreased(let from, let to):
            try container.encode(from, forKey: .from)
            try container.encode(to, forKey: .to)
        case .lastRunFailed(let detail), .historyNotSaved(let detail), .reportNotSaved(let detail), .pendingRemovalsUnreadable(let detail):
            try container.encode(detail, forKey: .detail)
        case .needsConfirmation: break
        }
        try container.encode(description, forKey: .message)
    }
}
