import Foundation

/// What a host shows for a source: the product's status line and its warnings.
public struct SourceStatus: Hashable, Codable, Sendable {
    /// The source.
    public var source: Source
    /// The kind of directory (`Microsoft Entra ID`).
    public var type: String
    /// The last run, if any.
    public var lastRun: RunRecord?
    /// Users the source holds in the store (as of the last run).
    public var usersSynchronized: Int
    /// Groups the source holds in the store (as of the last run).
    public var groupsSynchronized: Int
    /// What needs attention.
    public var warnings: [SourceWarning]
    /// When the next scheduled run is due, if the source is on and scheduled.
    public var nextRun: Date?
}

/// Something about a source that needs attention.
public enum SourceWarning: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The client secret expires in `days` days (or has expired, `days` ≤ 0).
    case secretExpiring(days: Int)
    /// Users synchronized without an email address in the last run.
    case usersWithoutEmail(Int)
    /// Conflicts reported in the last run (a shared email, an identity claimed twice …).
    case conflicts(Int)
    /// The last run stopped at the deletion guard.
    case needsConfirmation
    /// The last run failed.
    case lastRunFailed(String)
    /// The run's record could not be added to the history (the history already saved is kept as it is).
    case historyNotSaved(String)

    /// In words, with what to do.
    public var description: String {
        switch self {
        case .secretExpiring(let days) where days <= 0: "The client secret has expired: create a new one and save it."
        case .secretExpiring(let days): "The client secret expires in \(days) day\(days == 1 ? "" : "s"): create a new one before then."
        case .usersWithoutEmail(let count): "\(count) user\(count == 1 ? " has" : "s have") no email address in Entra ID."
        case .conflicts(let count): "\(count) conflict\(count == 1 ? "" : "s") (shared emails or names) left objects unsynchronized."
        case .needsConfirmation: "The last synchronization would remove more than the deletion guard allows: confirm it or change the filter."
        case .lastRunFailed(let message): "The last synchronization failed: \(message)"
        case .historyNotSaved(let message): "The run was not added to the history, which is kept as it was: \(message)"
        }
    }
}
