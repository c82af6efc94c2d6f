import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("sleepOnTimer: a sleep that keeps real time on a thread of its own")
struct TimerSleepTests {
    @Test("sleeps at least as long as asked, and not much longer", arguments: [0, 1, 50, 300])
    func duration(_ milliseconds: Int) async throws {
        let elapsed = try await realTime { try await sleepOnTimer(for: .milliseconds(milliseconds)) }
        #expect(elapsed >= .milliseconds(milliseconds))
        #expect(elapsed < .milliseconds(milliseconds) + .seconds(5))
    }

    @Test("cancelled while it sleeps, before it starts, or on a zero sleep: CancellationError at once")
    func cancellation() async throws {
        // The sleeper is a child of the timed body, so that it too resumes on the body's thread
        // (a task of its own waited 67 s for a shared thread in a parallel test run).
        let elapsed = await realTime {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await #expect(throws: CancellationError.self) { try await sleepOnTimer(for: .seconds(3_600)) } }
                try? await sleepOnTimer(for: .milliseconds(20))
                group.cancelAll()
            }
        }
        #expect(elapsed < .seconds(60), "woken by the cancellation, not the hour")
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await sleepOnTimer(for: .seconds(3_600))
        }
        await #expect(throws: CancellationError.self) { try await early.value }
        // Many sleeps cancelled as they start: each resumes once (a second resume would trap).
        await withTaskGroup(of: Void.self) { group in
            for n in 0..<200 {
                group.addTask { try? await sleepOnTimer(for: .microseconds(n % 7)) }
                if n % 3 == 0 { group.cancelAll() }
            }
        }
    }

    @Test("a task on a thread of its own wakes on time while every shared thread is busy")
    func keepsTimeWhileTheSharedThreadsAreBusy() async throws {
        // Every shared thread spins for 2 s (as a plan of a million users keeps both cores).
        let spinners = (0..<ProcessInfo.processInfo.activeProcessorCount).map { _ in
            Task.detached {
                let end = ContinuousClock.now + .seconds(2)
                while ContinuousClock.now < end {}
            }
        }
        let onTimer = try await realTime { try await sleepOnTimer(for: .milliseconds(200)) }
        for spinner in spinners { await spinner.value }
        // `Task.sleep` in the same place measured 1 s as 5 s behind spinning threads.
        #expect(onTimer < .milliseconds(1_500))
    }
}
