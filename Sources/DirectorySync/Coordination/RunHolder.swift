import Foundation

/// Who runs a source's synchronization now: the replica, the run and since when.
///
/// A replica that asks for a run while another one holds it gets the holder
/// (``RunClaimOutcome/heldBy(_:)``); ``DirectoryService`` then waits for that run and returns its
/// record (``runID``) from the history, and ``SourceStatus/runningOn`` shows it.
///
/// JSON: `{"replica": "web-2", "runID": "…", "since": "2026-05-01T10:00:00Z"}`.
public struct RunHolder: Hashable, Codable, Sendable {
    /// The name of the replica running the source (``SyncCoordinator/replica``).
    public var replica: String
    /// The identifier the run's ``RunRecord`` will have.
    public var runID: String
    /// When the run was claimed, in whole seconds (so a holder reads back equal from any JSON).
    public var since: Date

    /// Creates a holder.
    /// - Parameters:
    ///   - replica: The replica's name.
    ///   - runID: The identifier of the run's record.
    ///   - since: When the run was claimed; rounded down to the whole second.
    public init(replica: String, runID: String, since: Date) {
        self.replica = replica
        self.runID = runID
        self.since = Date(timeIntervalSince1970: since.timeIntervalSince1970.rounded(.down))
    }
}
