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
    /// Something needs attention.
    case warning(SourceID, SourceWarning)
}

/// Hands every ``ServiceEvent`` to every open stream.
final class EventHub: Sendable {
    private struct Listener {
        var continuation: AsyncStream<ServiceEvent>.Continuation
        var includesOperations: Bool
    }

    private let listeners = Locked<[UUID: Listener]>([:])

    func stream(includingOperations: Bool) -> AsyncStream<ServiceEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ServiceEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [listeners] _ in listeners.withLock { $0[id] = nil } }
        listeners.withLock { $0[id] = Listener(continuation: continuation, includesOperations: includingOperations) }
        return stream
    }

    func emit(_ event: ServiceEvent) {
        let isOperation = if case .progress(_, .operationFinished) = event { true } else { false }
        let open = listeners.withLock { $0.isEmpty ? [] : $0.values.filter { !isOperation || $0.includesOperations } }
        for listener in open { listener.continuation.yield(event) }
    }
}
