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
}
