import Foundation

/// One scheduled run of a source, identified by when it was due.
///
/// However many replicas run the scheduler, each slot runs once: the replica that claims it
/// (``SyncCoordinator/claimSlot(_:)``) runs it and marks it finished
/// (``SyncCoordinator/finishSlot(_:)``).
///
/// JSON: `{"sourceID": "contoso", "due": "2026-05-01T10:00:00Z"}`.
public struct ScheduledSlot: Hashable, Sendable, Codable {
    /// The source.
    public var sourceID: SourceID
    /// When the run was due, in whole seconds (replicas that compute it agree to the second).
    public var due: Date

    /// Creates a slot.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - due: When the run is due; rounded down to the whole second.
    public init(sourceID: SourceID, due: Date) {
        self.sourceID = sourceID
        self.due = Date(timeIntervalSince1970: due.timeIntervalSince1970.rounded(.down))
    }
}
