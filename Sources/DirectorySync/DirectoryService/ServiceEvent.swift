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
    private let continuations = Locked<[UUID: AsyncStream<ServiceEvent>.Continuation]>([:])

    func stream() -> AsyncStream<ServiceEvent> {
        let id = UUID()
        let (stream, continuation) = AsyncStream<ServiceEvent>.makeStream(bufferingPolicy: .bufferingNewest(10_000))
        continuation.onTermination = { [continuations] _ in continuations.withLock { $0[id] = nil } }
        continuations.withLock { $0[id] = continuation }
        return stream
    }

    func emit(_ event: ServiceEvent) {
        let open = continuations.withLock { $0.isEmpty ? [] : Array($0.values) }
        for continuation in open { continuation.yield(event) }
    }
}
