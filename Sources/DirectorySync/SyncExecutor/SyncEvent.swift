/// Progress of a synchronization, for a host's progress bar or logs. Never carries secrets.
public enum SyncEvent: Hashable, Sendable {
    /// Applying began.
    case started(sourceID: SourceID, operations: Int)
    /// A phase began with this many operations.
    case phaseStarted(SyncPhase, operations: Int)
    /// One operation finished; `completed` counts finished operations so far.
    case operationFinished(SyncOperationResult, completed: Int, total: Int)
    /// Applying ended.
    case finished(succeeded: Int, failed: Int, notStarted: Int)
}

/// Receives ``SyncEvent``s. Called from the applying task, one event at a time; keep it quick.
///
/// To consume events as an `AsyncStream`:
/// ```swift
/// let (events, continuation) = AsyncStream.makeStream(of: SyncEvent.self)
/// let executor = SyncExecutor(onEvent: { continuation.yield($0) })
/// ```
public typealias SyncEventHandler = @Sendable (SyncEvent) -> Void
