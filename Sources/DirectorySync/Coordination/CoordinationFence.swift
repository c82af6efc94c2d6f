/// Something held across replicas that writes can be made conditional on: a run's claim
/// (``RunClaim``) or a lock held inside `withLock` of ``SyncCoordinator``.
///
/// A replica that was paused, cut off or too slow to renew its lease loses what it held, and
/// another replica may take it. A write fenced by it (``SyncStateStore/setData(_:fencedBy:)``) then
/// fails instead of overwriting what the other replica wrote.
///
/// ```swift
/// try await coordinator.withLock(.sources) { fence in
///     try await state.setData([(key, document)], fencedBy: fence)
/// }
/// ```
public protocol CoordinationFence: Sendable, AnyObject {
    /// Whether it may still be held, known locally without a request: `false` once its lease may
    /// have expired (the last renewal acknowledged plus its time to live has passed, measured on a
    /// monotonic clock), or it was released or lost.
    var isHeld: Bool { get }

    /// Asks the coordinator whether it is still held.
    /// - Throws: ``SyncCoordinationError``: `claimLost` for a run's claim another replica took over
    ///   or whose lease expired, `lockLost` for a lock that was lost; `unavailable` when the
    ///   coordinator cannot be reached.
    func check() async throws
}
