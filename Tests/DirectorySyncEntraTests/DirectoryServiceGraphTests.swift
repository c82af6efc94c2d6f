import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService over the Graph emulator")
struct DirectoryServiceGraphTests {
    @Test("the seed workflow: add, test wrong and right secrets, filter, schedule, on, sync (full then incremental), status, off, preview")
    func workflow() async throws {
        let graph = GraphHarness(users: 120, groups: 10)
        let (service, store, source, credentials) = try await graph.service()

        let wrong = await service.testConnection(domain: source.domain, credentials: credentials, secret: Secret("not-the-secret"))
        #expect(wrong.errorCode == "wrongSecret")
        #expect(!wrong.description.contains("not-the-secret"))
        try await service.setCredentials(source.id, credentials, secret: Secret(graph.credentials.clientSecret))
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.setSchedule(source.id, try SyncSchedule.daily(at: LocalTime(hour: 3), timeZone: "Europe/Oslo"))
        try await service.turnOn(source.id)

        let first = try await service.synchronize(source.id)
        #expect(first.outcome == .succeeded)
        #expect(first.readKind == .full(.firstRun))
        #expect(first.usersSynchronized == 120)
        let user = try #require(graph.emulator.users(tenant: graph.credentials.tenantID).first)
        graph.emulator.modifyUser(id: user.id, tenant: graph.credentials.tenantID) { $0.displayName = "Changed Name" }
        let second = try await service.synchronize(source.id)
        #expect(second.readKind == .incremental(changes: 1))
        #expect(second.succeeded == 1)
        let status = try await service.status(source.id)
        #expect(status.type == "Microsoft Entra ID")
        #expect(status.nextRun != nil)

        try await service.turnOff(source.id)
        try await service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")))
        let preview = try await service.preview(source.id)
        #expect(preview.summary[.remove, default: 0] > 0)
        #expect(try await store.contents().users.count == 120, "a preview changes nothing")
    }
}
