import Foundation

/// Sleeps for `duration` in real time, woken by a Dispatch timer on a queue of its own.
///
/// `Task.sleep` wakes its task through the shared threads' queue, even a task that prefers a
/// ``ThreadExecutor``: where those threads are all busy (a plan of a million users on both cores, a
/// parallel test run) a sleep of 1 s was measured as 5 s. This one resumes the task straight onto
/// the executor it prefers, so a timeout or a lease renewal on a thread of its own keeps time. A
/// task that prefers none still waits its turn on the shared threads after the timer fires.
///
/// Package access: the package's modules share it; hosts sleep through `SyncClock`.
/// - Throws: `CancellationError` as soon as the task is cancelled.
package func sleepOnTimer(for duration: Duration) async throws {
    try Task.checkCancellation()
    let sleeper = TimerSleeper()
    try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { continuation in
            sleeper.start(continuation, after: duration)
        }
    } onCancel: {
        sleeper.finish(throwing: CancellationError())
    }
}

/// One sleep: its continuation is resumed once, by the timer or by cancellation, whichever comes first.
private final class TimerSleeper: @unchecked Sendable {
    private static let timers = DispatchQueue(label: "DirectorySync timers")

    private enum State {
        case waiting
        case sleeping(CheckedContinuation<Void, any Error>, DispatchWorkItem)
        case cancelled
        case finished
    }

    private let state = Locked(State.waiting)

    func start(_ continuation: CheckedContinuation<Void, any Error>, after duration: Duration) {
        let timer = DispatchWorkItem { [self] in finish(throwing: nil) }
        let cancelled = state.withLock { state -> Bool in
            guard case .waiting = state else { return true }
            state = .sleeping(continuation, timer)
            return false
        }
        if cancelled {
            continuation.resume(throwing: CancellationError())
            return
        }
        let (seconds, attoseconds) = duration.components
        // At most about 31 years: the product below cannot overflow.
        let nanoseconds = min(max(0, seconds), 1_000_000_000) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        Self.timers.asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: nanoseconds)), execute: timer)
    }

    /// Ends the sleep: normally (`error` nil, the timer) or with `error` (cancellation).
    func finish(throwing error: (any Error)?) {
        let taken = state.withLock { state -> (CheckedContinuation<Void, any Error>, DispatchWorkItem)? in
            switch state {
            case .sleeping(let continuation, let timer):
                state = .finished
                return (continuation, timer)
            case .waiting:
                if error != nil { state = .cancelled }
                return nil
            case .cancelled, .finished:
                return nil
            }
        }
        guard let (continuation, timer) = taken else { return }
        if let error {
            timer.cancel()
            continuation.resume(throwing: error)
        } else {
            continuation.resume()
        }
    }
}
