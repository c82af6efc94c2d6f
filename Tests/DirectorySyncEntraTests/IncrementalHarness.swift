import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation

/// A Graph emulator, a provider, a fault-injecting store and a synchronizer with its state, for
/// incremental-synchronization tests.
struct IncrementalHarness {
    static let source: SourceID = "contoso"
    let graph: GraphHarness
    let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
    let state: any SyncStateStore
    let synchronizer: SourceSynchronizer

    init(
        users: Int = 60, groups: Int = 8, seed: UInt64 = 5, state: any SyncStateStore = InMemorySyncStateStore(),
        reconciliation: SourceSynchronizer.Configuration.Reconciliation = .init(afterIncrementalRuns: nil, afterInterval: nil),
        emulator configuration: GraphEmulator.Configuration = .init(), pageSize: Int = 999
    ) {
        graph = GraphHarness(users: users, groups: groups, configuration: configuration, seed: seed)
        self.state = state
        synchronizer = Self.synchronizer(graph, store: store, state: state, reconciliation: reconciliation, pageSize: pageSize)
    }

    static func synchronizer(
        _ graph: GraphHarness, store: some IdentityStore, state: any SyncStateStore,
        reconciliation: SourceSynchronizer.Configuration.Reconciliation = .init(afterIncrementalRuns: nil, afterInterval: nil), pageSize: Int = 999
    ) -> SourceSynchronizer {
        SourceSynchronizer(
            source: source, provider: graph.provider(pageSize: pageSize), store: store, state: state,
            configuration: .init(reconciliation: reconciliation), clock: graph.clock.syncClock)
    }

    var tenantID: String { graph.credentials.tenantID }
    var emulator: GraphEmulator { graph.emulator }

    /// The store a fresh full synchronization of the tenant as it is now produces.
    func freshFullSync(_ settings: SyncSettings) async throws -> StoreFingerprint {
        let fresh = InMemoryIdentityStore()
        let snapshot = try await graph.provider().read(filter: settings.filter)
        let plan = try StandardSyncPlanner().plan(source: Self.source, directory: snapshot, store: try await fresh.contents(), settings: settings)
        _ = try await SyncExecutor(configuration: .init(allowExceedingDeletionGuard: true)).apply(plan, to: fresh)
        return StoreFingerprint(try await fresh.contents())
    }

    func fingerprint() async throws -> StoreFingerprint { StoreFingerprint(try await store.base.contents()) }

    /// The tenant as a full read returns it, normalised for comparison.
    func fullSnapshot() async throws -> DirectorySnapshot {
        DirectoryMirror(try await graph.provider().read()).snapshot
    }
}
