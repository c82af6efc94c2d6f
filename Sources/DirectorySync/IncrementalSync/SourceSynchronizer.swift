import Foundation

/// Runs one source's synchronizations: reads the directory — only the changes when the provider
/// tracks them — plans against the store, applies, and keeps what the next run needs.
///
/// An incremental run applies the changes to a mirror of the whole directory and plans from that
/// mirror exactly as a full run plans from a full read, so both give the same store. The new
/// cursor and mirror are committed only when the plan was applied without a failure; a failed or
/// cancelled run leaves the previous ones, and the next run reads the same changes again. A full
/// read happens on the first run, when the filter changed, when tracking expired or was reset
/// (automatically, reported in ``SyncRunResult/readKind``), and periodically
/// (``Configuration/Reconciliation``) to heal any drift.
///
/// ```swift
/// let synchronizer = SourceSynchronizer(source: id, provider: graph, store: store, state: FileSyncStateStore(directory: url))
/// let result = try await synchronizer.synchronize(settings: settings)
/// print(result.readKind, result.report.succeeded)
/// ```
public actor SourceSynchronizer {
    /// How the synchronizer reads, plans and applies.
    public struct Configuration: Sendable {
        /// When a full read replaces the incremental one even though tracking still works.
        public struct Reconciliation: Hashable, Sendable {
            /// Read everything after this many incremental runs (`nil`: never for this reason).
            public var afterIncrementalRuns: Int?
            /// Read everything when the last full read is older than this (`nil`: never for this reason).
            public var afterInterval: TimeInterval?

            /// Creates a policy.
            /// - Parameters:
            ///   - afterIncrementalRuns: Incremental runs between full reads.
            ///   - afterInterval: Longest time between full reads.
            public init(afterIncrementalRuns: Int? = 24, afterInterval: TimeInterval? = 86_400) {
                self.afterIncrementalRuns = afterIncrementalRuns
                self.afterInterval = afterInterval
            }
        }

        /// The planner.
        public var planner: any SyncPlanner
        /// How plans are applied.
        public var executor: SyncExecutor.Configuration
        /// Whether to read only changes when the provider can (`false`: always full reads).
        public var tracksChanges: Bool
        /// When to read everything anyway.
        public var reconciliation: Reconciliation

        /// Creates a configuration.
        public init(
            planner: any SyncPlanner = StandardSyncPlanner(), executor: SyncExecutor.Configuration = .init(), tracksChanges: Bool = true,
            reconciliation: Reconciliation = .init()
        ) {
            self.planner = planner
            self.executor = executor
            self.tracksChanges = tracksChanges
            self.reconciliation = reconciliation
        }
    }

    /// The source.
    public let sourceID: SourceID
    /// How the synchronizer works.
    public let configuration: Configuration
    let provider: any DirectoryProvider
    /// The identity store the synchronizer applies to.
    public nonisolated let store: any IdentityStore
    let state: any SyncStateStore
    let clock: SyncClock
    /// Coordinates the synchronizers (and replicas) sharing the store: its
    /// ``CoordinationLock/store`` lock is taken while planning and applying, so they take turns there.
    public nonisolated let coordinator: any SyncCoordinator
    let onEvent: SyncEventHandler
    /// The mirror as of the last commit this instance made or loaded, keyed by its commit id.
    var cache: (commitID: String, mirror: DirectoryMirror)?

    /// Creates a synchronizer.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - provider: Reads the source's directory.
    ///   - store: The identity store.
    ///   - state: Where cursor and mirror are kept between runs (and processes).
    ///   - configuration: Planner, executor and read policy.
    ///   - clock: The clock (for the reconciliation interval).
    ///   - coordinator: Shared by every synchronizer of the same store (a new one: nobody to share
    ///     with); a coordinator shared across processes makes their synchronizers take turns too.
    ///   - onEvent: Receives the executor's progress events.
    public init(
        source sourceID: SourceID, provider: any DirectoryProvider, store: any IdentityStore, state: any SyncStateStore,
        configuration: Configuration = Configuration(), clock: SyncClock = .system,
        coordinator: any SyncCoordinator = LocalSyncCoordinator(), onEvent: @escaping SyncEventHandler = { _ in }
    ) {
        self.sourceID = sourceID
        self.provider = provider
        self.store = store
        self.state = state
        self.configuration = configuration
        self.clock = clock
        self.coordinator = coordinator
        self.onEvent = onEvent
    }

    /// Reads, plans and applies; commits the read when everything was applied. Planning and
    /// applying hold the coordinator's ``CoordinationLock/store`` lock.
    /// - Parameters:
    ///   - settings: The source's filter and policies.
    ///   - forceFullRead: Read everything even if changes could be read.
    ///   - allowExceedingDeletionGuard: Apply a plan over the deletion guard.
    /// - Returns: What was read, planned and done.
    /// - Throws: Read and planning errors; ``SyncExecutionError/deletionGuardExceeded(_:)`` (nothing
    ///   applied, nothing committed).
    public func synchronize(settings: SyncSettings, forceFullRead: Bool = false, allowExceedingDeletionGuard: Bool = false) async throws -> SyncRunResult {
        try await synchronize(
            settings: settings, forceFullRead: forceFullRead, allowExceedingDeletionGuard: allowExceedingDeletionGuard, planned: { _, _, _ in }, applied: { _ in })
    }

    /// ``synchronize(settings:forceFullRead:allowExceedingDeletionGuard:)``, handing the plan out
    /// as soon as it is made, with how the directory was read — before the deletion guard can stop
    /// the run — and the executor's
    /// report as soon as it is applied — before committing the read can fail — so a run's report
    /// says what was held back and what was applied whatever happens next.
    ///
    /// With a `fence` (the run's claim on the source), every write passes it: the claim is checked
    /// once the store lock is taken, before planning; the executor stops starting work once it is
    /// lost; pending removals and the commit of change tracking are written on the condition that
    /// it is still held. A run that lost its claim throws ``SyncCoordinationError`` (`claimLost`)
    /// and commits nothing.
    package func synchronize(
        settings: SyncSettings, forceFullRead: Bool = false, allowExceedingDeletionGuard: Bool = false, fence: (any RunClaim)? = nil,
        planned: @Sendable (SyncPlan, ReadKind, ReadStatistics) -> Void, applied: @Sendable (SyncReport) -> Void
    ) async throws -> SyncRunResult {
        let read = try await read(filter: settings.filter, forceFullRead: forceFullRead)
        var executor = configuration.executor
        executor.allowExceedingDeletionGuard = executor.allowExceedingDeletionGuard || allowExceedingDeletionGuard
        let (plan, report) = try await coordinator.withLock(.store) { () async throws -> (SyncPlan, SyncReport) in
            // Another replica may have taken the source over while this one read.
            try await fence?.check()
            let pending = try await self.pendingRemovals(for: settings)
            let plan = try await self.plan(read, settings: settings, pendingRemovals: pending)
            planned(plan, read.kind, read.statistics)
            // Pending removals are kept before anything is applied (and only when the guard lets
            // the plan through): a run that stops half way leaves what the next run needs.
            if plan.guardVerdict.isWithinLimits || executor.allowExceedingDeletionGuard {
                try await self.remember(plan, previously: pending, settings: settings, fence: fence)
            }
            let report = try await SyncExecutor(configuration: executor, onEvent: self.onEvent).apply(plan, to: self.store, fence: fence)
            return (plan, report)
        }
        applied(report)
        var committed = false
        if report.isSuccess {
            try await commit(read, fence: fence)
            committed = true
        }
        return SyncRunResult(readKind: read.kind, statistics: read.statistics, plan: plan, report: report, committed: committed)
    }

    /// Plans a read against the store as it is now.
    /// - Parameters:
    ///   - read: What ``read(filter:forceFullRead:)`` returned.
    ///   - settings: The source's filter and policies.
    ///   - listsUnchanged: Whether the plan lists objects that need no change (previews do).
    ///   - pendingRemovals: The removals pending before this plan (``pendingRemovals(for:)``).
    /// - Returns: The plan, made at the clock's current time.
    /// - Throws: ``SyncPlanningError``; the store's errors.
    package func plan(
        _ read: TrackedRead, settings: SyncSettings, listsUnchanged: Bool = false, pendingRemovals: [PendingRemoval] = []
    ) async throws -> SyncPlan {
        try configuration.planner.plan(
            SyncPlanRequest(
                sourceID: sourceID, directory: read.snapshot, store: try await store.contents(), settings: settings,
                listsUnchanged: listsUnchanged, now: clock.now(), pendingRemovals: pendingRemovals))
    }

    /// Forgets the tracked changes, so the next run reads everything.
    /// - Throws: The state store's errors.
    public func resetTracking() async throws {
        cache = nil
        try await state.remove(.tracking(sourceID))
        try await state.remove(.mirror(sourceID))
    }
}

/// What one synchronization did.
public struct SyncRunResult: Sendable {
    /// Whether everything or only the changes were read, and why.
    public var readKind: ReadKind
    /// What the read cost.
    public var statistics: ReadStatistics
    /// The plan applied.
    public var plan: SyncPlan
    /// What applying did.
    public var report: SyncReport
    /// Whether the read's cursor and mirror were kept for the next run (only after a fully successful apply).
    public var committed: Bool
}
