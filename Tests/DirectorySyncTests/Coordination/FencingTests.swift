import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A provider that tracks changes: the first read is whole with a cursor, later ones bring no change.
private struct TrackedProvider: DirectoryProvider {
    let snapshot: DirectorySnapshot
    func read(filter: SyncFilter) async throws -> DirectorySnapshot { snapshot }
    func readChanges(since cursor: DirectoryCursor?, filter: SyncFilter) async throws -> DirectoryRead {
        guard cursor != nil else { return .full(snapshot, cursor: DirectoryCursor(["n": "1"])) }
        return .changes(DirectoryChanges([]), cursor: DirectoryCursor(["n": "1"]), statistics: ReadStatistics(requests: 1, pages: 1))
    }
}

@Suite("Fencing: a run that lost its claim writes nothing more")
struct FencingTests {
    private static func tenant() -> DirectorySnapshot {
        let tenant = TenantGenerator(configuration: .init(users: 30, groups: 4, seed: 11)).generate()
        return DirectorySnapshot(users: tenant.users, groups: tenant.groups)
    }

    private static func claim(_ coordinator: LocalSyncCoordinator, _ source: SourceID = "s") async throws -> any RunClaim {
        guard case .claimed(let claim) = try await coordinator.claimRun(of: source, runID: UUID().uuidString) else {
            throw SyncCoordinationError(.claimLost, "the claim was refused", fix: "none")
        }
        return claim
    }

    @Test("the executor starts nothing once the fence is lost, reports the rest not started, and throws claimLost")
    func executorStops() async throws {
        let coordinator = LocalSyncCoordinator()
        let claim = try await Self.claim(coordinator)
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        store.failWrites(where: { _, number in
            if number == 5 { coordinator.expireClaim(of: "s") }
            return false
        })
        let plan = try await makePlan(Self.tenant(), store, for: "s")
        let finished = Locked<Int?>(nil)
        let executor = SyncExecutor(configuration: .init(maximumConcurrency: 1)) { event in
            if case .finished(_, _, let notStarted) = event { finished.withLock { $0 = notStarted } }
        }
        await #expect(throws: SyncCoordinationError.claimLost("s", replica: "local")) { try await executor.apply(plan, to: store, fence: claim) }
        #expect(store.writesAttempted == 6, "the unit under way when the claim was lost finishes; nothing starts after")
        #expect(finished.withLock { $0 } == plan.operations.count - 6)
    }

    @Test("a failed membership batch whose claim was lost meanwhile is not retried one by one: every store call checks the fence")
    func executorChecksEveryCall() async throws {
        let coordinator = LocalSyncCoordinator()
        let claim = try await Self.claim(coordinator)
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        let failedAt = Locked<Int?>(nil)
        store.failWrites(where: { write, number in
            guard write == .addMembers, failedAt.withLock({ $0 }) == nil else { return false }
            failedAt.withLock { $0 = number }
            coordinator.expireClaim(of: "s")
            return true
        })
        let plan = try await makePlan(Self.tenant(), store, for: "s")
        let executor = SyncExecutor(configuration: .init(maximumConcurrency: 1))
        await #expect(throws: SyncCoordinationError.self) { try await executor.apply(plan, to: store, fence: claim) }
        let failed = try #require(failedAt.withLock { $0 })
        #expect(store.writesAttempted == failed + 1, "no single retry after the claim was lost")
    }

    @Test("a fence lost before the run stops it at the first check, before any write")
    func executorChecksFirst() async throws {
        let coordinator = LocalSyncCoordinator()
        let claim = try await Self.claim(coordinator)
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        let plan = try await makePlan(Self.tenant(), store, for: "s")
        await claim.release()
        await #expect(throws: SyncCoordinationError.self) { try await SyncExecutor().apply(plan, to: store, fence: claim) }
        #expect(store.writesAttempted == 0)
    }

    @Test("a fenced write of several documents writes them all while the claim is held, and nothing once it is lost")
    func fencedWrites() async throws {
        let coordinator = LocalSyncCoordinator()
        let claim = try await Self.claim(coordinator)
        let state = InMemorySyncStateStore()
        let (one, two) = (StateKey("s", "one"), StateKey("s", "two"))
        try await state.save([(one, ["a"]), (two, 2)], fencedBy: claim)
        #expect(try await state.load([String].self, for: one) == ["a"])
        #expect(try await state.load(Int.self, for: two) == 2)
        try await state.save([(one, nil)], fencedBy: claim)
        #expect(try await state.data(for: one) == nil, "a nil value removes its key")
        coordinator.expireClaim(of: "s")
        await #expect(throws: SyncCoordinationError.self) { try await state.setData([(one, Data("x".utf8)), (two, nil)], fencedBy: claim) }
        #expect(try await state.data(for: one) == nil)
        #expect(try await state.load(Int.self, for: two) == 2)
        try await state.setData([(one, Data("unfenced".utf8))], fencedBy: nil)
        #expect(try await state.data(for: one) == Data("unfenced".utf8))
    }

    @Test("the synchronizer checks its fence once it holds the store lock: a claim lost while reading plans and writes nothing")
    func synchronizerChecksBeforePlanning() async throws {
        let coordinator = LocalSyncCoordinator()
        let claim = try await Self.claim(coordinator)
        let store = InMemoryIdentityStore()
        let state = InMemorySyncStateStore()
        let synchronizer = SourceSynchronizer(source: "s", provider: TrackedProvider(snapshot: Self.tenant()), store: store, state: state, coordinator: coordinator)
        coordinator.expireClaim(of: "s")
        let planned = Locked(false)
        await #expect(throws: SyncCoordinationError.self) {
            try await synchronizer.synchronize(settings: SyncSettings(), fence: claim, planned: { _, _, _ in planned.withLock { $0 = true } }, applied: { _ in })
        }
        #expect(!planned.withLock { $0 })
        #expect(try await store.contents().users.isEmpty)
        #expect(await state.keys.isEmpty, "nothing saved")
    }

    @Test("a claim lost mid-apply commits no change tracking; the next run with a new claim commits it and converges")
    func synchronizerCommitsNothingAfterLoss() async throws {
        let coordinator = LocalSyncCoordinator()
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        let state = InMemorySyncStateStore()
        let snapshot = Self.tenant()
        let synchronizer = SourceSynchronizer(
            source: "s", provider: TrackedProvider(snapshot: snapshot), store: store, state: state,
            configuration: .init(executor: .init(maximumConcurrency: 1)), coordinator: coordinator)
        store.failWrites(where: { _, number in
            if number == 3 { coordinator.expireClaim(of: "s") }
            return false
        })
        let lost = try await Self.claim(coordinator)
        await #expect(throws: SyncCoordinationError.self) {
            try await synchronizer.synchronize(settings: SyncSettings(), fence: lost, planned: { _, _, _ in }, applied: { _ in })
        }
        #expect(try await state.data(for: StateKey("s", "tracking")) == nil)
        #expect(try await state.data(for: StateKey("s", "mirror")) == nil)
        store.heal()
        let fresh = try await Self.claim(coordinator)
        let result = try await synchronizer.synchronize(settings: SyncSettings(), fence: fresh, planned: { _, _, _ in }, applied: { _ in })
        #expect(result.committed)
        #expect(try await state.data(for: StateKey("s", "tracking")) != nil)
        let single = InMemoryIdentityStore()
        _ = try await SourceSynchronizer(source: "s", provider: TrackedProvider(snapshot: snapshot), store: single, state: InMemorySyncStateStore())
            .synchronize(settings: SyncSettings())
        #expect(StoreFingerprint(try await store.contents()) == StoreFingerprint(try await single.contents()))
    }

    @Test("ScheduledSlot and RunHolder round their dates down to the second; RunHolder has a designed JSON")
    func valuesAndJSON() throws {
        let slot = ScheduledSlot(sourceID: "s", due: Date(timeIntervalSince1970: 1_790_000_000.875))
        #expect(slot == ScheduledSlot(sourceID: "s", due: Date(timeIntervalSince1970: 1_790_000_000)))
        let holder = RunHolder(replica: "web-2", runID: "run-1", since: Date(timeIntervalSince1970: 1_790_000_000.625))
        #expect(holder.since == Date(timeIntervalSince1970: 1_790_000_000), "whole seconds: a holder reads back equal from any JSON")
        let json = String(decoding: try JSONEncoder.deterministic().encode(holder), as: UTF8.self)
        #expect(json == #"{"replica":"web-2","runID":"run-1","since":"2026-09-21T14:13:20Z"}"#)
        #expect(try JSONDecoder.deterministic().decode(RunHolder.self, from: Data(json.utf8)) == holder)
        #expect(CoordinationLock.store.description == "store" && CoordinationLock.sources.name == "sources")
    }

    @Test("every code of SyncCoordinationError keeps the one error shape, and heals by itself")
    func errorShape() throws {
        try expectErrorShape(SyncCoordinationError.claimLost("s", replica: "web-1"), code: "claimLost")
        try expectErrorShape(SyncCoordinationError(.unavailable, "etcd did not answer", fix: "Check etcd."), code: "unavailable")
        try expectErrorShape(SyncCoordinationError(.lockLost, "the store lock's lease expired", fix: "Nothing to do."), code: "lockLost")
        #expect(SyncCoordinationError.claimLost("s", replica: "web-1").healsByItself)
        #expect(SyncCoordinationError(.unavailable, "down", fix: "Wait.").healsByItself)
    }
}
