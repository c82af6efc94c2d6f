import DirectorySync
import Foundation
import Testing

@Suite("IdentityStoreLock")
struct IdentityStoreLockTests {
    /// Counts how many bodies run at once, and the most ever seen.
    final class Overlap: Sendable {
        private let state = Locked((now: 0, most: 0, order: [Int]()))
        func enter(_ index: Int) { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now); $0.order.append(index) } }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
        var order: [Int] { state.withLock { $0.order } }
    }

    @Test("one body at a time, however many tasks ask at once; every body runs")
    func exclusive() async throws {
        let lock = IdentityStoreLock()
        let overlap = Overlap()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    try await lock.withLock {
                        overlap.enter(index)
                        for _ in 0..<3 { await Task.yield() }
                        overlap.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(overlap.most == 1)
        #expect(Set(overlap.order) == Set(0..<200))
        #expect(!lock.isHeld)
    }

    @Test("waiters get the lock in arrival order")
    func fifo() async throws {
        let lock = IdentityStoreLock()
        let overlap = Overlap()
        let release = Gate()
        let holder = Task { try await lock.withLock { await release.wait() } }
        while !lock.isHeld { try? await Task.sleep(for: .milliseconds(2)) }
        var waiters: [Task<Void, any Error>] = []
        for index in 0..<10 {
            waiters.append(Task { try await lock.withLock { overlap.enter(index); overlap.leave() } })
            // This waiter is in line before the next one asks.
            while lock.waiting < index + 1 { try? await Task.sleep(for: .milliseconds(2)) }
        }
        release.open()
        try await holder.value
        for waiter in waiters { try await waiter.value }
        #expect(overlap.order == Array(0..<10))
    }

    @Test("a task cancelled while waiting leaves the line without the lock; the others still get it; an error in the body frees it")
    func cancellation() async throws {
        let lock = IdentityStoreLock()
        let release = Gate()
        let holder = Task { try await lock.withLock { await release.wait() } }
        while !lock.isHeld { try? await Task.sleep(for: .milliseconds(2)) }
        let ran = Locked(false)
        let cancelled = Task { try await lock.withLock { ran.withLock { $0 = true } } }
        while lock.waiting < 1 { try? await Task.sleep(for: .milliseconds(2)) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        let after = Task { try await lock.withLock { 42 } }
        release.open()
        try await holder.value
        #expect(try await after.value == 42)
        #expect(!ran.withLock { $0 })
        #expect(lock.waiting == 0)

        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await lock.withLock { throw Boom() } }
        #expect(!lock.isHeld)
        let alreadyCancelled = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await lock.withLock { 1 }
        }
        await #expect(throws: CancellationError.self) { try await alreadyCancelled.value }
    }
}
