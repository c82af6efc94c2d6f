import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Secret expiry: the Entra connection test, status and the service's events count days alike, at one setting's lead times")
struct SecretExpiryLeadTimeTests {
    static let day: TimeInterval = 86_400

    /// A service over the emulated tenant whose connector warns at `leadTimes`, with the source's
    /// credentials saved to expire `left` seconds from now.
    func service(_ harness: GraphHarness, leadTimes: [Int]? = nil, left: TimeInterval) async throws -> (DirectoryService, SourceID) {
        var configuration = harness.configuration()
        if let leadTimes { configuration.secretExpiryLeadTimes = leadTimes }
        let connector = GraphDirectoryConnector(configuration: .init(provider: configuration, transport: EmulatorTransport(harness.emulator)))
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector, clock: harness.clock.syncClock)
        let source = try await service.addSource(name: "Contoso", domain: harness.credentials.domain)
        var credentials = SourceCredentials(
            clientID: harness.credentials.clientID, tenant: harness.credentials.domain, loginURL: harness.endpoints.login, graphURL: harness.endpoints.graph)
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(left)
        try await service.setCredentials(source.id, credentials, secret: harness.secret)
        return (service, source.id)
    }

    @Test("half a day left is 1 day and exactly 30 days is within the lead time of 30, for the connection test and for status alike", arguments: [
        (Self.day / 2, 1), (30 * Self.day, 30), (7 * Self.day + 3_600, 7),
    ])
    func sameDays(left: TimeInterval, days: Int) async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        let (service, id) = try await service(harness, left: left)
        let result = try await service.testConnection(id)
        #expect(result.isSuccessful)
        let input = try #require(result.steps.first { $0.name == .input })
        #expect(input.status == .warning, "\(input)")
        #expect(input.detail.contains("expires in \(days) day\(days == 1 ? "" : "s") —"), "\(input.detail)")
        #expect(try await service.status(id).warnings.contains(.secretExpiring(days: days)))
    }

    @Test("the provider configuration's lead times are the connector's, and so the service's: no warning anywhere before them, one everywhere at them")
    func oneSetting() async throws {
        #expect(GraphDirectoryProvider.Configuration().secretExpiryLeadTimes == SourceCredentials.SecretExpiry.defaultLeadTimes)
        #expect(GraphDirectoryConnector().secretExpiryLeadTimes == [30, 7, 1])
        let harness = GraphHarness(users: 5, groups: 1)
        let (service, id) = try await service(harness, leadTimes: [10], left: 20 * Self.day + 60)
        let events = service.events(includingOperations: false)
        let early = try await service.testConnection(id)
        #expect(early.steps.first { $0.name == .input }?.status == .passed)
        #expect(!(try await service.status(id).warnings.contains { $0.code == "secretExpiring" }))
        _ = await service.runDueSynchronizations()

        harness.clock.advance(by: 10 * Self.day)
        let late = try await service.testConnection(id)
        #expect(late.steps.first { $0.name == .input }?.status == .warning)
        #expect(try await service.status(id).warnings.contains(.secretExpiring(days: 10)))
        _ = await service.runDueSynchronizations()
        // The source was never turned on: the only warnings are the announcements.
        var announced: [Int] = []
        for await event in events {
            if case .warning(id, .secretExpiring(let days)) = event { announced.append(days) }
            if !announced.isEmpty { break }
        }
        #expect(announced == [10], "nothing at 20 days, 10 at 10 days")
    }
}
