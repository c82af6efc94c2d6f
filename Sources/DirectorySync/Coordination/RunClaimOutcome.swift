/// What claiming a source's run gave (``SyncCoordinator/claimRun(of:runID:)``).
public enum RunClaimOutcome: Sendable {
    /// This replica runs the source now; release the claim when the run's record is saved.
    case claimed(any RunClaim)
    /// Another run holds the source (on this replica or another one): wait for it
    /// (``SyncCoordinator/waitForRelease(of:_:)``) or report who runs it.
    case heldBy(RunHolder)
}
