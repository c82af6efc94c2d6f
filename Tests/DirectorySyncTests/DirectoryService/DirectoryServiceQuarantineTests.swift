import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: quarantine and backoff")
struct DirectoryServiceQuarantineTests {
    static let hour: TimeInterval = 3_600

    /// Moves the clock to `date` and runs what is due.
    func runDue(at date: Date, _ fixture: FaultyServiceHarness) async -> [RunRecord] {
        fixture.clock.advance(by: date.timeIntervalSince(fixture.clock.now))
        return await fixture.service.runDueSynchronizations()
    }

    @Test("three scheduled runs that fail in a row quarantine the source; status says since when, why and the next attempt")
    func quarantineAfterThreeFailures() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        let events = EventLog(fixture.service)
        fixture.connector.fail(with: Outage())
        for failures in 1...2 {
            let runs = await runDue(at: fixture.clock.now.addingTimeInterval(Self.hour), fixture)
            #expect(runs.count == 1)
            #expect(runs.first?.isSuccess == false)
            let status = try await fixture.service.status(source.id)
            #expect(status.source.state == .error, "not yet: \(failures) failure(s)")
            #expect(status.consecutiveFailures == failures)
            #expect(status.quarantine == nil)
            _ = await events.untilRunFinished(source.id)
        }
        let third = await runDue(at: fixture.clock.now.addingTimeInterval(Self.hour), fixture)
        #expect(third.count == 1)
        let failedAt = fixture.clock.now
        let status = try await fixture.service.status(source.id)
        #expect(status.source.state == .quarantined)
        let quarantine = try #require(status.quarantine)
        #expect(quarantine.since == failedAt)
        #expect(quarantine.consecutiveFailures == 3)
        #expect(quarantine.failedAttempts == 0)
        #expect(quarantine.reason.contains("the directory could not be reached"))
        #expect(quarantine.errorCode == nil, "an outage has no code")
        #expect(quarantine.nextAttempt == failedAt.addingTimeInterval(Self.hour), "one hour of backoff")
        #expect(status.nextRun == quarantine.nextAttempt)
        #expect(try await fixture.service.source(source.id).quarantine == quarantine, "kept with the source")
        let seen = await events.untilRunFinished(source.id)
        #expect(seen.contains(.quarantined(source.id, quarantine)))
        #expect(seen.contains(.stateChanged(source.id, from: .synchronizing, to: .quarantined)))
        #expect(seen.contains { if case .warning(source.id, .lastRunFailed) = $0 { true } else { false } }, "a failed run is still announced")
    }

    @Test("in quarantine, scheduled attempts back off 1 h, 2 h, 4 h, 8 h, 16 h, then every 24 h, even when the schedule is due sooner")
    func backoff() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        fixture.connector.fail(with: Outage())
        for _ in 1...3 { _ = await runDue(at: fixture.clock.now.addingTimeInterval(Self.hour), fixture) }
        var expectedDelays: [Double] = [1, 2, 4, 8, 16, 24, 24, 24]
        var failedAt = fixture.clock.now
        var delays: [Double] = []
        while !expectedDelays.isEmpty {
            let quarantine = try #require(try await fixture.service.source(source.id).quarantine)
            let next = try #require(quarantine.nextAttempt)
            delays.append(next.timeIntervalSince(failedAt) / Self.hour)
            // The hourly schedule is due every hour; the backoff holds the attempt back until it ends.
            #expect(await runDue(at: next.addingTimeInterval(-1), fixture).isEmpty, "no attempt before the backoff ends")
            #expect(await runDue(at: next, fixture).count == 1, "one attempt when it ends")
            failedAt = fixture.clock.now
            expectedDelays.removeFirst()
        }
        #expect(delays == [1, 2, 4, 8, 16, 24, 24, 24])
        let quarantine = try #require(try await fixture.service.source(source.id).quarantine)
        #expect(quarantine.failedAttempts == 8)
        #expect(quarantine.consecutiveFailures == 11)
        #expect(try await fixture.service.history(source.id).filter { $0.trigger == .scheduled }.count == 11)
    }

    @Test("the backoff never makes a quarantined source run more often than its schedule")
    func backoffKeepsTheSchedule() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource(schedule: try SyncSchedule.daily(at: LocalTime(hour: 3), timeZone: "UTC"))
        fixture.connector.fail(with: DirectoryAccessError(code: .revoked, detail: "consent for the application was revoked"))
        let next = try #require(try await fixture.service.status(source.id).nextRun)
        #expect(await runDue(at: next, fixture).count == 1)
        let quarantine = try #require(try await fixture.service.source(source.id).quarantine)
        #expect(quarantine.nextAttempt == next.addingTimeInterval(24 * Self.hour), "the next daily run, not one hour later")
    }

    @Test("the policy is configurable: failed runs before quarantine, first and longest delay")
    func configurable() async throws {
        let policy = DirectoryService.Configuration.Quarantine(failedRuns: 1, firstDelay: .seconds(600), longestDelay: .seconds(1_800))
        #expect((0...4).map { policy.delay(afterFailedAttempts: $0) } == [.seconds(600), .seconds(1_200), .seconds(1_800), .seconds(1_800), .seconds(1_800)])
        #expect(DirectoryService.Configuration.Quarantine(failedRuns: 0).failedRuns == 1, "at least one")
        #expect(DirectoryService.Configuration.Quarantine().delay(afterFailedAttempts: 1_000) == .seconds(86_400), "no overflow, capped at 24 h")
        let fixture = try await FaultyServiceHarness(configuration: .init(quarantine: policy))
        let source = try await fixture.readySource(schedule: try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        fixture.connector.fail(with: Outage())
        _ = await runDue(at: fixture.clock.now.addingTimeInterval(Self.hour), fixture)
        let quarantine = try #require(try await fixture.service.source(source.id).quarantine, "one failure is enough")
        let schedule = try await fixture.service.source(source.id).schedule
        let slot = try #require(CalendarScheduleCalculator().nextRun(of: schedule, after: fixture.clock.now))
        #expect(slot > fixture.clock.now.addingTimeInterval(600))
        #expect(quarantine.nextAttempt == slot, "ten minutes of backoff, but not before the next hourly run")
    }

    @Test("an error that cannot heal by itself quarantines at once — also when it is underneath another — and its code is kept", arguments: [true, false])
    func lastingFailure(wrapped: Bool) async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        let revoked = DirectoryAccessError(code: .revoked, detail: "consent for the application was revoked")
        fixture.connector.fail(with: wrapped ? WrappingError(cause: revoked) : revoked)
        let events = EventLog(fixture.service)
        let record = try await fixture.service.synchronize(source.id)
        #expect(!record.isSuccess)
        let quarantine = try #require(try await fixture.service.source(source.id).quarantine)
        #expect(try await fixture.service.source(source.id).state == .quarantined)
        #expect(quarantine.consecutiveFailures == 1)
        #expect(quarantine.errorCode == "consentRevoked")
        #expect(quarantine.reason.contains(wrapped ? "the read failed" : "consent for the application was revoked"))
        #expect(await events.untilRunFinished(source.id).contains(.quarantined(source.id, quarantine)))
    }

    @Test("an error of the one shape that heals (busy) counts like any other failure")
    func healingFailure() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        fixture.connector.fail(with: DirectoryAccessError(code: .busy, detail: "the directory is busy"))
        _ = try await fixture.service.synchronize(source.id)
        #expect(try await fixture.service.source(source.id).state == .error)
        #expect(try await fixture.service.source(source.id).quarantine == nil)
    }

    @Test("a scheduled run that cannot even start (its secret is gone) is recorded as failed and quarantines the source")
    func unstartableScheduledRun() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        // A new service, so nothing is cached: the secret store lost the secret.
        try await fixture.harness.secrets.setSecret(nil, for: source.secretKey)
        let service = try await FaultyServiceHarness.open(fixture.harness, fixture.connector, .init())
        fixture.clock.advance(by: Self.hour)
        let runs = await service.runDueSynchronizations()
        #expect(runs.count == 1)
        guard case .failed(let message) = runs.first?.outcome else { Issue.record("not failed: \(runs)"); return }
        #expect(message.contains("missingSecret"))
        let quarantine = try #require(try await service.source(source.id).quarantine)
        #expect(quarantine.errorCode == "missingSecret")
        #expect(try await service.history(source.id).count == 1)
    }

    @Test("released by a manual synchronization (which tries at once), a credential change, a filter, settings or schedule change, or a run that succeeds",
        arguments: ["manual", "credentials", "filter", "settings", "schedule", "success"])
    func release(by action: String) async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        fixture.connector.fail(with: DirectoryAccessError(code: .revoked, detail: "consent for the application was revoked"))
        _ = try await fixture.service.synchronize(source.id)
        #expect(try await fixture.service.source(source.id).state == .quarantined)
        fixture.connector.fail(with: nil)
        let events = EventLog(fixture.service)
        switch action {
        case "manual":
            let record = try await fixture.service.synchronize(source.id)
            #expect(record.trigger == .manual && record.isSuccess)
        case "credentials":
            try await fixture.service.setCredentials(source.id, fixture.harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        case "filter":
            try await fixture.service.setFilter(source.id, .all)
        case "settings":
            try await fixture.service.setSettings(source.id, SyncSettings())
        case "schedule":
            try await fixture.service.setSchedule(source.id, try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        default:
            let next = try #require(try await fixture.service.status(source.id).nextRun)
            let runs = await runDue(at: next, fixture)
            #expect(runs.first?.trigger == .scheduled && runs.first?.isSuccess == true)
        }
        let after = try await fixture.service.source(source.id)
        #expect(after.state == .on)
        #expect(after.quarantine == nil)
        #expect(after.consecutiveFailures == 0)
        // The run afterwards ends the event log's wait (the release came before it).
        _ = try await fixture.service.synchronize(source.id)
        let seen = await events.untilRunFinished(source.id)
        #expect(seen.filter { $0 == .released(source.id) }.count == 1)
        #expect(try await fixture.service.status(source.id).nextRun != nil, "back on its schedule")
    }

    @Test("a manual synchronization that fails again puts the source back at once; one that fails for an outage counts afresh")
    func manualRunAfterRelease() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        fixture.connector.fail(with: Outage())
        for _ in 1...3 { _ = try await fixture.service.synchronize(source.id) }
        #expect(try await fixture.service.source(source.id).state == .quarantined)
        _ = try await fixture.service.synchronize(source.id)
        #expect(try await fixture.service.source(source.id).state == .error, "released, then the first failure of a new count")
        #expect(try await fixture.service.source(source.id).consecutiveFailures == 1)
    }

    @Test("turning a quarantined source off ends the quarantine; on-demand runs neither count nor release")
    func offAndOnDemand() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        _ = try await fixture.service.synchronize(source.id)
        fixture.connector.fail(with: DirectoryAccessError(code: .revoked, detail: "consent for the application was revoked"))
        _ = try await fixture.service.synchronize(source.id)
        let quarantine = try #require(try await fixture.service.source(source.id).quarantine)
        fixture.connector.fail(with: nil)
        let user = try #require(try await fixture.harness.store.contents().users.first { $0.origin.sourceID == source.id })
        _ = try await fixture.service.synchronize(source.id, user: user.origin.externalID ?? "")
        #expect(try await fixture.service.source(source.id).quarantine == quarantine, "one user says nothing about the source")
        #expect(try await fixture.service.source(source.id).state == .quarantined)
        try await fixture.service.turnOff(source.id)
        let off = try await fixture.service.source(source.id)
        #expect(off.state == .off && off.quarantine == nil && off.consecutiveFailures == 0)
    }

    @Test("a run that started before the credentials were replaced and fails with the old ones does not count: no quarantine after the fix")
    func failureWithReplacedCredentials() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        let gate = Gate()
        fixture.connector.readGate.withLock { $0 = gate }
        let events = EventLog(fixture.service)
        let running = Task { try await fixture.service.synchronize(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        // The old secret expired: the run in progress will fail with it. The administrator saves a new one.
        let rotated = "N3w~Rotated.Secret-value"
        fixture.harness.connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: rotated, domains: ["contoso.com"],
            directory: try #require(fixture.harness.directories["contoso.com"]))
        try await fixture.service.setCredentials(source.id, fixture.harness.credentials("contoso.com"), secret: Secret(rotated))
        fixture.connector.fail(with: DirectoryAccessError(code: .revoked, detail: "the client secret expired"))
        gate.open()
        let record = try await running.value
        #expect(!record.isSuccess, "the run failed with the old secret")
        let after = try await fixture.service.source(source.id)
        #expect(after.quarantine == nil, "fixed meanwhile: not quarantined")
        #expect(after.consecutiveFailures == 0, "the failure of the replaced credentials is not counted")
        #expect(after.state == .error)
        let seen = await events.untilRunFinished(source.id)
        #expect(!seen.contains { if case .quarantined = $0 { true } else { false } }, "no quarantined event")
        #expect(seen.contains { if case .warning(source.id, .lastRunFailed) = $0 { true } else { false } }, "the failed run is still announced")
        // The next run uses the new credentials and counts as usual.
        fixture.connector.fail(with: nil)
        fixture.connector.readGate.withLock { $0 = nil }
        #expect(try await fixture.service.synchronize(source.id).isSuccess)
    }

    @Test("a run on demand of a quarantined source ends on, not quarantined, when the quarantine was released while it ran")
    func releasedDuringOnDemandRun() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        _ = try await fixture.service.synchronize(source.id)
        fixture.connector.fail(with: DirectoryAccessError(code: .revoked, detail: "consent for the application was revoked"))
        _ = try await fixture.service.synchronize(source.id)
        #expect(try await fixture.service.source(source.id).state == .quarantined)
        fixture.connector.fail(with: nil)
        let gate = Gate()
        fixture.connector.readGate.withLock { $0 = gate }
        let user = try #require(try await fixture.harness.store.contents().users.first { $0.origin.sourceID == source.id })
        let running = Task { try await fixture.service.synchronize(source.id, user: user.origin.externalID ?? "") }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        try await fixture.service.setSchedule(source.id, try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        gate.open()
        _ = try await running.value
        let after = try await fixture.service.source(source.id)
        #expect(after.quarantine == nil)
        #expect(after.state == .on, "released meanwhile: \(after.state) without a quarantine")
    }

    @Test("a quarantine survives a restart, also one that stopped in the middle of an attempt")
    func restart() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        fixture.connector.fail(with: DirectoryAccessError(code: .revoked, detail: "consent for the application was revoked"))
        _ = try await fixture.service.synchronize(source.id)
        let saved = try await fixture.service.source(source.id)
        let reopened = try await FaultyServiceHarness.open(fixture.harness, fixture.connector, .init())
        #expect(try await reopened.source(source.id) == saved)
        #expect(try await reopened.status(source.id).nextRun == saved.quarantine?.nextAttempt)
        // A process that stopped while an attempt ran left the source `synchronizing`.
        var interrupted = saved
        interrupted.state = .synchronizing
        try await fixture.harness.state.save([interrupted], for: .service("sources"))
        let again = try await FaultyServiceHarness.open(fixture.harness, fixture.connector, .init())
        #expect(try await again.source(source.id).state == .quarantined)
    }

    @Test("sources saved before quarantine existed decode with none: the new fields are left out of JSON when empty")
    func compatibility() throws {
        var fresh = Source(id: "contoso", name: "Contoso", domain: "contoso.com")
        let saved = try JSONEncoder().encode(fresh)
        let text = String(decoding: saved, as: UTF8.self)
        for key in ["quarantine", "failureStreak", "secretGeneration", "secretExpiryNotice"] { #expect(!text.contains(key), "\(key) in \(text)") }
        let old = try JSONDecoder().decode(Source.self, from: saved)
        #expect(old.quarantine == nil && old.consecutiveFailures == 0 && old.secretKey == .clientSecret("contoso"))
        fresh.consecutiveFailures = 2
        fresh.quarantine = SourceQuarantine(since: Date(timeIntervalSince1970: 0), reason: "r", errorCode: "wrongSecret", consecutiveFailures: 2)
        let back = try JSONDecoder().decode(Source.self, from: try JSONEncoder().encode(fresh))
        #expect(back == fresh)
        #expect(back.consecutiveFailures == 2)
    }
}
