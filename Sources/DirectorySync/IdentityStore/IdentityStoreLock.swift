/// Lets one writer at a time plan against an identity store and apply the plan.
///
/// A plan is made from the store's contents; if another source's plan is applied in between, the
/// first plan may create a name or email the other one just took, and fail on apply. Synchronizers
/// that share one store share one lock: reading the directories (the slow part) still runs
/// concurrently, planning and applying take turns in arrival order. ``LocalSyncCoordinator`` holds
/// one per ``CoordinationLock``, and synchronizers sharing a coordinator share them.
///
/// ```swift
/// let lock = IdentityStoreLock()
/// try await lock.withLock { try await store.contents() }
/// ```
public final class IdentityStoreLock: Sendable {
    private struct State {
        var held = false
        var nextTicket = 0
        var waiters: [(ticket: Int, continuation: CheckedContinuation<Void, any Error>)] = []
    }

    private let state = Locked(State())

    /// Creates a lock nobody holds.
    public init() {}

    /// Runs `body` while holding the lock, waiting in line for it first.
    /// - Parameter body: The work that needs the store to itself.
    /// - Returns: What `body` returned.
    /// - Throws: `CancellationError` when the task is cancelled while waiting (the lock was not
    ///   taken); what `body` threw.
    nonisolated(nonsending) public func withLock<Result>(_ body: () async throws -> Result) async throws -> Result {
        try await acquire()
        defer { release() }
        return try await body()
    }

    /// Whether somebody holds the lock now.
    package var isHeld: Bool { state.withLock { $0.held } }

    /// How many tasks wait for the lock now.
    package var waiting: Int { state.withLock { $0.waiters.count } }

    private func acquire() async throws {
        let ticket = state.withLock { state in
            state.nextTicket += 1
            return state.nextTicket
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let now: Swift.Result<Void, any Error>? = state.withLock { state in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    if !state.held {
                        state.held = true
                        return .success(())
                    }
                    state.waiters.append((ticket, continuation))
                    return nil
                }
                if let now { continuation.resume(with: now) }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                guard let index = state.waiters.firstIndex(where: { $0.ticket == ticket }) else { return nil }
                return state.waiters.remove(at: index).continuation
            }
            waiter?.resume(throwing: CancellationError())
        }
    }

    /// Hands the lock to the next in line, or frees it.
    private func release() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard !state.waiters.isEmpty else {
                state.held = false
                return nil
            }
            return state.waiters.removeFirst().continuation
        }
        next?.resume()
    }
}
