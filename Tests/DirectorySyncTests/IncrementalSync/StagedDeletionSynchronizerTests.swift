import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A state store whose writes of one key fail while the test says so.
final class FailingStateStore: SyncStateStore {
    let base = InMemorySyncStateStore()
    let failing = Locked<Set<String>>([])

    func data(for key: StateKey) async throws -> Data? { try await base.data(for: key) }

    func setData(_ data: Data?, for key: StateKey) async throws {
        if failing.withLock({ $0.contains(key.name) }) { throw SyncStateError.unreadable(key: key.description, detail: "injected write failure") }
        try await base.setData(data, for: key)
    }
}

/// Staged deletion through `SourceSynchronizer`: where the pending removals are kept, and what a
/// failed or partial write or read leaves behind.
@Suite("SourceSynchronizer: staged deletion keeps its pending removals")
struct StagedDeletionSynchronizerTests {
    static let key = StateKey("s", "pending-removals")
    static let staged = SyncSettings(outOfScope: .disableThenRemove(after: .seconds(7 * 86_400)), deletionGuard: .disabled)

    struct Fixture {
        let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        let directory: InMemoryDirectoryProvider
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        let state: any SyncStateStore
        let synchronizer: SourceSynchronizer

        init(state: any SyncStateStore = InMemorySyncStateStore()) {
            directory = InMemoryDirectoryProvider(
                users: [user("1", "a@contoso.com"), user("2", "b@contoso.com"), user("3", "c@contoso.com")],
                groups: [group("g", "Sales", users: ["1", "2", "3"])])
            self.state = state
            synchronizer = SourceSynchronizer(source: "s", provider: directory, store: store, state: state, clock: clock.syncClock)
        }

        func saved() async throws -> [PendingRemoval]? { try await state.load([PendingRemoval].self, for: StagedDeletionSynchronizerTests.key) }
        func contents() async throws -> IdentityStoreContents { try await store.base.contents() }
    }

    @Test("the pending removals are kept in the source's state; a run after the grace removes what stayed out")
    func keptAndRemoved() async throws {
        let fixture = Fixture()
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(try await fixture.saved() == nil, "nothing pending, nothing written")
        fixture.directory.removeUser(id: "2")
        let left = fixture.clock.now
        let run = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(run.plan.kinds == [.disableUser])
        let b = try #require(try await fixture.contents().user(externalID: "2"))
        #expect(try await fixture.saved() == [PendingRemoval(objectKind: .user, identityID: b.id, externalID: "2", since: left)])
        #expect(try await fixture.contents().memberEmails(of: "Sales").contains("b@contoso.com"))
        fixture.clock.advance(by: 7 * 86_400)
        let removal = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(removal.plan.kinds == [.removeUser])
        #expect(try await fixture.contents().user(externalID: "2") == nil)
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(try await fixture.saved() == nil, "the next run finds it gone and forgets it")
    }

    @Test("a run that stopped part way (the store failed) is repaired by the next, and the grace still counts from the first")
    func partialApplyRepaired() async throws {
        let fixture = Fixture()
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        fixture.directory.removeUser(id: "2")
        let left = fixture.clock.now
        fixture.store.failWrites(after: 0)
        let failed = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(!failed.report.isSuccess)
        #expect(try await fixture.contents().user(externalID: "2")?.profile.isEnabled == true, "the disable failed")
        #expect(try await fixture.saved()?.map(\.since) == [left], "kept before the apply")
        fixture.store.heal()
        fixture.clock.advance(by: 3_600)
        let repair = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(repair.plan.kinds == [.disableUser])
        #expect(repair.plan.issues(.removalPending).first?.removalPendingUntil == left.addingTimeInterval(7 * 86_400))
        fixture.clock.advance(by: 7 * 86_400 - 3_600)
        #expect(try await fixture.synchronizer.synchronize(settings: Self.staged).plan.kinds == [.removeUser])
    }

    @Test("when the pending removals cannot be written, nothing is applied")
    func failedWrite() async throws {
        let state = FailingStateStore()
        let fixture = Fixture(state: state)
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        let before = try await fixture.contents()
        fixture.directory.removeUser(id: "2")
        _ = state.failing.withLock { $0.insert("pending-removals") }
        await #expect(throws: SyncStateError.self) { try await fixture.synchronizer.synchronize(settings: Self.staged) }
        #expect(try await fixture.contents() == before)
        state.failing.withLock { $0.removeAll() }
        #expect(try await fixture.synchronizer.synchronize(settings: Self.staged).plan.kinds == [.disableUser])
    }

    @Test("an unreadable pending-removals document stops the run before it plans; removing it starts every grace afresh")
    func unreadableDocument() async throws {
        let fixture = Fixture()
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        fixture.directory.removeUser(id: "2")
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        let before = try await fixture.contents()
        try await fixture.state.setData(Data(#"{"formatVersion":2,"value":[{"objectKind":"user""#.utf8), for: Self.key)
        fixture.clock.advance(by: 30 * 86_400)
        let error = await #expect(throws: SyncStateError.self) { try await fixture.synchronizer.synchronize(settings: Self.staged) }
        #expect(error?.code == .unreadable)
        #expect(try await fixture.contents() == before, "a month later, and still nothing removed")
        try await fixture.state.remove(Self.key)
        let restarted = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(restarted.plan.isEmpty)
        #expect(try await fixture.saved()?.map(\.since) == [fixture.clock.now])
    }

    @Test("a run the guard stops keeps no pending removal; a confirmed one does")
    func guardStops() async throws {
        let fixture = Fixture()
        var settings = Self.staged
        settings.deletionGuard = DeletionGuard(users: .init(maximumCount: 0, maximumPercentage: nil))
        _ = try await fixture.synchronizer.synchronize(settings: settings)
        fixture.directory.removeUser(id: "2")
        await #expect(throws: SyncExecutionError.self) { try await fixture.synchronizer.synchronize(settings: settings) }
        #expect(try await fixture.saved() == nil)
        _ = try await fixture.synchronizer.synchronize(settings: settings, allowExceedingDeletionGuard: true)
        #expect(try await fixture.saved()?.count == 1)
    }

    @Test("under another policy the document is removed, so a later switch back starts a new grace")
    func otherPolicyForgets() async throws {
        let fixture = Fixture()
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        fixture.directory.removeUser(id: "2")
        _ = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(try await fixture.saved()?.count == 1)
        var never = Self.staged
        never.outOfScope = .never
        fixture.clock.advance(by: 10 * 86_400)
        #expect(try await fixture.synchronizer.synchronize(settings: never).plan.isEmpty)
        #expect(try await fixture.saved() == nil)
        fixture.clock.advance(by: 86_400)
        let back = try await fixture.synchronizer.synchronize(settings: Self.staged)
        #expect(back.plan.isEmpty, "pending again from now, not removed at once")
        #expect(try await fixture.saved()?.map(\.since) == [fixture.clock.now])
    }
}
