/// A held claim on one source's run, and the fence every write of that run passes
/// (``CoordinationFence``: ``CoordinationFence/isHeld`` and ``CoordinationFence/check()``, which
/// throws `claimLost`).
///
/// A replica that claims a run (``SyncCoordinator/claimRun(of:runID:)``) is the only one running the
/// source until it releases the claim — or loses it: a replica that was paused, partitioned or too
/// slow to renew its lease loses its claims, and another replica may take the source over. From
/// then on the claim's writes must stop: the executor looks at ``CoordinationFence/isHeld`` before each unit of
/// work and calls ``CoordinationFence/check()`` before each phase, and the commit of change tracking is written on
/// the condition that the claim is still held
/// (``SyncStateStore/setData(_:fencedBy:)``).
///
/// ```swift
/// guard case .claimed(let claim) = try await coordinator.claimRun(of: id, runID: runID) else { return }
/// defer { Task { await claim.release() } }
/// try await claim.check()
/// ```
public protocol RunClaim: CoordinationFence {
    /// Who holds the claim: this replica, with the run's identifier.
    var holder: RunHolder { get }

    /// Gives the claim up, so another replica may run the source. Never throws: when the
    /// coordinator cannot be reached, the claim's lease expires by itself.
    func release() async
}
