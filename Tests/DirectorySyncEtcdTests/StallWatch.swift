import DirectorySync
import Foundation

/// A thread that wakes every 50 ms and keeps the longest it overslept: how long this process (or
/// the machine) was held up at most while it watched. A test that waits on real time tells a
/// held-up host from a bug with it.
final class StallWatch: Sendable {
    private static let tick = Duration.milliseconds(50)
    /// The longest oversleep so far, when the thread last woke (from the start: a thread that
    /// starts late counts as a pause), and whether to stop.
    private let state = Locked((longest: Duration.zero, last: ContinuousClock.now, stopped: false))

    /// Starts watching.
    init() {
        let state = self.state
        Thread {
            while !state.withLock({ $0.stopped }) {
                usleep(50_000)
                let now = ContinuousClock.now
                state.withLock { state in
                    state.longest = max(state.longest, now - state.last - Self.tick)
                    state.last = now
                }
            }
        }.start()
    }

    /// The longest the watching thread overslept so far, the oversleep it is in now included: a
    /// hold-up that just ended counts before the thread has woken from it.
    var longestPause: Duration {
        state.withLock { state in max(state.longest, ContinuousClock.now - state.last - Self.tick) }
    }

    /// Stops watching.
    func stop() { state.withLock { $0.stopped = true } }
}
