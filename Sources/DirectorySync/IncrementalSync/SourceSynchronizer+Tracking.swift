import Foundation

/// A directory read ready to plan, with what to keep if its changes get applied.
package struct TrackedRead: Sendable {
    /// The whole directory as of this read (a full read, or the mirror with the changes applied).
    package var snapshot: DirectorySnapshot
    /// Full or incremental, and why.
    package var kind: ReadKind
    /// What the read cost.
    package var statistics: ReadStatistics { snapshot.statistics }
    /// What ``SourceSynchronizer/commit(_:)`` saves; `nil` when the provider does not track changes.
    let pending: Pending?

    struct Pending: Sendable {
        var state: TrackingState
        var mirror: DirectoryMirror
        /// The base document to write (full reads and compactions).
        var base: MirrorDocument?
    }
}

extension SourceSynchronizer {
    /// Changes in the journal beyond which a commit rewrites the base mirror instead.
    static func compactionThreshold(objects: Int) -> Int { max(10_000, objects / 5) }

    /// Reads the directory: the changes since the last commit when possible, else everything.
    /// - Parameters:
    ///   - filter: The source's filter.
    ///   - forceFullRead: Read everything.
    /// - Returns: The read, to plan and then commit.
    /// - Throws: The provider's errors. An expired or reset cursor is not an error: it becomes a full read.
    package func read(filter: SyncFilter, forceFullRead: Bool = false) async throws -> TrackedRead {
        guard configuration.tracksChanges else { return try await fullRead(filter: filter, reason: .requested, tracked: false) }
        var saved: TrackingState?
        var reason = FullReadReason.firstRun
        do {
            saved = try await state.load(TrackingState.self, for: .tracking(sourceID))
        } catch {
            reason = .stateUnreadable
        }
        if forceFullRead { reason = .requested }
        guard !forceFullRead, let saved else { return try await fullRead(filter: filter, reason: reason) }
        if saved.filter != filter { return try await fullRead(filter: filter, reason: .filterChanged) }
        if let runs = configuration.reconciliation.afterIncrementalRuns, saved.incrementalRuns >= runs {
            return try await fullRead(filter: filter, reason: .reconciliation)
        }
        if let interval = configuration.reconciliation.afterInterval, clock.now().timeIntervalSince(saved.fullReadAt) >= interval {
            return try await fullRead(filter: filter, reason: .reconciliation)
        }
        guard var mirror = try await mirror(for: saved) else { return try await fullRead(filter: filter, reason: .stateUnreadable) }
        let result: DirectoryRead
        do {
            result = try await provider.readChanges(since: saved.cursor, filter: filter)
        } catch let lost as DirectoryTrackingLost {
            return try await fullRead(filter: filter, reason: lost.code == .expired ? .trackingExpired : .trackingReset)
        }
        switch result {
        case .full(let snapshot, let cursor):
            return try startTracking(snapshot, cursor: cursor, filter: filter, reason: .notTracked)
        case .changes(let changes, let cursor, let statistics):
            mirror.apply(changes)
            var next = saved
            next.cursor = cursor
            next.commitID = UUID().uuidString
            next.incrementalRuns += 1
            next.journal.append(changes)
            var base: MirrorDocument?
            if next.journalCount > Self.compactionThreshold(objects: mirror.users.count + mirror.groups.count) {
                next.generation = UUID().uuidString
                next.journal = []
                base = MirrorDocument(generation: next.generation, mirror: mirror)
            }
            var snapshot = mirror.snapshot
            snapshot.statistics = statistics
            return TrackedRead(
                snapshot: snapshot, kind: .incremental(changes: changes.count),
                pending: .init(state: next, mirror: mirror, base: base))
        }
    }

    /// Keeps a read's cursor and mirror for the next run, in one write fenced by the run's claim
    /// (``SyncStateStore/setData(_:fencedBy:)``). Call it only after the read's plan was applied
    /// without failures.
    /// - Parameters:
    ///   - read: The read.
    ///   - fence: The run's claim on the source, or `nil`.
    /// - Throws: ``SyncCoordinationError`` (`claimLost`: nothing committed); the state store's errors.
    package func commit(_ read: TrackedRead, fence: (any RunClaim)? = nil) async throws {
        guard let pending = read.pending else { return }
        var documents: [(key: StateKey, value: (any Encodable)?)] = []
        if let base = pending.base { documents.append((.mirror(sourceID), base)) }
        documents.append((.tracking(sourceID), pending.state))
        try await state.save(documents, fencedBy: fence)
        cache = (pending.state.commitID, pending.mirror)
    }

    private func fullRead(filter: SyncFilter, reason: FullReadReason, tracked: Bool = true) async throws -> TrackedRead {
        guard tracked else {
            let snapshot = try await provider.read(filter: filter)
            return TrackedRead(snapshot: snapshot, kind: .full(reason), pending: nil)
        }
        switch try await provider.readChanges(since: nil, filter: filter) {
        case .full(let snapshot, let cursor): return try startTracking(snapshot, cursor: cursor, filter: filter, reason: reason)
        case .changes:
            throw DirectoryTrackingLost(.reset, detail: "the provider answered a request for everything with changes only, which is a bug in the provider")
        }
    }

    private func startTracking(_ snapshot: DirectorySnapshot, cursor: DirectoryCursor?, filter: SyncFilter, reason: FullReadReason) throws -> TrackedRead {
        guard let cursor, snapshot.isComplete else {
            return TrackedRead(snapshot: snapshot, kind: .full(cursor == nil ? .notTracked : reason), pending: nil)
        }
        let mirror = DirectoryMirror(snapshot)
        let generation = UUID().uuidString
        let state = TrackingState(
            filter: filter, cursor: cursor, generation: generation, commitID: generation, journal: [], incrementalRuns: 0, fullReadAt: clock.now())
        return TrackedRead(
            snapshot: snapshot, kind: .full(reason),
            pending: .init(state: state, mirror: mirror, base: MirrorDocument(generation: generation, mirror: mirror)))
    }

    /// The mirror a saved state describes: the cached one, or the base document with the journal applied.
    private func mirror(for saved: TrackingState) async throws -> DirectoryMirror? {
        if let cache, cache.commitID == saved.commitID { return cache.mirror }
        guard let document = try? await state.load(MirrorDocument.self, for: .mirror(sourceID)), document.generation == saved.generation else {
            return nil
        }
        var mirror = document.mirror
        for changes in saved.journal { mirror.apply(changes) }
        return mirror
    }
}
