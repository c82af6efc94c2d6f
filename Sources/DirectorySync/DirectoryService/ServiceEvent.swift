import Foundation

/// What a ``DirectoryService`` tells its host, through one stream.
public enum ServiceEvent: Hashable, Sendable {
    /// A source changed state.
    case stateChanged(SourceID, from: SourceState, to: SourceState)
    /// A synchronization started.
    case runStarted(SourceID, SyncTrigger)
    /// Progress of a running synchronization: started, each phase, every finished operation (with
    /// its outcome, so a host can log each change as it happens), finished.
    case progress(SourceID, SyncEvent)
    /// A synchronization ended.
    case runFinished(SourceID, RunRecord)
    /// Something needs attention: a failed run, removals to confirm, a secret about to expire
    /// (once per lead time, and once when it expired), more conflicts than the run before.
    case warning(SourceID, SourceWarning)
    /// The source entered quarantine: too many runs failed in a row, or one failed in a way that
    /// cannot heal by itself. Scheduled attempts back off until it is released.
    case quarantined(SourceID, SourceQuarantine)
    /// The source left quarantine: a manual synchronization, a credential, settings or schedule
    /// change, or a run that succeeded. (Turning a quarantined source off ends its quarantine
    /// without this event.)
    case released(SourceID)
}

/// Hands every ``ServiceEvent`` to every open stream.
final class EventHub: Sendable {
    private struct Listener {
        var continuation: AsyncStream<ServiceEvent>.Continuation
        var includesOperations: Bool
    }

    private let listeners = Locked<[UUID: Listener]>([:])
    /// Gets every event first, in the emitter's turn (the notifications; it never waits).
    private let observer: (@Sendable (ServiceEvent) -> Void)?

    init(observer: (@Sendable (ServiceEvent) -> Void)? = nil) { self.observer = observer }

    func stream(includingOperations: Bool) -> AsyncStream<ServiceEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ServiceEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [listeners] _ in listeners.withLock { $0[id] = nil } }
        listeners.withLock { $0[id] = Listener(continuation: continuation, includesOperations: includingOperations) }
        return stream
    }

    func emit(_ event: ServiceEvent) {
        observer?(event)
        let isOperation = if case .progress(_, .operationFinished) = event { true } else { false }
        let open = listeners.withLock { $0.isEmpty ? [] : $0.values.filter { !isOperation || $0.includesOperations } }
        for listener in open { listener.continuation.yield(event) }
    }
}
