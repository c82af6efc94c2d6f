import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Incremental synchronization through Graph delta queries")
struct IncrementalSyncTests {
    let settings = SyncSettings()

    @Test("the first run reads everything, the next ones only changes, and the store matches a full sync")
    func firstFullThenIncremental() async throws {
        let harness = IncrementalHarness()
        let first = try await harness.synchronizer.synchronize(settings: settings)
        #expect(first.readKind == .full(.firstRun))
        #expect(first.committed)
        let second = try await harness.synchronizer.synchronize(settings: settings)
        #expect(second.readKind == .incremental(changes: 0))
        #expect(second.plan.operations.isEmpty)
        #expect(second.statistics.requests == 2, "one users and one groups delta page")

        let user = try #require(harness.emulator.users(tenant: harness.tenantID).first)
        harness.emulator.modifyUser(id: user.id, tenant: harness.tenantID) { $0.displayName = "Renamed Person" }
        let third = try await harness.synchronizer.synchronize(settings: settings)
        #expect(third.readKind == .incremental(changes: 1))
        #expect(third.plan.operations.count == 1)
        #expect(try await harness.fingerprint() == harness.freshFullSync(settings))
    }

    @Test("an expired delta link falls back to a full read, reports it and continues incrementally")
    func expiredLinks() async throws {
        let harness = IncrementalHarness()
        _ = try await harness.synchronizer.synchronize(settings: settings)
        harness.emulator.expireDeltaLinks()
        harness.graph.clock.advance(by: 2)
        let user = try #require(harness.emulator.users(tenant: harness.tenantID).last)
        harness.emulator.softDeleteUser(id: user.id, tenant: harness.tenantID)
        let fallback = try await harness.synchronizer.synchronize(settings: settings)
        #expect(fallback.readKind == .full(.trackingExpired))
        #expect(fallback.committed)
        let next = try await harness.synchronizer.synchronize(settings: settings)
        #expect(next.readKind == .incremental(changes: 0))
        #expect(try await harness.fingerprint() == harness.freshFullSync(settings))
    }

    @Test("a reset (410 Gone) falls back to a full read")
    func resetLinks() async throws {
        let harness = IncrementalHarness()
        _ = try await harness.synchronizer.synchronize(settings: settings)
        harness.emulator.setDeltaReset(true)
        let fallback = try await harness.synchronizer.synchronize(settings: settings)
        #expect(fallback.readKind == .full(.trackingReset))
        harness.emulator.setDeltaReset(false)
        #expect(try await harness.synchronizer.synchronize(settings: settings).readKind == .incremental(changes: 0))
    }

    @Test("a filter change forces a full read and removes exactly what left the scope")
    func filterChange() async throws {
        let harness = IncrementalHarness()
        _ = try await harness.synchronizer.synchronize(settings: settings)
        let narrowed = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")), deletionGuard: .disabled)
        let run = try await harness.synchronizer.synchronize(settings: narrowed)
        #expect(run.readKind == .full(.filterChanged))
        #expect(try await harness.fingerprint() == harness.freshFullSync(narrowed))
        #expect(try await harness.synchronizer.synchronize(settings: narrowed).readKind == .incremental(changes: 0))
    }

    @Test("periodic reconciliation: after N incremental runs and after an interval")
    func reconciliation() async throws {
        let byRuns = IncrementalHarness(reconciliation: .init(afterIncrementalRuns: 2, afterInterval: nil))
        var kinds: [ReadKind] = []
        for _ in 0..<4 { kinds.append(try await byRuns.synchronizer.synchronize(settings: settings).readKind) }
        #expect(kinds == [.full(.firstRun), .incremental(changes: 0), .incremental(changes: 0), .full(.reconciliation)])

        let byTime = IncrementalHarness(reconciliation: .init(afterIncrementalRuns: nil, afterInterval: 3_600))
        _ = try await byTime.synchronizer.synchronize(settings: settings)
        byTime.graph.clock.advance(by: 1_800)
        #expect(try await byTime.synchronizer.synchronize(settings: settings).readKind == .incremental(changes: 0))
        byTime.graph.clock.advance(by: 1_800)
        #expect(try await byTime.synchronizer.synchronize(settings: settings).readKind == .full(.reconciliation))
    }

    @Test("a failed apply keeps the previous links; the next run reads the changes again and converges")
    func failedApplyDoesNotCommit() async throws {
        let harness = IncrementalHarness()
        _ = try await harness.synchronizer.synchronize(settings: settings)
        let users = harness.emulator.users(tenant: harness.tenantID)
        for user in users.prefix(5) {
            harness.emulator.modifyUser(id: user.id, tenant: harness.tenantID) { $0.displayName = "Changed \($0.id.prefix(4))" }
        }
        harness.store.failWrites(after: 2)
        let failed = try await harness.synchronizer.synchronize(settings: settings)
        #expect(!failed.committed)
        #expect(failed.report.failed.count == 3)
        harness.store.heal()
        let retry = try await harness.synchronizer.synchronize(settings: settings)
        #expect(retry.readKind == .incremental(changes: 5), "the same changes are read again")
        #expect(retry.committed)
        #expect(try await harness.fingerprint() == harness.freshFullSync(settings))
    }

    @Test("a read that fails part-way commits nothing and removes nothing")
    func failedRead() async throws {
        let harness = IncrementalHarness()
        _ = try await harness.synchronizer.synchronize(settings: settings)
        let before = try await harness.fingerprint()
        harness.emulator.scheduleFault(.malformedBody, pathPrefix: "/v1.0/groups/delta")
        await #expect(throws: EntraError.self) { try await harness.synchronizer.synchronize(settings: settings) }
        #expect(try await harness.fingerprint() == before)
        #expect(try await harness.synchronizer.synchronize(settings: settings).readKind == .incremental(changes: 0))
    }

    @Test("soft-deleted users follow the out-of-scope policy; restored ones come back to the same identity")
    func softDeleteAndRestore() async throws {
        let harness = IncrementalHarness()
        let disabling = SyncSettings(outOfScope: .disable)
        _ = try await harness.synchronizer.synchronize(settings: disabling)
        let user = try #require(harness.emulator.users(tenant: harness.tenantID).first { $0.accountEnabled })
        let origin = IdentityOrigin.directory(IncrementalHarness.source, externalID: user.id)
        let before = try await harness.store.base.contents()
        let identity = try #require(before.users.first { $0.origin == origin })

        harness.emulator.softDeleteUser(id: user.id, tenant: harness.tenantID)
        let deleted = try await harness.synchronizer.synchronize(settings: disabling)
        #expect(!deleted.readKind.isFull)
        let afterDelete = try await harness.store.base.contents()
        let disabled = try #require(afterDelete.users.first { $0.origin == origin })
        #expect(disabled.id == identity.id && !disabled.profile.isEnabled)

        harness.emulator.restoreUser(id: user.id, tenant: harness.tenantID)
        _ = try await harness.synchronizer.synchronize(settings: disabling)
        let restored: [IdentityUser] = try await harness.store.base.contents().users.filter { $0.origin == origin }
        #expect(restored.map { $0.id } == [identity.id], "one identity, the same one")
        #expect(restored.first?.profile.isEnabled == true)
    }

    @Test("a restart reads the state back from the file store and continues incrementally")
    func restart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("incremental-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let harness = IncrementalHarness(state: try FileSyncStateStore(folder: folder))
        _ = try await harness.synchronizer.synchronize(settings: settings)
        let user = try #require(harness.emulator.users(tenant: harness.tenantID).first)
        harness.emulator.modifyUser(id: user.id, tenant: harness.tenantID) { $0.city = "Tromsø" }

        let restarted = IncrementalHarness.synchronizer(harness.graph, store: harness.store, state: try FileSyncStateStore(folder: folder))
        let run = try await restarted.synchronize(settings: settings)
        #expect(run.readKind == .incremental(changes: 1))
        #expect(try await harness.fingerprint() == harness.freshFullSync(settings))
    }

    @Test("replayed delta entries are harmless")
    func replays() async throws {
        let harness = IncrementalHarness()
        _ = try await harness.synchronizer.synchronize(settings: settings)
        for user in harness.emulator.users(tenant: harness.tenantID).prefix(6) {
            harness.emulator.modifyUser(id: user.id, tenant: harness.tenantID) { $0.department = "Legal" }
        }
        harness.emulator.scheduleFault(.replayDeltaEntries, pathPrefix: "/v1.0/users/delta")
        let run = try await harness.synchronizer.synchronize(settings: settings)
        #expect(run.readKind == .incremental(changes: 9), "6 changes and 3 replays")
        #expect(try await harness.fingerprint() == harness.freshFullSync(settings))
    }

    @Test("a saved cursor pointing away from Graph is refused before any request is sent to it")
    func foreignCursor() async throws {
        let harness = IncrementalHarness()
        let provider = harness.graph.provider()
        let cursor = DirectoryCursor(["users": "https://attacker.example/v1.0/users/delta?$deltatoken=x", "groups": "https://attacker.example/g"])
        await #expect(throws: EntraError.self) { try await provider.readChanges(since: cursor, filter: .all) }
        #expect(harness.emulator.requestLog.allSatisfy { !$0.path.contains("attacker") })
    }

    @Test("with 1% of the users changed, an incremental read costs a small fraction of a full one")
    func efficiency() async throws {
        let harness = IncrementalHarness(users: 3_000, groups: 150, pageSize: 100)
        let full = try await harness.synchronizer.synchronize(settings: settings)
        var random = SeededRandomNumberGenerator(seed: 11)
        for user in harness.emulator.users(tenant: harness.tenantID).shuffled(using: &random).prefix(30) {
            harness.emulator.modifyUser(id: user.id, tenant: harness.tenantID) { $0.displayName = "Promoted \($0.id.prefix(4))" }
        }
        let incremental = try await harness.synchronizer.synchronize(settings: settings)
        #expect(incremental.readKind == .incremental(changes: 30))
        #expect(incremental.statistics.requests * 5 <= full.statistics.requests)
        #expect(incremental.statistics.resourceUnits * 5 <= full.statistics.resourceUnits)
        #expect(try await harness.fingerprint() == harness.freshFullSync(settings))
    }
}
