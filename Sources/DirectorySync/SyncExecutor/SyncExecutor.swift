/// Applies a ``SyncPlan`` to an ``IdentityStore``.
///
/// Phases run in order; inside a phase, up to ``Configuration/maximumConcurrency`` operations run
/// at once, and membership changes to one group are sent in batches. A failed operation is
/// reported with its reason and does not stop unrelated ones; operations that depend on it (the
/// memberships of a user that could not be created) are skipped. Running the same synchronization
/// again repairs what was left undone.
///
/// A plan over the deletion guard is refused unless ``Configuration/allowExceedingDeletionGuard``
/// is set. Cancelling the calling task stops new operations from starting; the report then marks
/// the rest as not started.
///
/// ```swift
/// let report = try await SyncExecutor().apply(plan, to: store)
/// print("\(report.succeeded) done, \(report.failed.count) failed")
/// ```
public struct SyncExecutor: Sendable {
    /// How the executor runs.
    public struct Configuration: Hashable, Sendable {
        /// Operations run at the same time within a phase (at least 1).
        public var maximumConcurrency: Int
        /// Members sent in one call when adding to or removing from one group (at least 1).
        public var membershipBatchSize: Int
        /// Apply even when the plan exceeds the deletion guard.
        public var allowExceedingDeletionGuard: Bool

        /// Creates a configuration.
        /// - Parameters:
        ///   - maximumConcurrency: Operations at once within a phase.
        ///   - membershipBatchSize: Members per membership call.
        ///   - allowExceedingDeletionGuard: Apply plans over the deletion guard.
        public init(maximumConcurrency: Int = 8, membershipBatchSize: Int = 100, allowExceedingDeletionGuard: Bool = false) {
            self.maximumConcurrency = maximumConcurrency
            self.membershipBatchSize = membershipBatchSize
            self.allowExceedingDeletionGuard = allowExceedingDeletionGuard
        }
    }

    /// How the executor runs.
    public var configuration: Configuration
    private let onEvent: SyncEventHandler

    /// Creates an executor.
    /// - Parameters:
    ///   - configuration: Concurrency, batching and the deletion-guard override.
    ///   - onEvent: Receives progress events.
    public init(configuration: Configuration = Configuration(), onEvent: @escaping SyncEventHandler = { _ in }) {
        self.configuration = configuration
        self.onEvent = onEvent
    }

    /// Applies the plan.
    ///
    /// With a `fence` — the claim of the run on its source (``RunClaim``) — nothing starts once the
    /// claim is lost: the claim is checked with the coordinator before each phase
    /// (``CoordinationFence/check()``) and locally before each unit of work (``CoordinationFence/isHeld``); what was
    /// not started is reported not started, and the call then throws.
    /// - Parameters:
    ///   - plan: The plan to apply.
    ///   - store: The store to change.
    ///   - fence: The run's claim on its source, or `nil` when no other replica can take it over.
    /// - Returns: One result per operation.
    /// - Throws: ``SyncExecutionError/deletionGuardExceeded(_:)`` before changing anything;
    ///   ``SyncCoordinationError`` (`claimLost`, or `unavailable` when the claim could not be
    ///   checked) once the units that had started finished.
    public func apply(_ plan: SyncPlan, to store: some IdentityStore, fence: (any RunClaim)? = nil) async throws -> SyncReport {
        if case .exceeded(let violations) = plan.guardVerdict, !configuration.allowExceedingDeletionGuard {
            throw SyncExecutionError.deletionGuardExceeded(violations)
        }
        var run = ExecutionRun(plan: plan, onEvent: onEvent)
        onEvent(.started(sourceID: plan.sourceID, operations: plan.operations.count))
        var byPhase: [SyncPhase: [Int]] = [:]
        for index in plan.operations.indices { byPhase[plan.operations[index].phase, default: []].append(index) }
        var fenceFailure: (any Error)?
        for phase in SyncPhase.allCases {
            let units = workUnits(byPhase[phase] ?? [], of: plan)
            guard !units.isEmpty else { continue }
            if Task.isCancelled { break }
            if let fence {
                do { try await fence.check() } catch {
                    fenceFailure = error
                    break
                }
            }
            onEvent(.phaseStarted(phase, operations: units.reduce(0) { $0 + $1.indices.count }))
            await run.perform(units, on: store, concurrency: max(1, configuration.maximumConcurrency), fence: fence)
        }
        let report = run.report(cancelled: Task.isCancelled)
        onEvent(.finished(succeeded: report.succeeded, failed: report.failed.count, notStarted: report.notStarted))
        if let fenceFailure { throw fenceFailure }
        if let fence, !fence.isHeld { throw SyncCoordinationError.claimLost(plan.sourceID, replica: fence.holder.replica) }
        return report
    }

    /// Splits a phase's operations into units of work: one per operation, and batches for
    /// memberships of one group.
    private func workUnits(_ indices: [Int], of plan: SyncPlan) -> [WorkUnit] {
        var units: [WorkUnit] = []
        // Each group's batch, in the order the groups first come; a plan lists a group's
        // memberships together, so the last batch is compared before any is looked up.
        var batches: [[Int]] = []
        var slots: [BatchKey: Int] = [:]
        var last: (key: BatchKey, slot: Int)?
        for index in indices {
            let key: BatchKey
            switch plan.operations[index].action {
            case .addMember(_, let group): key = BatchKey(adding: true, group: group)
            case .removeMember(_, let group): key = BatchKey(adding: false, group: .existing(group))
            default:
                units.append(WorkUnit(indices: [index]))
                continue
            }
            if let last, last.key == key {
                batches[last.slot].append(index)
                continue
            }
            let slot = slots[key] ?? batches.count
            if slot == batches.count {
                slots[key] = slot
                batches.append([])
            }
            batches[slot].append(index)
            last = (key, slot)
        }
        let size = max(1, configuration.membershipBatchSize)
        for indices in batches {
            for start in stride(from: 0, to: indices.count, by: size) {
                units.append(WorkUnit(indices: Array(indices[start..<min(start + size, indices.count)])))
            }
        }
        return units
    }

    private struct BatchKey: Hashable {
        var adding: Bool
        var group: IdentityReference
    }
}

/// Operations that run as one store call: a single operation, or membership changes to one group.
struct WorkUnit: Sendable {
    var indices: [Int]
}
