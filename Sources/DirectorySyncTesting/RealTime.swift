import DirectorySync
import Foundation

/// How long `body` takes in real time, run on a thread of its own: for the tests that bound how
/// long a timeout takes.
///
/// A parallel test run on two cores keeps the shared threads busy for minutes at a time. There a
/// timer's wake-up and the test's own reading of the clock wait their turn behind other tests, and
/// a bound on the elapsed time measures the run's load, not the timeout (CI saw a 0.5 s timeout
/// read as 120 s). Here the body's tasks and their child tasks run on their own thread, and the
/// clock is read there, before the caller resumes. Before macOS 15 and iOS 18 the body runs where
/// it is called.
///
/// What stays on the shared threads: `Task {}` inside the body (it does not inherit the thread),
/// code isolated to an actor, and the wake-up of `Task.sleep` — time a timeout with
/// `sleepOnTimer(for:)` instead. One thread serves every timed test: a body must wait, never
/// block it or spin on it (nor block on its own child tasks, which run there too).
///
/// Package access: the tests of this package share it; the library's clients do not see it.
package func realTime(of body: () async throws -> Void) async rethrows -> Duration {
    let clock = ContinuousClock()
    guard #available(macOS 15, iOS 18, *) else {
        let started = clock.now
        try await body()
        return clock.now - started
    }
    return try await withTaskExecutorPreference(ThreadExecutor.timedTests) {
        let started = clock.now
        try await body()
        return clock.now - started
    }
}

extension ThreadExecutor {
    /// The thread ``realTime(of:)`` runs its bodies on.
    @available(macOS 15, iOS 18, *)
    static let timedTests = ThreadExecutor(name: "DirectorySyncTesting timed tests")
}
