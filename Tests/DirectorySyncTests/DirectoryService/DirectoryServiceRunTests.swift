@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: synchronizing, states, previews, history")
struct DirectoryServiceRunTests {
    @Test("synchronize: state goes on → synchronizing → on; history, status and counts follow; events tell the host")
    func synchronize() async throws {
        let harness = try await ServiceHarness()
        let events = harness.service.events()
        let quiet = harness.service.events(includingOperations: false)
        let source = try await harness.readySource()
        let run = try await harness.service.synchronize(source.id)
        #expect(run.outcome == .succeeded)
        #expect(run.readKind == .full(.notTracked))
        #expect(run.usersSynchronized == 40)
        #expect(try await harness.service.source(source.id).state == .on)
        let status = try await harness.service.status(source.id)
        #expect(status.lastRun == run)
        #expect(status.usersSynchronized == 40)
        #expect(status.type == "In-memory directory")
        #expect(try await harness.service.history(source.id) == [run])

        var seen: [ServiceEvent] = []
        for await event in events {
            seen.append(event)
            if case .runFinished = event { break }
        }
        #expect(seen.contains(.stateChanged(source.id, from: .on, to: .synchronizing)))
        #expect(seen.contains(.runStarted(source.id, .manual)))
        #expect(seen.contains { if case .progress(_, .started) = $0 { true } else { false } })
        #expect(seen.last == .runFinished(source.id, run))
        // Every finished operation reaches the host, with its outcome, once.
        let finished = seen.compactMap { event -> SyncOperationResult? in
            if case .progress(_, .operationFinished(let result, _, _)) = event { return result }
            return nil
        }
        #expect(finished.count == run.summary.operations.values.reduce(0, +))
        #expect(finished.count == run.succeeded + run.failed)
        #expect(Set(finished.map(\.operation)).count == finished.count)
        // A stream opened without them gets the same run, without the operations.
        var quietlySeen: [ServiceEvent] = []
        for await event in quiet {
            quietlySeen.append(event)
            if case .runFinished = event { break }
        }
        #expect(quietlySeen == seen.filter { if case .progress(_, .operationFinished) = $0 { false } else { true } })
    }

    @Test("a source that is off cannot synchronize; a second request joins the running run instead of starting another")
    func oneRunAtATime() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        await expectCode(.sourceIsOff) { _ = try await harness.service.synchronize(source.id) }
        _ = try await harness.service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        _ = try await harness.service.testConnection(source.id)
        try await harness.service.turnOn(source.id)

        let gate = Gate()
        harness.gate.withLock { $0 = gate }
        let directory = try #require(harness.directories["contoso.com"])
        let first = Task { try await harness.service.synchronize(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        #expect(try await harness.service.source(source.id).state == .synchronizing)
        let second = Task { try await harness.service.synchronize(source.id, trigger: .scheduled) }
        // Give the second request time to arrive while the first is held at the gate.
        for _ in 0..<500 { await Task.yield() }
        gate.open()
        let (a, b) = (try await first.value, try await second.value)
        #expect(a.id == b.id)
        #expect(directory.readCount == 1)
        #expect(try await harness.service.history(source.id).count == 1)
    }

    @Test("turning off waits for a running synchronization, or cancels it")
    func turnOff() async throws {
        for cancel in [false, true] {
            let harness = try await ServiceHarness(users: 300)
            let source = try await harness.readySource()
            let gate = Gate()
            harness.gate.withLock { $0 = gate }
            let run = Task { try await harness.service.synchronize(source.id) }
            while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
            let off = Task { try await harness.service.turnOff(source.id, running: cancel ? .cancel : .wait) }
            while await !harness.service.stopping.contains(source.id) { try? await Task.sleep(for: .milliseconds(2)) }
            await expectCode(.sourceIsOff) { _ = try await harness.service.synchronize(source.id) }
            gate.open()
            try await off.value
            let record = try await run.value
            #expect(record.outcome == (cancel ? .cancelled : .succeeded), "cancel: \(cancel)")
            #expect(try await harness.service.source(source.id).state == .off)
            if cancel { #expect(record.succeeded < 300) }
        }
    }

    @Test("an over-threshold plan needs confirmation: nothing applied, scheduled runs wait, confirming applies, a filter change clears it")
    func needsConfirmation() async throws {
        let harness = try await ServiceHarness(users: 60)
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        try await harness.service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Nonexistent'")))
        let stopped = try await harness.service.synchronize(source.id)
        guard case .needsConfirmation(let violations) = stopped.outcome else { Issue.record("\(stopped.outcome)"); return }
        #expect(!violations.isEmpty)
        #expect(stopped.succeeded == 0)
        // The run read the directory before the guard stopped it: the record says how (it showed "read -").
        #expect(stopped.readKind != nil, "\(stopped)")
        #expect(try await harness.service.source(source.id).state == .needsConfirmation)
        #expect(try await harness.service.status(source.id).warnings.contains(.needsConfirmation))
        #expect(try await harness.store.contents().users.count == 60)

        try await harness.service.setSchedule(source.id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        harness.clock.advance(by: 7_200)
        #expect(await harness.service.runDueSynchronizations().isEmpty)

        let confirmed = try await harness.service.confirmRemovals(source.id)
        #expect(confirmed.outcome == .succeeded)
        #expect(confirmed.trigger == .confirmation)
        #expect(try await harness.store.contents().users.isEmpty)
        #expect(try await harness.service.source(source.id).state == .on)

        try await harness.service.setFilter(source.id, .all)
        _ = try await harness.service.synchronize(source.id)
        try await harness.service.setFilter(source.id, .usersByGroup(try FilterExpression(parsing: "displayName eq 'Nobody'")))
        _ = try await harness.service.synchronize(source.id)
        #expect(try await harness.service.source(source.id).state == .needsConfirmation)
        try await harness.service.setFilter(source.id, .all)
        #expect(try await harness.service.source(source.id).state == .on)
    }

    @Test("previews: only while off, previewing meanwhile, kept, invalidated by a synchronization and by time")
    func previews() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        await expectCode(.sourceIsOn) { _ = try await harness.service.preview(source.id) }
        try await harness.service.turnOff(source.id)
        let events = harness.service.events()
        let preview = try await harness.service.preview(source.id)
        #expect(preview.plan.operations.count > 40)
        #expect(try await harness.service.source(source.id).state == .off)
        #expect(try await harness.service.storedPreview(source.id)?.id == preview.id)
        #expect(try await harness.store.contents().users.isEmpty, "a preview applies nothing")
        var states: [SourceState] = []
        for await event in events {
            if case .stateChanged(_, _, let to) = event { states.append(to) }
            if states.count == 2 { break }
        }
        #expect(states == [.previewing, .off])

        harness.clock.advance(by: 8 * 86_400)
        #expect(try await harness.service.storedPreview(source.id) == nil, "expired after seven days")
        _ = try await harness.service.preview(source.id)
        try await harness.service.turnOn(source.id)
        _ = try await harness.service.synchronize(source.id)
        #expect(try await harness.service.storedPreview(source.id) == nil, "invalidated by the synchronization")
    }

    @Test("the history keeps the newest runs up to its limit; a stopped run is announced as a warning event")
    func boundedHistoryAndWarnings() async throws {
        let harness = try await ServiceHarness(configuration: .init(historyLimit: 3))
        let source = try await harness.readySource()
        var records: [RunRecord] = []
        for _ in 0..<5 { records.append(try await harness.service.synchronize(source.id)) }
        #expect(try await harness.service.history(source.id) == Array(records.suffix(3)))

        let events = harness.service.events()
        try await harness.service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Nobody'")))
        _ = try await harness.service.synchronize(source.id)
        var warned = false
        for await event in events {
            if case .warning(source.id, .needsConfirmation) = event { warned = true }
            if case .runFinished = event { break }
        }
        #expect(warned)
    }

    @Test("status warns about an expiring secret, users without email and conflicts")
    func warnings() async throws {
        let harness = try await ServiceHarness(users: 200)
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        var credentials = harness.credentials("contoso.com")
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(10 * 86_400)
        try await harness.service.setCredentials(source.id, credentials, secret: Secret(ServiceHarness.secret))
        _ = try await harness.service.testConnection(source.id)
        try await harness.service.turnOn(source.id)
        let directory = try #require(harness.directories["contoso.com"])
        let users = try await directory.read().users
        directory.modifyUser(id: users[0].id) { $0.mail = users[1].primaryEmail ?? "x@contoso.com" }
        directory.modifyUser(id: users[2].id) { $0.mail = nil; $0.proxyAddresses = [] }
        _ = try await harness.service.synchronize(source.id)
        let warnings = try await harness.service.status(source.id).warnings
        #expect(warnings.contains(.secretExpiring(days: 10)))
        #expect(warnings.contains { if case .usersWithoutEmail(let n) = $0 { n >= 1 } else { false } })
        #expect(warnings.contains { if case .conflicts(let n) = $0 { n >= 1 } else { false } })
    }
}
