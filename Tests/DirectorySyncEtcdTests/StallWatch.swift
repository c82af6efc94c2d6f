import DirectorySync
import Foundation

/// A thread that wakes every 50 ms and keeps the longest it overslept: how long this process (or
/// the machine) was held up at most while it watched. A test that waits on real time tells a
/// held-up host from a bug with it.
final class StallWatch: Sendable {
    private static let tick = Duration.milliseconds(50)
    private let state = Locked((longest: Duration.zero, stopped: false))

    /// Starts watching.
    init() {
        let state = self.state
        // From now: a thread that starts late counts as a pause.
        let started = ContinuousClock.now
        Thread {
            var last = started
            while !state.withLock({ $0.stopped }) {
                usleep(50_000)
                let now = ContinuousClock.now
                state.withLock { $0.longest = max($0.longest, now - last - Self.tick) }
                last = now
            }
        }.start()
    }

    /// The longest the watching thread overslept so far.
    var longestPause: Duration { state.withLock { $0.longest } }

    /// Stops watching.
    func stop() { state.withLock { $0.stopped = true } }
}
