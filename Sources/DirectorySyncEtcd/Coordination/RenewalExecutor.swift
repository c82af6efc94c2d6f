import Foundation

/// A task executor with one thread of its own, where every session's lease renewals run: a host
/// whose cooperative threads are all busy — a long plan of a million users, a library that blocks
/// — would otherwise leave renewals waiting past the lease's time to live, and lose its claims in
/// the middle of a run. Renewals are short (each waits on its transport, not on this thread), so
/// one thread serves every coordinator of the process.
@available(macOS 15, iOS 18, *)
final class RenewalExecutor: TaskExecutor, @unchecked Sendable {
    /// The process's one renewal thread.
    static let shared = RenewalExecutor()

    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var ran = 0

    /// How many jobs this thread has run (tests: the renewals run here).
    var jobsRun: Int {
        condition.lock()
        defer { condition.unlock() }
        return ran
    }

    private init() {
        let thread = Thread { RenewalExecutor.shared.loop() }
        thread.name = "DirectorySyncEtcd lease renewals"
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
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
