import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: secret-expiry warnings are events, once per lead time, across restarts")
struct DirectoryServiceSecretExpiryTests {
    static let day: TimeInterval = 86_400

    /// The `secretExpiring` days announced for `id` since the log was opened (a run ends the wait).
    func announced(_ id: SourceID, _ log: EventLog, _ service: DirectoryService) async throws -> [Int] {
        _ = try await service.synchronize(id)
        return await log.untilRunFinished(id).compactMap { event in
            if case .warning(id, .secretExpiring(let days)) = event { return days }
            return nil
        }
    }

    @Test("each lead time (30, 7, 1 days) is announced once when reached, and the expiry once when it passes")
    func leadTimes() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(40 * Self.day))
        let log = EventLog(harness.service)
        for _ in 0..<44 {
            _ = await harness.service.runDueSynchronizations()
            _ = await harness.service.runDueSynchronizations()
            harness.clock.advance(by: Self.day)
        }
        #expect(try await announced(source.id, log, harness.service) == [30, 7, 1, 0])
    }

    @Test("a check that finds several lead times passed announces the nearest only")
    func skipped() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(5 * Self.day + 60))
        let log = EventLog(harness.service)
        _ = await harness.service.runDueSynchronizations()
        harness.clock.advance(by: 3 * Self.day)
        _ = await harness.service.runDueSynchronizations()
        harness.clock.advance(by: 10 * Self.day)
        _ = await harness.service.runDueSynchronizations()
        // 30 and 7 at the first check (5 days left), nothing at 2 days left, 1 and the expiry at the last.
        #expect(try await announced(source.id, log, harness.service) == [5, -8])
    }

    @Test("announcements survive a restart; a new expiry date starts them again")
    func restartAndNewDate() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(20 * Self.day))
        let log = EventLog(harness.service)
        _ = await harness.service.runDueSynchronizations()
        #expect(try await announced(source.id, log, harness.service) == [20])

        let reopened = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector, clock: harness.clock.syncClock)
        let again = EventLog(reopened)
        _ = await reopened.runDueSynchronizations()
        harness.clock.advance(by: 5 * Self.day)
        _ = await reopened.runDueSynchronizations()
        #expect(try await announced(source.id, again, reopened).isEmpty, "30 days was announced before the restart")
        harness.clock.advance(by: 9 * Self.day)
        _ = await reopened.runDueSynchronizations()
        #expect(try await announced(source.id, again, reopened) == [6])

        // A new secret with a new date: its lead times are announced afresh.
        try await reopened.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(25 * Self.day))
        _ = await reopened.runDueSynchronizations()
        #expect(try await announced(source.id, again, reopened) == [25])
    }

    @Test("status counts half a day left as one day, not as expired")
    func halfADay() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(Self.day / 2))
        #expect(try await harness.service.status(source.id).warnings.contains(.secretExpiring(days: 1)))
        harness.clock.advance(by: Self.day / 2 + 3_600)
        let expired = try await harness.service.status(source.id).warnings.first { $0.code == "secretExpiring" }
        guard case .secretExpiring(let days) = expired else { Issue.record("no warning"); return }
        #expect(days <= 0)
    }

    @Test("the credentials' expiry, status and the events count days alike: half a day left is 1 day, exactly 30 days is within the lead time of 30",
        arguments: [(Self.day / 2, 1), (30 * Self.day, 30), (7 * Self.day + 60, 7)])
    func sameDays(left: TimeInterval, days: Int) async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(left))
        let credentials = try #require(try await harness.service.source(source.id).credentials)
        #expect(credentials.secretExpiry(now: harness.clock.now) == .expiresSoon(daysLeft: days))
        #expect(try await harness.service.status(source.id).warnings.contains(.secretExpiring(days: days)))
        let log = EventLog(harness.service)
        _ = await harness.service.runDueSynchronizations()
        #expect(try await announced(source.id, log, harness.service) == [days])
    }

    @Test("a plain synchronization announces a lead time reached — a host that runs only sync (from cron) hears of it — once, and saves it")
    func synchronizeAnnounces() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(10 * Self.day))
        let log = EventLog(harness.service)
        #expect(try await announced(source.id, log, harness.service) == [10])
        #expect(try await announced(source.id, log, harness.service).isEmpty, "once")
        let reopened = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector, clock: harness.clock.syncClock)
        let again = EventLog(reopened)
        _ = await reopened.runDueSynchronizations()
        #expect(try await announced(source.id, again, reopened).isEmpty, "saved with the source: a restart does not repeat it")
    }

    @Test("one setting: the connector's lead times drive status and events alike (30, 7 and 1 days unless it says otherwise)")
    func connectorLeadTimes() async throws {
        #expect(SourceCredentials.SecretExpiry.defaultLeadTimes == [30, 7, 1])
        #expect(InMemoryDirectoryConnector().secretExpiryLeadTimes == [30, 7, 1])
        let harness = try await ServiceHarness()
        let service = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: harness.secrets, connector: LeadTimesConnector(base: harness.connector, leadTimes: [10]),
            clock: harness.clock.syncClock)
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        var credentials = harness.credentials("contoso.com")
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(20 * Self.day + 60)
        try await service.setCredentials(source.id, credentials, secret: Secret(ServiceHarness.secret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        let log = EventLog(service)
        _ = await service.runDueSynchronizations()
        #expect(!(try await service.status(source.id).warnings.contains { $0.code == "secretExpiring" }), "20 days: not within 10")
        #expect(try await announced(source.id, log, service).isEmpty)
        harness.clock.advance(by: 10 * Self.day)
        #expect(try await service.status(source.id).warnings.contains(.secretExpiring(days: 10)))
        #expect(try await announced(source.id, log, service) == [10])
    }
}

/// A connector that warns of a secret's expiry at other lead times.
struct LeadTimesConnector: DirectoryConnector {
    let base: InMemoryDirectoryConnector
    let leadTimes: [Int]
    var sourceType: String { base.sourceType }
    var secretExpiryLeadTimes: [Int] { leadTimes }
    func provider(for connection: SourceConnection) throws -> any DirectoryProvider { try base.provider(for: connection) }
    func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult { await base.testConnection(connection) }
}
