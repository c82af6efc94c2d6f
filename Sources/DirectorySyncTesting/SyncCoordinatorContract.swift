import DirectorySync
import Foundation

/// The rules every ``DirectorySync/SyncCoordinator`` must keep, as checks to run against any
/// implementation: the lock excludes every other replica, a source's run has one holder at a time,
/// a lost claim stops its run, and each scheduled slot runs once.
///
/// The factory makes `count` replicas sharing one **fresh** coordination space (nothing claimed,
/// nothing held; for etcd, a new key prefix), and a way to make one replica's claims lost as when
/// its lease expires (for etcd: revoke its session lease). Checks wait for what they expect to
/// observe, and fail when it has not happened after five minutes (generous: a busy test machine
/// may starve the tasks of a correct implementation for long; a broken one hangs for ever).
/// ```swift
/// @Test(arguments: SyncCoordinatorContract.checks)
/// func local(_ check: SyncCoordinatorContract.Check) async throws {
///     try await check.run { count in
///         let first = LocalSyncCoordinator(replica: "r0")
///         let replicas = [first] + (1..<count).map { first.replica(named: "r\($0)") }
///         return SyncCoordinatorContract.Replicas(coordinators: replicas) { replicas[$0].loseClaims() }
///     }
/// }
/// ```
public enum SyncCoordinatorContract {
    /// Replicas sharing one coordination space, made for one check.
    public struct Replicas: Sendable {
        /// The replicas, each with its own name.
        public var coordinators: [any SyncCoordinator]
        /// Makes every claim of the replica at this index lost — run claims and claimed slots — as
        /// when its lease expires; the replica goes on with a new lease for its next claims.
        public var loseClaims: @Sendable (_ replica: Int) async throws -> Void

        /// Creates the replicas of one check.
        /// - Parameters:
        ///   - coordinators: The replicas, sharing one fresh coordination space.
        ///   - loseClaims: Makes every claim of the replica at an index lost.
        public init(coordinators: [any SyncCoordinator], loseClaims: @escaping @Sendable (_ replica: Int) async throws -> Void) {
            self.coordinators = coordinators
            self.loseClaims = loseClaims
        }
    }

    /// Makes `count` replicas sharing one fresh coordination space.
    public typealias Factory = @Sendable (_ count: Int) async throws -> Replicas

    /// One named rule.
    public typealias Check = ContractCheck<Factory>

    private static let source: SourceID = "contract-source"
    private static let other: SourceID = "contract-other"

    /// The current hour: slots are due around now (a coordinator may forget finished slots that
    /// were due long ago, since no scheduler computes them again).
    private static func currentHour() -> TimeInterval { (Date().timeIntervalSince1970 / 3_600).rounded(.down) * 3_600 }

    /// Every check.
    public static let checks: [Check] = [
        Check("the store lock lets one replica in at a time, and other locks are apart") { factory, expect in
            let replicas = try await factory(3).coordinators
            let inside = Locked((now: 0, most: 0, entered: 0))
            try await within(expect, "every replica taking the lock in turn") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for replica in replicas {
                        group.addTask {
                            for _ in 0..<4 {
                                try await replica.withLock(.store) {
                                    inside.withLock { state in
                                        state.now += 1
                                        state.entered += 1
                                        state.most = max(state.most, state.now)
                                    }
                                    for _ in 0..<5 { await Task.yield() }
                                    inside.withLock { $0.now -= 1 }
                                }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let seen = inside.withLock { $0 }
            try expect.that(seen.entered == 12, "\(seen.entered) of 12 bodies ran")
            try expect.that(seen.most == 1, "\(seen.most) replicas were inside the store lock at once")
            try await within(expect, "another replica taking the sources lock while one holds the store lock") {
                try await replicas[0].withLock(.store) {
                    try await replicas[1].withLock(.sources) {}
                }
            }
        },
        Check("a held lock is a fence: held inside its body, lost with the replica's claims (check throws lockLost), not held after") { factory, expect in
            let made = try await factory(2)
            let (a, b) = (made.coordinators[0], made.coordinators[1])
            let kept = try await within(expect, "taking the sources lock") {
                try await a.withLock(.sources) { fence -> any CoordinationFence in
                    try expect.that(fence.isHeld, "the fence of a lock just taken is not held")
                    try await fence.check()
                    return fence
                }
            }
            try expect.that(!kept.isHeld, "the fence of a lock given back is still held")
            try await expectLost(kept, code: .lockLost, expect, "the fence of a lock given back")
            try await within(expect, "losing the lock inside its body") {
                try await a.withLock(.sources) { fence in
                    try await made.loseClaims(0)
                    try await expectLost(fence, code: .lockLost, expect, "the fence of a lock whose lease was lost")
                }
            }
            try await within(expect, "another replica taking the lock after it was lost") { try await b.withLock(.sources) {} }
        },
        Check("a run claim is exclusive, on every replica, and names its holder") { factory, expect in
            let replicas = try await factory(2).coordinators
            let (a, b) = (replicas[0], replicas[1])
            try expect.that(a.replica != b.replica, "two replicas share the name '\(a.replica)'")
            try expect.that(try await b.runHolder(of: source) == nil, "a source nobody claimed has a holder")
            guard case .claimed(let claim) = try await a.claimRun(of: source, runID: "run-a") else {
                throw ContractViolation(check: expect.check, message: "the first claim of a source was refused")
            }
            try expect.that(claim.holder.replica == a.replica && claim.holder.runID == "run-a", "the claim's holder is \(claim.holder)")
            try expect.that(claim.isHeld, "a fresh claim is not held")
            try await claim.check()
            guard case .heldBy(let holder) = try await b.claimRun(of: source, runID: "run-b") else {
                throw ContractViolation(check: expect.check, message: "a second replica claimed a source another one holds")
            }
            try expect.that(holder.replica == a.replica && holder.runID == "run-a", "the refusal names \(holder), not replica \(a.replica) and run-a")
            guard case .heldBy = try await a.claimRun(of: source, runID: "run-a2") else {
                throw ContractViolation(check: expect.check, message: "the holding replica claimed its source a second time")
            }
            let seen = try await b.runHolder(of: source)
            try expect.that(seen?.replica == a.replica && seen?.runID == "run-a", "another replica sees the holder as \(String(describing: seen))")
            guard case .claimed(let elsewhere) = try await b.claimRun(of: other, runID: "run-other") else {
                throw ContractViolation(check: expect.check, message: "a claim on one source kept another source from being claimed")
            }
            await elsewhere.release()
            await claim.release()
        },
        Check("a released claim is free for another replica; the old claim is no longer held") { factory, expect in
            let replicas = try await factory(2).coordinators
            let (a, b) = (replicas[0], replicas[1])
            guard case .claimed(let first) = try await a.claimRun(of: source, runID: "run-1") else {
                throw ContractViolation(check: expect.check, message: "the first claim was refused")
            }
            await first.release()
            try expect.that(!first.isHeld, "a released claim is still held")
            try expect.that(try await b.runHolder(of: source) == nil, "a released source still has a holder")
            guard case .claimed(let second) = try await b.claimRun(of: source, runID: "run-2") else {
                throw ContractViolation(check: expect.check, message: "a released source could not be claimed by another replica")
            }
            try await expectClaimLost(first, expect, "the released claim after another replica claimed the source")
            try await second.check()
            await second.release()
        },
        Check("waiting for a holder returns once its claim is released, and at once for one that does not hold") { factory, expect in
            let replicas = try await factory(2).coordinators
            let (a, b) = (replicas[0], replicas[1])
            guard case .claimed(let claim) = try await a.claimRun(of: source, runID: "run-a") else {
                throw ContractViolation(check: expect.check, message: "the first claim was refused")
            }
            let returned = Locked(false)
            let waiter = Task {
                try await b.waitForRelease(of: source, claim.holder)
                returned.withLock { $0 = true }
            }
            // Long enough for a coordinator that polls to have looked several times (real requests
            // and real time, not yields that end before the first poll is sent).
            for _ in 0..<3 {
                try expect.that(try await b.runHolder(of: source) == claim.holder, "the holder is not seen while it holds the source")
                try await Task.sleep(for: .milliseconds(100))
            }
            try expect.that(!returned.withLock { $0 }, "waiting for a holder returned while it held the source")
            await claim.release()
            try await within(expect, "the waiter returning after the release") { try await waiter.value }
            let stranger = RunHolder(replica: "nobody", runID: "no-run", since: Date(timeIntervalSince1970: 0))
            try await within(expect, "waiting for a holder that holds nothing returning") { try await b.waitForRelease(of: source, stranger) }
        },
        Check("a lost claim fails its check and is no longer held; waiters wake and another replica takes the source over") { factory, expect in
            let made = try await factory(2)
            let (a, b) = (made.coordinators[0], made.coordinators[1])
            guard case .claimed(let claim) = try await a.claimRun(of: source, runID: "run-a") else {
                throw ContractViolation(check: expect.check, message: "the first claim was refused")
            }
            let waiter = Task { try await b.waitForRelease(of: source, claim.holder) }
            try await made.loseClaims(0)
            try await expectClaimLost(claim, expect, "a claim whose lease was lost")
            try await within(expect, "a waiter returning after the holder lost its claim") { try await waiter.value }
            guard case .claimed(let takeover) = try await b.claimRun(of: source, runID: "run-b") else {
                throw ContractViolation(check: expect.check, message: "another replica could not take over a source whose claim was lost")
            }
            try expect.that(!claim.isHeld, "the lost claim is held again after another replica took the source over")
            guard case .claimed(let fresh) = try await a.claimRun(of: other, runID: "run-a2") else {
                throw ContractViolation(check: expect.check, message: "the replica that lost its claims cannot claim anything any more")
            }
            try await fresh.check()
            await fresh.release()
            await takeover.release()
        },
        Check("each scheduled slot goes to exactly one of several replicas claiming it at once") { factory, expect in
            let replicas = try await factory(3).coordinators
            var random = SeededRandomNumberGenerator(seed: 19)
            let base = currentHour()
            var slots: Set<ScheduledSlot> = []
            while slots.count < 30 {
                let source = SourceID("contract-\(Int.random(in: 0..<3, using: &random))")
                slots.insert(ScheduledSlot(sourceID: source, due: Date(timeIntervalSince1970: base + Double(Int.random(in: 0..<20, using: &random)) * 3_600)))
            }
            let orders = replicas.map { _ in Array(slots).sorted { ($0.due, $0.sourceID) < ($1.due, $1.sourceID) }.shuffled(using: &random) }
            let wins = Locked([ScheduledSlot: [String]]())
            try await within(expect, "three replicas claiming 30 slots") {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for (replica, order) in zip(replicas, orders) {
                        group.addTask {
                            for slot in order where try await replica.claimSlot(slot) {
                                wins.withLock { $0[slot, default: []].append(replica.replica) }
                            }
                        }
                    }
                    try await group.waitForAll()
                }
            }
            let won = wins.withLock { $0 }
            for slot in slots {
                let winners = won[slot] ?? []
                try expect.that(winners.count == 1, "the slot \(slot.sourceID) due \(slot.due) went to \(winners.count) replicas: \(winners)")
            }
        },
        Check("a finished slot is never claimed again, and never abandoned") { factory, expect in
            let made = try await factory(3)
            let replicas = made.coordinators
            let slot = ScheduledSlot(sourceID: source, due: Date(timeIntervalSince1970: currentHour()))
            try expect.that(try await replicas[0].claimSlot(slot), "the first claim of a slot was refused")
            try await replicas[0].finishSlot(slot)
            for replica in replicas {
                try expect.that(!(try await replica.claimSlot(slot)), "replica \(replica.replica) claimed a finished slot")
            }
            try await made.loseClaims(0)
            try expect.that(!(try await replicas[1].abandonedSlots().contains(slot)), "a finished slot is listed as abandoned")
            try expect.that(!(try await replicas[1].claimSlot(slot)), "a finished slot was claimed after its replica lost its claims")
        },
        Check("a slot whose replica lost its claims before finishing it is taken over exactly once") { factory, expect in
            let made = try await factory(3)
            let replicas = made.coordinators
            let open = ScheduledSlot(sourceID: source, due: Date(timeIntervalSince1970: currentHour()))
            let done = ScheduledSlot(sourceID: source, due: Date(timeIntervalSince1970: currentHour() + 3_600))
            try expect.that(try await replicas[0].claimSlot(open), "the first claim of a slot was refused")
            try expect.that(try await replicas[0].claimSlot(done), "the first claim of a slot was refused")
            try await replicas[0].finishSlot(done)
            try expect.that(!(try await replicas[1].abandonedSlots().contains(open)), "a slot whose replica still holds it is listed as abandoned")
            try await made.loseClaims(0)
            // The replica that lost its claim cannot finish the slot any more: it says so.
            do {
                try await replicas[0].finishSlot(open)
                throw ContractViolation(check: expect.check, message: "a replica that lost its claim on a slot finished it without an error")
            } catch let error as SyncCoordinationError {
                try expect.that(error.code == .claimLost, "finishing a slot whose claim was lost threw \(error.code), not claimLost")
            }
            try await within(expect, "the slot being listed as abandoned") {
                while !(try await replicas[1].abandonedSlots().contains(open)) { try await Task.sleep(for: .milliseconds(50)) }
            }
            try expect.that(!(try await replicas[1].abandonedSlots().contains(done)), "a finished slot is listed as abandoned")
            let takers = try await within(expect, "two replicas taking the slot over at once") {
                try await withThrowingTaskGroup(of: Int?.self) { group in
                    for index in 1..<replicas.count { group.addTask { try await replicas[index].claimSlot(open) ? index : nil } }
                    var takers: [Int] = []
                    for try await took in group { if let took { takers.append(took) } }
                    return takers
                }
            }
            guard takers.count == 1, let winner = takers.first else {
                throw ContractViolation(check: expect.check, message: "\(takers.count) replicas took the abandoned slot over")
            }
            try expect.that(!(try await replicas[0].abandonedSlots().contains(open)), "a slot taken over is still listed as abandoned")
            try await replicas[winner].finishSlot(open)
            for replica in replicas {
                try expect.that(!(try await replica.claimSlot(open)), "replica \(replica.replica) claimed a slot that was taken over and finished")
            }
        },
    ]

    /// Requires the fence to be lost: its check throws `code`, and it is not held after.
    private static func expectLost(_ fence: any CoordinationFence, code: SyncCoordinationError.Code, _ expect: Expectation, _ what: String) async throws {
        do {
            try await fence.check()
            throw ContractViolation(check: expect.check, message: "\(what) passed its check")
        } catch let error as SyncCoordinationError {
            try expect.that(error.code == code, "\(what) threw \(error.code), not \(code)")
        }
        try expect.that(!fence.isHeld, "\(what) is still held after its check failed")
    }

    /// Requires the claim to be lost: its check throws `claimLost`, and it is not held after.
    private static func expectClaimLost(_ claim: any RunClaim, _ expect: Expectation, _ what: String) async throws {
        do {
            try await claim.check()
            throw ContractViolation(check: expect.check, message: "\(what) passed its check")
        } catch let error as SyncCoordinationError {
            try expect.that(error.code == .claimLost, "\(what) failed its check with \(error.code), not claimLost")
        }
        try expect.that(!claim.isHeld, "\(what) is still held after its check failed")
    }

    /// Runs `body`, failing the check when it has not returned within five minutes.
    private static func within<Value: Sendable>(
        _ expect: Expectation, _ what: String, _ body: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        try await withThrowingTaskGroup(of: Value?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: .seconds(300))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ContractViolation(check: expect.check, message: "\(what) did not happen within five minutes")
            }
            return value
        }
    }
}
