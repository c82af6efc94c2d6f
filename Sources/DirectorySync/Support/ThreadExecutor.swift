import Foundation

/// A task executor with one thread of its own. Work that must keep time while the host's shared
/// threads are all busy — a long plan of a million users, a library that blocks, a parallel test
/// run — runs here: `Task(executorPreference:)` or `withTaskExecutorPreference(_:operation:)`, and
/// the task's child tasks with it. Its jobs should be short (waits on a transport or a timer, not
/// work), since one thread serves every task that prefers it.
///
/// The thread lives as long as the process: make one per purpose, as a `static let`.
///
/// Package access: the package's modules and tests share it; the library's clients do not see it.
@available(macOS 15, iOS 18, *)
package final class ThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var ran = 0

    /// How many jobs this thread has run (tests: the work they expect here ran here).
    package var jobsRun: Int {
        condition.lock()
        defer { condition.unlock() }
        return ran
    }

    /// Starts the executor's thread.
    /// - Parameter name: The thread's name, as a debugger or `top -H` shows it.
    package init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.start()
    }

    /// Queues a job for the executor's thread.
    package func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            ran += 1
            condition.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
