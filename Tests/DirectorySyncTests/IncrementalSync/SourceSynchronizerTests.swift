import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("SourceSynchronizer with a provider that cannot track changes")
struct SourceSynchronizerTests {
    @Test("every run is a full read, reported as such, and the store converges")
    func untrackedProvider() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 30, groups: 4, seed: 3)).generate()
        let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
        let store = InMemoryIdentityStore()
        let state = InMemorySyncStateStore()
        let synchronizer = SourceSynchronizer(source: "s", provider: directory, store: store, state: state)
        let first = try await synchronizer.synchronize(settings: SyncSettings())
        #expect(first.readKind == .full(.notTracked))
        #expect(first.committed)
        let second = try await synchronizer.synchronize(settings: SyncSettings())
        #expect(second.readKind == .full(.notTracked))
        #expect(second.plan.operations.isEmpty)
        #expect(try await state.data(for: StateKey("s", "tracking")) == nil, "nothing to keep without a cursor")
    }

    @Test("an incomplete read is refused by the planner and removes nothing")
    func incompleteRead() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 10, groups: 2, seed: 4)).generate()
        let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
        let store = InMemoryIdentityStore()
        let synchronizer = SourceSynchronizer(source: "s", provider: directory, store: store, state: InMemorySyncStateStore())
        _ = try await synchronizer.synchronize(settings: SyncSettings())
        let before = StoreFingerprint(try await store.contents())
        directory.returnIncompleteSnapshotOnNextRead()
        await #expect(throws: SyncPlanningError.self) { try await synchronizer.synchronize(settings: SyncSettings()) }
        #expect(StoreFingerprint(try await store.contents()) == before)
    }
}
