@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: a forced full read, forgetting the change tracking, and a kept preview that settings changes discard")
struct DirectoryServiceFullReadTests {
    static func user(_ id: String, _ email: String) -> DirectoryUser {
        DirectoryUser(id: id, userPrincipalName: email, displayName: id, mail: email)
    }

    @Test("forceFullRead reads everything (reason requested), applies the changes, and tracking goes on from it")
    func forcedFullRead() async throws {
        let fixture = try await ExplainFixture(users: [Self.user("u1", "a@contoso.com"), Self.user("u2", "b@contoso.com")])
        #expect(try await fixture.service.synchronize(fixture.id).readKind == .full(.firstRun))
        fixture.directory.upsert(Self.user("u3", "c@contoso.com"))
        let forced = try await fixture.service.synchronize(fixture.id, forceFullRead: true)
        #expect(forced.readKind == .full(.requested))
        #expect(forced.outcome == .succeeded && forced.summary.operations[.createUser] == 1)
        let next = try await fixture.service.synchronize(fixture.id)
        #expect(next.readKind == .incremental(changes: 0), "the forced read was committed: tracking continues from it")
    }

    @Test("resetTracking forgets the cursor and the mirror: the next run reads everything, and the store is untouched")
    func resetTracking() async throws {
        let fixture = try await ExplainFixture(users: [Self.user("u1", "a@contoso.com")])
        _ = try await fixture.service.synchronize(fixture.id)
        #expect(try await fixture.tracking != nil)
        let before = StoreFingerprint(try await fixture.store.contents())
        try await fixture.service.resetTracking(fixture.id)
        #expect(try await fixture.tracking == nil)
        #expect(try await fixture.state.data(for: StateKey(fixture.id, "mirror")) == nil)
        #expect(StoreFingerprint(try await fixture.store.contents()) == before)
        let next = try await fixture.service.synchronize(fixture.id)
        #expect(next.readKind == .full(.firstRun))
        #expect(next.summary.operations.isEmpty, "everything read again, nothing to change")
        #expect(try await fixture.service.synchronize(fixture.id).readKind == .incremental(changes: 0))
    }

    @Test("while a run is going: resetTracking is refused; a forced full read waits for it and then runs its own")
    func whileRunning() async throws {
        let harness = try await ServiceHarness(users: 10)
        let source = try await harness.readySource()
        let gate = Gate()
        harness.gate.withLock { $0 = gate }
        let running = Task { try await harness.service.synchronize(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        let refused = await #expect(throws: DirectoryServiceError.self) { try await harness.service.resetTracking(source.id) }
        #expect(refused?.code == .synchronizationRunning)
        #expect(refused?.fix.contains("Wait for it to finish") == true)
        let joined = Task { try await harness.service.synchronize(source.id) }
        let forced = Task { try await harness.service.synchronize(source.id, forceFullRead: true) }
        // Both requests reach the service while the first run waits at the gate.
        try await waitUntil("both requests wait for the running run") { await harness.service.requestsWaitingForRun[source.id] == 2 }
        gate.open()
        let first = try await running.value
        #expect(try await joined.value == first, "a plain request joins the running run")
        let own = try await forced.value
        #expect(own.id != first.id, "a forced full read never joins it")
        #expect(own.readKind?.isFull == true)
        try await harness.service.resetTracking(source.id)
    }

    @Test("a kept preview stays while the settings stay, and is discarded when they change")
    func previewDiscardedBySettings() async throws {
        let harness = try await ServiceHarness(users: 10)
        let source = try await harness.readySource()
        try await harness.service.turnOff(source.id)
        _ = try await harness.service.preview(source.id)
        let settings = try await harness.service.source(source.id).settings
        try await harness.service.setSettings(source.id, settings)
        #expect(try await harness.service.storedPreview(source.id) != nil, "the same settings keep it")
        var changed = settings
        changed.missingEmail = .skip
        try await harness.service.setSettings(source.id, changed)
        #expect(try await harness.service.storedPreview(source.id) == nil, "it was planned with other settings")
    }
}
