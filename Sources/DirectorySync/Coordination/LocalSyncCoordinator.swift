import Foundation

/// The default ``SyncCoordinator``: coordinates the replicas of one process.
///
/// `LocalSyncCoordinator()` is one replica, named `local`; ``replica(named:)`` gives another replica
/// that shares its locks, run claims and slots — several ``DirectoryService`` instances in one
/// process over the same stores (a host that runs several, or tests of several replicas). Locks are
/// ``IdentityStoreLock``s (fair, in arrival order); claims live as long as the process and are
/// lost only when released (or, in tests, made lost on purpose).
///
/// ```swift
/// let a = LocalSyncCoordinator(replica: "a")
/// let b = a.replica(named: "b")
/// let serviceA = try await DirectoryService.open(…, configuration: .init(coordinator: a))
/// let serviceB = try await DirectoryService.open(…, configuration: .init(coordinator: b))
/// ```
public final class LocalSyncCoordinator: SyncCoordinator {
    /// This replica's name.
    public let replica: String
    private let space: Space
    private let clock: SyncClock
    /// The replica's current session: every claim it makes rides on it, as on a lease.
    private let session: Locked<Session>

    /// Creates a replica with locks, claims and slots of its own (a coordination space nobody
    /// else shares yet).
    /// - Parameters:
    ///   - replica: The replica's name (`local` by default).
    ///   - clock: The clock that dates claims (``RunHolder/since``) and ages finished slots.
    public convenience init(replica: String = "local", clock: SyncClock = .system) {
        self.init(replica: replica, space: Space(), clock: clock)
    }

    private init(replica: String, space: Space, clock: SyncClock) {
        self.replica = replica
        self.space = space
        self.clock = clock
        session = Locked(Session())
    }

    /// Another replica sharing this one's locks, claims and slots.
    /// - Parameter name: The other replica's name.
    /// - Returns: The replica (with the same clock).
    public func replica(named name: String) -> LocalSyncCoordinator {
        LocalSyncCoordinator(replica: name, space: space, clock: clock)
    }

    /// Runs `body` while holding the replicas' shared ``IdentityStoreLock`` for `lock`, waiting in
    /// line (arrival order) first. The fence `body` gets is held until `body` returns, unless the
    /// replica's claims are made lost meanwhile (tests); its `check()` then throws `lockLost`.
    nonisolated(nonsending) public func withLock<Result>(_ lock: CoordinationLock, _ body: (any CoordinationFence) async throws -> Result) async throws -> Result {
        try await space.lock(lock).withLock {
            let fence = LockFence(lock: lock, replica: replica, session: session.withLock { $0 })
            defer { fence.end() }
            return try await body(fence)
        }
    }

    /// Claims the source's run for `runID`, dated by the clock; `heldBy` while any replica's claim
    /// on it is held.
    public func claimRun(of source: SourceID, runID: String) async throws -> RunClaimOutcome {
        let holder = RunHolder(replica: replica, runID: runID, since: clock.now())
        let session = self.session.withLock { $0 }
        return space.claim(source, holder: holder, session: session)
    }

    /// The holder of the source's claim, if one is held.
    public func runHolder(of source: SourceID) async throws -> RunHolder? { space.holder(of: source) }

    /// Returns once `holder` no longer holds the source (released or lost); throws
    /// `CancellationError` when the task is cancelled while waiting.
    public func waitForRelease(of source: SourceID, _ holder: RunHolder) async throws {
        try await space.waitForRelease(of: source, holder)
    }

    /// Claims the slot: `true` when nobody claimed it yet, or its claimant lost its claims before
    /// finishing it.
    public func claimSlot(_ slot: ScheduledSlot) async throws -> Bool {
        let session = self.session.withLock { $0 }
        return space.claimSlot(slot, replica: replica, session: session)
    }

    /// Marks the slot finished; forgets finished slots due more than seven days before the clock's now.
    /// - Throws: ``SyncCoordinationError`` (`claimLost`) when this replica's claim on the slot was lost.
    public func finishSlot(_ slot: ScheduledSlot) async throws {
        let session = self.session.withLock { $0 }
        guard space.finishSlot(slot, session: session, before: clock.now().addingTimeInterval(-Self.finishedSlotRetention)) else {
            throw SyncCoordinationError(
                .claimLost, "Replica '\(replica)' lost its claim on the run of '\(slot.sourceID)' due \(slot.due) before finishing it",
                fix: "Nothing to do: another replica takes the run over and finishes it.")
        }
    }

    /// The slots claimed by a replica that lost its claims before finishing them, oldest first.
    public func abandonedSlots() async throws -> [ScheduledSlot] { space.abandonedSlots() }

    /// How long finished slots are remembered: a slot due longer ago is never computed again.
    static let finishedSlotRetention: TimeInterval = 7 * 86_400

    // MARK: Losing claims on purpose (tests)

    /// Makes every claim this replica holds lost — run claims, claimed slots and the fences of the
    /// locks it holds — as when its lease expires: its runs stop writing, other replicas may take its sources and slots over, and its
    /// next claims ride on a new session.
    package func loseClaims() {
        let lost = session.withLock { current -> Session in
            let lost = current
            current = Session()
            return lost
        }
        space.lose(lost)
    }

    /// Makes the claim on a source's run lost, whichever replica holds it, as when its lease
    /// expires; the replica's other claims stay.
    /// - Parameter source: The source.
    package func expireClaim(of source: SourceID) { space.expire(source) }
}

extension LocalSyncCoordinator {
    /// A replica's lease: lost once, for every claim made under it.
    final class Session: Sendable {
        private let lost = Locked(false)
        var isLost: Bool { lost.withLock { $0 } }
        func lose() { lost.withLock { $0 = true } }
    }

    /// A lock held in one process, as a fence: held until its section ends or its session is lost.
    final class LockFence: CoordinationFence {
        let lock: CoordinationLock
        let replica: String
        let session: Session
        private let ended = Locked(false)

        init(lock: CoordinationLock, replica: String, session: Session) {
            self.lock = lock
            self.replica = replica
            self.session = session
        }

        var isHeld: Bool { !ended.withLock { $0 } && !session.isLost }

        func check() async throws {
            guard isHeld else {
                throw SyncCoordinationError(
                    .lockLost, "Replica '\(replica)' lost the lock '\(lock)' while holding it",
                    fix: "Nothing to do: the work is done again under the lock; if it happens often, lengthen the lease or find what pauses the replica.")
            }
        }

        func end() { ended.withLock { $0 = true } }
    }

    /// A claim on a source's run in one process.
    final class Claim: RunClaim {
        let holder: RunHolder
        let source: SourceID
        let session: Session
        private let ended = Locked(false)
        private weak let space: Space?

        init(source: SourceID, holder: RunHolder, session: Session, space: Space) {
            self.source = source
            self.holder = holder
            self.session = session
            self.space = space
        }

        var isHeld: Bool { !ended.withLock { $0 } && !session.isLost }

        func check() async throws {
            guard isHeld else { throw SyncCoordinationError.claimLost(source, replica: holder.replica) }
        }

        func release() async { space?.release(self) }

        /// Ends the claim (released or lost); `true` the first time.
        func end() -> Bool {
            ended.withLock { ended in
                defer { ended = true }
                return !ended
            }
        }
    }

    /// What replicas sharing one coordinator share: locks, run claims and slots.
    final class Space: Sendable {
        private struct SlotClaim {
            var replica: String
            var session: Session
            var finished: Bool
        }

        private struct Waiter {
            var ticket: Int
            var holder: RunHolder
            var continuation: CheckedContinuation<Void, any Error>
        }

        private struct State {
            var locks: [CoordinationLock: IdentityStoreLock] = [:]
            var runs: [SourceID: Claim] = [:]
            var waiters: [SourceID: [Waiter]] = [:]
            var slots: [ScheduledSlot: SlotClaim] = [:]
            var nextTicket = 0

            /// The claim on a source that is still held (a lost one is forgotten).
            mutating func current(_ source: SourceID) -> Claim? {
                guard let claim = runs[source] else { return nil }
                if claim.isHeld { return claim }
                runs[source] = nil
                return nil
            }

            /// The waiters whose holder is gone, taken out of the line.
            mutating func released(_ source: SourceID) -> [CheckedContinuation<Void, any Error>] {
                let holder = current(source)?.holder
                let waiting = waiters[source] ?? []
                waiters[source] = waiting.filter { $0.holder == holder }
                return waiting.filter { $0.holder != holder }.map(\.continuation)
            }
        }

        private let state = Locked(State())

        func lock(_ name: CoordinationLock) -> IdentityStoreLock {
            state.withLock { state in
                if let lock = state.locks[name] { return lock }
                let lock = IdentityStoreLock()
                state.locks[name] = lock
                return lock
            }
        }

        func claim(_ source: SourceID, holder: RunHolder, session: Session) -> RunClaimOutcome {
            state.withLock { state in
                if let current = state.current(source) { return .heldBy(current.holder) }
                let claim = Claim(source: source, holder: holder, session: session, space: self)
                state.runs[source] = claim
                return .claimed(claim)
            }
        }

        func holder(of source: SourceID) -> RunHolder? { state.withLock { $0.current(source)?.holder } }

        func release(_ claim: Claim) {
            guard claim.end() else { return }
            let released = state.withLock { state in
                if state.runs[claim.source] === claim { state.runs[claim.source] = nil }
                return state.released(claim.source)
            }
            for continuation in released { continuation.resume() }
        }

        func expire(_ source: SourceID) {
            guard let claim = state.withLock({ $0.runs[source] }) else { return }
            release(claim)
        }

        func lose(_ session: Session) {
            session.lose()
            let released = state.withLock { state in
                let sources = state.runs.filter { $0.value.session === session }.map(\.key)
                return sources.flatMap { state.released($0) }
            }
            for continuation in released { continuation.resume() }
        }

        func waitForRelease(of source: SourceID, _ holder: RunHolder) async throws {
            let ticket = state.withLock { state in
                state.nextTicket += 1
                return state.nextTicket
            }
            try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                    let now: Result<Void, any Error>? = state.withLock { state in
                        if Task.isCancelled { return .failure(CancellationError()) }
                        guard state.current(source)?.holder == holder else { return .success(()) }
                        state.waiters[source, default: []].append(Waiter(ticket: ticket, holder: holder, continuation: continuation))
                        return nil
                    }
                    if let now { continuation.resume(with: now) }
                }
            } onCancel: {
                let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                    guard let index = state.waiters[source]?.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                    return state.waiters[source]?.remove(at: index).continuation
                }
                waiter?.resume(throwing: CancellationError())
            }
        }

        func claimSlot(_ slot: ScheduledSlot, replica: String, session: Session) -> Bool {
            state.withLock { state in
                if let claim = state.slots[slot], claim.finished || !claim.session.isLost { return false }
                state.slots[slot] = SlotClaim(replica: replica, session: session, finished: false)
                return true
            }
        }

        /// Marks the slot finished, unless another session than `session` claimed it (or it was
        /// lost): `false` then.
        func finishSlot(_ slot: ScheduledSlot, session: Session, before oldest: Date) -> Bool {
            state.withLock { state in
                if var claim = state.slots[slot] {
                    guard claim.finished || (claim.session === session && !session.isLost) else { return false }
                    claim.finished = true
                    state.slots[slot] = claim
                } else {
                    state.slots[slot] = SlotClaim(replica: "", session: session, finished: true)
                }
                state.slots = state.slots.filter { !$0.value.finished || $0.key.due >= oldest }
                return true
            }
        }

        func abandonedSlots() -> [ScheduledSlot] {
            state.withLock { state in
                state.slots.filter { !$0.value.finished && $0.value.session.isLost }.map(\.key)
            }.sorted { ($0.due, $0.sourceID) < ($1.due, $1.sourceID) }
        }
    }
}
