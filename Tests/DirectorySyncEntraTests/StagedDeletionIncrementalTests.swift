import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

/// Staged deletion reads the same through delta queries as through full reads: two synchronizers
/// over one emulated tenant and one clock — one reading changes, one reading everything — end
/// every run with the same store and the same pending removals.
@Suite("Staged deletion: incremental runs and full runs agree")
struct StagedDeletionIncrementalTests {
    static let filters: [SyncFilter] = [
        .all,
        .usersByUser(try! FilterExpression(parsing: "department eq 'Sales' or department eq 'Engineering'")),
    ]

    /// What is pending, without the store's identifiers.
    static func pending(_ state: any SyncStateStore) async throws -> Set<String> {
        let entries = try await state.load([PendingRemoval].self, for: StateKey(IncrementalHarness.source, "pending-removals")) ?? []
        return Set(entries.map { "\($0.objectKind.rawValue) \($0.externalID) \($0.since.timeIntervalSince1970)" })
    }

    @Test("same store and same pending removals after every run, through deletions, restores, moves and the grace's end", arguments: [UInt64(3), 11])
    func agree(seed: UInt64) async throws {
        let graph = GraphHarness(users: 30, groups: 6, configuration: .init(deltaPageSize: 7, membersPerDeltaEntry: 5), seed: seed)
        let incrementalStore = InMemoryIdentityStore()
        let incrementalState = InMemorySyncStateStore()
        let incremental = IncrementalHarness.synchronizer(graph, store: incrementalStore, state: incrementalState)
        let fullStore = InMemoryIdentityStore()
        let fullState = InMemorySyncStateStore()
        let full = SourceSynchronizer(
            source: IncrementalHarness.source, provider: graph.provider(), store: fullStore, state: fullState,
            configuration: .init(tracksChanges: false), clock: graph.clock.syncClock)
        var settings = SyncSettings(outOfScope: .disableThenRemove(after: .seconds(2 * 86_400)), deletionGuard: .disabled)
        var mutator = EmulatorMutator(emulator: graph.emulator, tenantID: graph.credentials.tenantID, domain: graph.credentials.domain)
        var random = SeededRandomNumberGenerator(seed: seed)
        var seen = (incremental: 0, pending: 0, removedAtGraceEnd: 0)
        for step in 0..<40 {
            for _ in 0..<Int.random(in: 1...4, using: &random) { mutator.mutate(using: &random) }
            if random.chance(0.1) { settings.filter = Self.filters.randomElement(using: &random)! }
            let a = try await incremental.synchronize(settings: settings)
            let b = try await full.synchronize(settings: settings)
            #expect(a.report.isSuccess && b.report.isSuccess)
            if !a.readKind.isFull { seen.incremental += 1 }
            seen.removedAtGraceEnd += a.plan.operations.count { $0.reason == .gracePeriodEnded }
            let pendingA = try await Self.pending(incrementalState)
            seen.pending += pendingA.count
            #expect(StoreFingerprint(try await incrementalStore.contents()) == StoreFingerprint(try await fullStore.contents()), "seed \(seed) step \(step)")
            #expect(pendingA == (try await Self.pending(fullState)), "seed \(seed) step \(step)")
            #expect(a.plan.summary == b.plan.summary, "seed \(seed) step \(step)")
            graph.clock.advance(by: Double(Int.random(in: 1...16, using: &random)) * 3 * 3_600)
        }
        #expect(seen.incremental > 20 && seen.pending > 0 && seen.removedAtGraceEnd > 0, "seed \(seed): \(seen)")
    }
}
