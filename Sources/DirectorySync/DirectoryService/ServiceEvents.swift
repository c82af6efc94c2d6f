import Foundation

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
        for continuation in continuations.withLock({ Array($0.values) }) { continuation.yield(event) }
    }

    func finish() {
        for continuation in continuations.withLock({ Array($0.values) }) { continuation.finish() }
    }
}
