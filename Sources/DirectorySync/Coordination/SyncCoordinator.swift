/// Coordinates the replicas that share one state store and one identity store: a lock across
/// them, one run per source at a time, and scheduled runs that run once.
///
/// ``DirectoryService`` takes one in its configuration (``DirectoryService/Configuration/coordinator``).
/// The default, ``LocalSyncCoordinator``, coordinates the services of one process; a host with
/// several processes uses one that rests on a shared engine (`EtcdSyncCoordinator` in
/// `DirectorySyncEtcd`). Every implementation passes `SyncCoordinatorContract` of
/// `DirectorySyncTesting`.
///
/// ```swift
/// let coordinator = LocalSyncCoordinator()
/// switch try await coordinator.claimRun(of: id, runID: UUID().uuidString) {
/// case .claimed(let claim): …; await claim.release()
/// case .heldBy(let holder): print("running on \(holder.replica)")
/// }
/// ```
public protocol SyncCoordinator: Sendable {
    /// This replica's name (status and errors name it).
    var replica: String { get }

    /// Runs `body` while holding `lock` across every replica, waiting in line for it first.
    ///
    /// A lock rests on the replica's lease: a replica paused, cut off or too slow inside `body`
    /// loses it, and the next one enters. `body` gets the held lock as a ``CoordinationFence``: a
    /// write fenced by it (``SyncStateStore/setData(_:fencedBy:)``) is made only while the lock is
    /// still held, and its ``CoordinationFence/check()`` throws `lockLost` once it is not.
    /// - Parameters:
    ///   - lock: Which lock.
    ///   - body: The work that needs the lock; it gets the held lock's fence.
    /// - Returns: What `body` returned.
    /// - Throws: `CancellationError` when the task is cancelled while waiting;
    ///   ``SyncCoordinationError`` when the lock cannot be taken; what `body` threw.
    nonisolated(nonsending) func withLock<Result>(_ lock: CoordinationLock, _ body: (any CoordinationFence) async throws -> Result) async throws -> Result

    /// Claims the run of a source for one run.
    /// - Parameters:
    ///   - source: The source.
    ///   - runID: The identifier the run's record will have.
    /// - Returns: ``RunClaimOutcome/claimed(_:)``, or ``RunClaimOutcome/heldBy(_:)`` naming the run
    ///   that holds the source.
    /// - Throws: ``SyncCoordinationError`` (`unavailable`).
    func claimRun(of source: SourceID, runID: String) async throws -> RunClaimOutcome

    /// Who runs the source now, if anyone.
    /// - Parameter source: The source.
    /// - Returns: The holder, or `nil`.
    /// - Throws: ``SyncCoordinationError`` (`unavailable`).
    func runHolder(of source: SourceID) async throws -> RunHolder?

    /// Returns once `holder`'s claim on the source is gone: released, or lost (its lease expired).
    /// - Parameters:
    ///   - source: The source.
    ///   - holder: The holder to wait for; returns at once when another one holds the source now.
    /// - Throws: `CancellationError`; ``SyncCoordinationError`` (`unavailable`).
    func waitForRelease(of source: SourceID, _ holder: RunHolder) async throws

    /// Claims a scheduled slot: `true` for exactly one replica per slot — unless that replica's
    /// claim is lost (it crashed: its lease expired) before ``finishSlot(_:)``; then one other
    /// replica may take the slot over.
    /// - Parameter slot: The slot.
    /// - Returns: Whether this replica runs the slot.
    /// - Throws: ``SyncCoordinationError`` (`unavailable`).
    func claimSlot(_ slot: ScheduledSlot) async throws -> Bool

    /// Marks a slot this replica claimed as run: it is never claimed again. (A coordinator may
    /// forget finished slots that were due more than seven days ago: no scheduler computes them
    /// again, since each run moves its source's schedule on.) A replica that lost its claim on the
    /// slot finishes nothing: the slot stays abandoned for another replica to run.
    /// - Parameter slot: The slot.
    /// - Throws: ``SyncCoordinationError`` (`claimLost` when this replica's claim on the slot was
    ///   lost; `unavailable`).
    func finishSlot(_ slot: ScheduledSlot) async throws

    /// The slots claimed by a replica whose claim was lost before it finished them (it crashed or
    /// was cut off), for another replica to claim and run.
    /// - Returns: The slots, oldest first.
    /// - Throws: ``SyncCoordinationError`` (`unavailable`).
    func abandonedSlots() async throws -> [ScheduledSlot]
}

extension SyncCoordinator {
    /// Runs `body` while holding `lock` across every replica, for work that needs no fence
    /// (the requirement, whose body gets the lock's fence).
    /// - Parameters:
    ///   - lock: Which lock.
    ///   - body: The work that needs the lock.
    /// - Returns: What `body` returned.
    /// - Throws: `CancellationError`; ``SyncCoordinationError``; what `body` threw.
    nonisolated(nonsending) public func withLock<Result>(_ lock: CoordinationLock, _ body: () async throws -> Result) async throws -> Result {
        try await withLock(lock) { (_: any CoordinationFence) in try await body() }
    }
}
