import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

/// A state store whose change-tracking writes fail on demand (a full disk, a read-only folder).
actor TrackingWritesFail: SyncStateStore {
    private let base = InMemorySyncStateStore()
    private var failing = false

    func fail() { failing = true }

    func data(for key: StateKey) async throws -> Data? { try await base.data(for: key) }

    func setData(_ data: Data?, for key: StateKey) async throws {
        if failing, ["mirror", "tracking"].contains(key.name) { throw SyncStateError.unwritable(key: key.description, detail: "injected: the disk is full") }
        try await base.setData(data, for: key)
    }
}

@Suite("Run reports when committing change tracking fails")
struct RunReportCommitTests {
    @Test("writes applied before a failed commit are reported as applied, not as never attempted")
    func appliedThenCommitFails() async throws {
        let graph = GraphHarness(users: 20, groups: 2)
        let state = TrackingWritesFail()
        let (service, store, source, credentials) = try await graph.service(state: state)
        try await service.setCredentials(source.id, credentials, secret: Secret(graph.credentials.clientSecret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        #expect(try await service.synchronize(source.id).isSuccess)

        let user = try #require(graph.emulator.users(tenant: graph.credentials.tenantID).first)
        graph.emulator.modifyUser(id: user.id, tenant: graph.credentials.tenantID) { $0.displayName = "Renamed Before The Disk Filled" }
        await state.fail()
        let run = try await service.synchronize(source.id)
        guard case .failed(let message) = run.outcome else { Issue.record("\(run.outcome)"); return }
        #expect(message.contains("disk is full"))
        #expect(try await store.contents().users.contains { $0.profile.name == "Renamed Before The Disk Filled" })
        let records = try await service.report(source.id, run: run.id).records
        let update = try #require(records.first { $0.record.action == .update })
        #expect(update.outcome == .applied)
        #expect(records.allSatisfy { $0.outcome != .notAttempted })
        #expect(run.succeeded == records.count { $0.outcome == .applied }, "the history counts what was applied")
    }
}
