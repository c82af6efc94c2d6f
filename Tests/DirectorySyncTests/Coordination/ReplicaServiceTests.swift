import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Several replicas of a DirectoryService over one state store and one identity store")
struct ReplicaServiceTests {
    @Test("three replicas asked to synchronize one source at once: one run applies, all return its record, the history holds it once")
    func oneRunAcrossReplicas() async throws {
        let harness = try await ReplicaHarness(replicas: 3)
        let source = try await harness.readySource()
        let gate = harness.holdReads()
        let runs = harness.replicas.map { replica in Task { try await replica.synchronize(source.id) } }
        // One replica reads; the other two wait for its run.
        try await waitUntil { gate.arrived == 1 && harness.coordinators.reduce(0) { $0 + $1.waitsStarted } == 2 }
        let status = try await harness.replicas[1].status(source.id)
        let holder = try #require(status.runningOn)
        #expect(harness.coordinators.map(\.replica).contains(holder.replica))
        let json = String(decoding: try JSONEncoder.deterministic().encode(status), as: UTF8.self)
        #expect(json.contains(#""runningOn":{"replica":"\#(holder.replica)","runID":"\#(holder.runID)","since":"#), "\(json)")
        harness.openReads(gate)
        var records: [RunRecord] = []
        for run in runs { records.append(try await run.value) }
        #expect(Set(records.map(\.id)).count == 1, "every replica returns the one run's record")
        #expect(records.first?.id == holder.runID)
        #expect(records.first?.outcome == .succeeded)
        #expect(gate.arrived == 1, "the directory was read once")
        #expect(try await harness.replicas[2].history(source.id).map(\.id) == [holder.runID])
        let idle = try await harness.replicas[0].status(source.id)
        #expect(idle.runningOn == nil)
        #expect(!String(decoding: try JSONEncoder.deterministic().encode(idle), as: UTF8.self).contains("runningOn"), "absent when nobody runs it")
        #expect(StoreFingerprint(try await harness.store.contents()) == (try await harness.singleReplicaFingerprint()))
        for replica in harness.replicas { #expect(try await replica.source(source.id).state == .on) }
        // The replicas that waited are free again: a new request runs anew on each.
        for replica in harness.replicas {
            let again = try await replica.synchronize(source.id)
            #expect(again.id != holder.runID && again.outcome == .succeeded)
        }
        #expect(try await harness.replicas[1].history(source.id).count == 4)
    }

    @Test("a filter changed through one replica while another runs the source is kept when that one saves after its run")
    func filterChangeIsNotLost() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        let gate = harness.holdReads()
        let run = Task { try await a.synchronize(source.id) }
        try await waitUntil { gate.arrived == 1 }
        let filter = SyncFilter.usersByUser(try FilterExpression(parsing: "department eq 'Sales'"))
        try await b.setFilter(source.id, filter)
        // Replica A still holds the old filter, and saves its run's end over the list B saved.
        #expect(try await a.source(source.id).settings.filter == .all)
        harness.openReads(gate)
        #expect(try await run.value.outcome == .succeeded)
        #expect(try await a.source(source.id).settings.filter == filter, "the replica that ran takes in the other's change")
        #expect(try await a.source(source.id).state == .on)
        let reopened = try await DirectoryService.open(store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector)
        #expect(try await reopened.source(source.id).settings.filter == filter, "the saved list keeps the filter")
        #expect(try await reopened.source(source.id).state == .on, "and the run's end")
    }

    @Test("changes to different sources and different settings through different replicas all stay; removals and additions elsewhere are seen")
    func concurrentChangesMerge() async throws {
        let harness = try await ReplicaHarness(replicas: 2, tenants: ["contoso.com", "fabrikam.com"])
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        let contoso = try await harness.readySource("contoso.com")
        // B has not seen contoso yet, and adds fabrikam; A then changes contoso's schedule.
        let fabrikam = try await b.addSource(name: "Fabrikam", domain: "fabrikam.com")
        let schedule = try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC")
        try await a.setSchedule(contoso.id, schedule)
        _ = try await b.editSource(contoso.id, description: "the main tenant")
        #expect(try await a.source(fabrikam.id).name == "Fabrikam", "a source added elsewhere appears")
        let saved = try await DirectoryService.open(store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector)
        #expect(try await saved.source(contoso.id).schedule == schedule)
        #expect(try await saved.source(contoso.id).description == "the main tenant")
        #expect(try await saved.source(contoso.id).state == .on)
        try await a.removeSource(fabrikam.id)
        try await b.setSchedule(contoso.id, .manual)
        #expect(await b.allSources().map(\.id) == [contoso.id], "a source removed elsewhere is gone")
        #expect(try await DirectoryService.open(store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector).allSources().map(\.id) == [contoso.id])
    }

    @Test("a source turned off through one replica while another runs it ends off (`.cancel` does not wait for a run elsewhere)")
    func offElsewhereWins() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        let gate = harness.holdReads()
        let run = Task { try await a.synchronize(source.id) }
        try await waitUntil { gate.arrived == 1 }
        try await b.turnOff(source.id, running: .cancel)
        harness.openReads(gate)
        _ = try await run.value
        #expect(try await a.source(source.id).state == .off)
        #expect(try await b.status(source.id).source.state == .off)
        let saved = try await DirectoryService.open(store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector)
        #expect(try await saved.source(source.id).state == .off)
    }

    @Test("while one replica runs a source, another neither removes it nor resets its tracking, and names the replica")
    func removalWaitsForTheRunElsewhere() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        let gate = harness.holdReads()
        let run = Task { try await a.synchronize(source.id) }
        try await waitUntil { gate.arrived == 1 }
        try await b.turnOff(source.id, running: .cancel)
        for attempt in [{ try await b.removeSource(source.id) }, { try await b.resetTracking(source.id) }] as [@Sendable () async throws -> Void] {
            do {
                try await attempt()
                Issue.record("a source running on another replica was changed under it")
            } catch let error as DirectoryServiceError {
                #expect(error.code == .synchronizationRunning)
                #expect(error.detail.contains("replica-a"), "\(error)")
            }
        }
        harness.openReads(gate)
        _ = try await run.value
        try await b.removeSource(source.id)
        #expect(await a.allSources().isEmpty == false, "replica A learns of the removal when it next reads the saved sources")
        _ = try? await a.status(source.id)
        #expect(await a.allSources().isEmpty)
    }

    @Test("three schedulers over many slots: each scheduled run runs exactly once", arguments: [UInt64(7), 19])
    func slotsRunOnce(seed: UInt64) async throws {
        let harness = try await ReplicaHarness(replicas: 3, tenants: ["contoso.com", "fabrikam.com"], users: 12)
        var random = SeededRandomNumberGenerator(seed: seed)
        var ids: [SourceID] = []
        for domain in ["contoso.com", "fabrikam.com"] {
            let source = try await harness.readySource(domain)
            try await harness.replicas[0].setSchedule(source.id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
            ids.append(source.id)
        }
        let passes = 12
        var returned = 0
        for _ in 0..<passes {
            harness.clock.advance(by: 3_600)
            let order = harness.replicas.shuffled(using: &random)
            let records = await withTaskGroup(of: [RunRecord].self) { group in
                for replica in order { group.addTask { await replica.runDueSynchronizations() } }
                var all: [RunRecord] = []
                for await records in group { all += records }
                return all
            }
            #expect(records.count == ids.count, "one run per source and slot, on one replica")
            returned += records.count
        }
        for id in ids {
            let history = try await harness.replicas[1].history(id)
            #expect(history.count == passes, "\(history.count) runs of \(id) for \(passes) slots")
            #expect(history.allSatisfy { $0.trigger == .scheduled && $0.outcome == .succeeded })
        }
        #expect(returned == passes * ids.count)
    }

    @Test("a slot whose replica lost its claims mid-run is taken over by one other replica, which completes the source")
    func abandonedSlotIsTakenOver() async throws {
        let harness = try await ReplicaHarness(replicas: 3)
        let source = try await harness.readySource()
        try await harness.replicas[0].setSchedule(source.id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        harness.clock.advance(by: 3_600)
        let gate = harness.holdReads()
        let first = Task { await harness.replicas[0].runDueSynchronizations() }
        try await waitUntil { gate.arrived == 1 }
        // Replica A stops answering: its lease expires, its slot and run are up for grabs.
        harness.coordinators[0].base.loseClaims()
        harness.openReads(gate)
        let lost = await first.value
        #expect(lost.count == 1)
        #expect(lost.first.map { "\($0.outcome)" }?.contains("claimLost") == true, "the run that lost its claim says so: \(lost)")
        #expect(try await harness.replicas[0].history(source.id).isEmpty, "it wrote no record")
        let takeovers = await withTaskGroup(of: [RunRecord].self) { group in
            for replica in harness.replicas[1...] { group.addTask { await replica.runDueSynchronizations() } }
            var all: [RunRecord] = []
            for await records in group { all += records }
            return all
        }
        #expect(takeovers.count == 1, "one replica takes the slot over")
        #expect(takeovers.first?.outcome == .succeeded)
        #expect(try await harness.replicas[0].history(source.id).count == 1)
        #expect(try await harness.coordinator.abandonedSlots().isEmpty)
        #expect(StoreFingerprint(try await harness.store.contents()) == (try await harness.singleReplicaFingerprint()))
    }

    @Test("a run whose claim is lost mid-apply writes nothing more; the next run converges to one fresh synchronization")
    func lostClaimMidApply() async throws {
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        let harness = try await ReplicaHarness(
            replicas: 2, store: store, synchronizer: .init(executor: .init(maximumConcurrency: 1)))
        let source = try await harness.readySource()
        let coordinator = harness.coordinator
        let before = store.writesAttempted
        // The 11th write of the run: its lease expires while it is being written.
        store.failWrites(where: { _, number in
            if number == before + 10 { coordinator.expireClaim(of: source.id) }
            return false
        })
        let events = harness.replicas[0].events(includingOperations: false)
        let record = try await harness.replicas[0].synchronize(source.id)
        store.heal()
        #expect("\(record.outcome)".contains("claimLost"), "the run failed with claimLost: \(record.outcome)")
        #expect(store.writesAttempted == before + 11, "nothing started after the claim was lost (\(store.writesAttempted - before) writes)")
        #expect(try await harness.replicas[1].history(source.id).isEmpty, "no history record")
        #expect(try await harness.state.data(for: StateKey(source.id, "tracking")) == nil, "tracking not committed")
        #expect(try await harness.state.data(for: StateKey(source.id, "mirror")) == nil, "mirror not committed")
        await #expect(throws: DirectoryServiceError.self, "no report") { try await harness.replicas[1].report(source.id, run: record.id) }
        #expect(await harness.state.keys.allSatisfy { !$0.name.hasPrefix("report-") || !$0.name.hasSuffix("-outcomes") }, "no report completed")
        #expect(try await harness.replicas[0].source(source.id).state == .on)
        var finished: RunRecord?
        for await event in events {
            if case .runFinished(_, let done) = event {
                finished = done
                break
            }
        }
        #expect(finished?.id == record.id)
        let next = try await harness.replicas[1].synchronize(source.id)
        #expect(next.outcome == .succeeded)
        #expect(try await harness.replicas[0].history(source.id).map(\.id) == [next.id])
        #expect(StoreFingerprint(try await harness.store.contents()) == (try await harness.singleReplicaFingerprint()))
    }
}
