import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Replicas under the faults an independent review found: locks and claims lost in the middle of a
/// write, reads that overtake each other, waits for runs elsewhere, a coordinator that fails.
@Suite("Replicas: lost locks and claims, stale reads, waits for runs elsewhere")
struct ReplicaFaultTests {
    static let sourcesKey = StateKey.service("sources")

    /// The saved sources, changed by `change`, written straight into the shared state (what another
    /// replica's save does).
    static func changeSaved(_ harness: ReplicaHarness, _ change: (inout [Source]) -> Void) async throws {
        var saved = try #require(try await harness.state.load([Source].self, for: sourcesKey))
        change(&saved)
        try await harness.state.save(saved, for: sourcesKey)
    }

    @Test("a replica that loses the sources lock while it merges writes nothing stale: it merges again and keeps what was saved meanwhile")
    func lostSourcesLock() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let a = harness.replicas[0]
        let reads = Locked(0)
        let base = harness.coordinator
        harness.states[0].afterRead.withLock {
            $0 = { key in
                guard key == Self.sourcesKey, reads.withLock({ count in count += 1; return count }) == 2 else { return }
                // A is paused past its lease inside persist(): its lock is lost, and another replica
                // takes it and saves a change.
                base.loseClaims()
                try await Self.changeSaved(harness) { $0[0].description = "from another replica" }
            }
        }
        let schedule = try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC")
        try await a.setSchedule(source.id, schedule)
        let saved = try #require(try await harness.state.load([Source].self, for: Self.sourcesKey)?.first)
        #expect(saved.description == "from another replica", "the other replica's change is never overwritten")
        #expect(saved.schedule == schedule, "this replica's change is saved by the merge made again under the lock")
        #expect(harness.coordinators[0].locksTaken.filter { $0 == .sources }.count >= 2, "the lock was taken again")
    }

    @Test("a saved list that cannot be read now, or comes from a newer version, is never overwritten")
    func unreadableListIsKept() async throws {
        let harness = try await ReplicaHarness(replicas: 1)
        let source = try await harness.readySource()
        let a = harness.replicas[0]
        // The store does not answer (etcd during a leader election): no decoding error underneath.
        let before = try await harness.state.data(for: Self.sourcesKey)
        harness.states[0].afterRead.withLock {
            $0 = { key in if key == Self.sourcesKey { throw SyncStateError.unreadable(key: key.description, detail: "the store did not answer") } }
        }
        await #expect(throws: SyncStateError.self) { _ = try await a.editSource(source.id, description: "changed") }
        #expect(try await harness.state.data(for: Self.sourcesKey) == before)
        harness.states[0].afterRead.withLock { $0 = nil }
        // A newer version saved the list.
        let newer = Data(#"{"formatVersion":99,"value":[]}"#.utf8)
        try await harness.state.setData(newer, for: Self.sourcesKey)
        await #expect(throws: SyncStateError.self) { _ = try await a.editSource(source.id, description: "changed") }
        #expect(try await harness.state.data(for: Self.sourcesKey) == newer)
        // A list that does not decode is still repaired by the next save.
        try await harness.state.setData(Data("not json".utf8), for: Self.sourcesKey)
        _ = try await a.editSource(source.id, description: "repaired")
        #expect(try await harness.state.load([Source].self, for: Self.sourcesKey)?.first?.description == "repaired")
    }

    @Test("a refresh whose read was overtaken by a newer one drops what it read")
    func staleRefreshIsDropped() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        let gate = Gate()
        let first = Locked(true)
        harness.states[1].afterRead.withLock {
            $0 = { key in
                guard key == Self.sourcesKey, first.withLock({ value in defer { value = false }; return value }) else { return }
                await gate.wait()
            }
        }
        // B's first refresh has read the old list and is paused.
        let stale = Task { try await b.status(source.id) }
        try await waitUntil("the first refresh to read") { gate.arrived == 1 }
        let schedule = try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC")
        try await a.setSchedule(source.id, schedule)
        #expect(try await b.status(source.id).source.schedule == schedule)
        gate.open()
        _ = try await stale.value
        #expect(try await b.source(source.id).schedule == schedule, "the older read never rewinds the newer one")
    }

    @Test("a replica opened while another runs a source takes in that run's end (a quarantine, failures) and never overwrites it")
    func leftOverSynchronizingIsNoLocalChange() async throws {
        let harness = try await ReplicaHarness(replicas: 1)
        let source = try await harness.readySource()
        // Another replica runs the source: the saved list says so.
        try await Self.changeSaved(harness) { $0[0].state = .synchronizing }
        let c = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector,
            configuration: .init(coordinator: harness.coordinator.replica(named: "replica-c")), clock: harness.clock.syncClock)
        #expect(try await c.source(source.id).state == .on)
        // That run ends in error, its third failure in a row.
        try await Self.changeSaved(harness) {
            $0[0].state = .error
            $0[0].consecutiveFailures = 3
        }
        _ = try await c.editSource(source.id, description: "edited on c")
        let saved = try #require(try await harness.state.load([Source].self, for: Self.sourcesKey)?.first)
        #expect(saved.description == "edited on c")
        #expect(saved.state == .error, "the run's end stays")
        #expect(saved.consecutiveFailures == 3)
    }

    @Test("a run whose claim is lost after it applied writes no history, preview removal or sources")
    func lostClaimBeforeTheRecord() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let a = harness.replicas[0]
        let gate = harness.holdReads()
        let run = Task { try await a.synchronize(source.id) }
        try await waitUntil("the run to read") { gate.arrived == 1 }
        let base = harness.coordinator
        let expired = Locked(false)
        harness.states[0].afterRead.withLock {
            $0 = { key in
                // The refresh after the run's report: the replica was paused past its lease there.
                guard key == Self.sourcesKey, !expired.withLock({ value in defer { value = true }; return value }) else { return }
                base.expireClaim(of: source.id)
            }
        }
        harness.openReads(gate)
        let record = try await run.value
        guard case .failed(let message) = record.outcome else { Issue.record("\(record.outcome)"); return }
        #expect(message.contains("lost its claim"))
        #expect(try await a.history(source.id).isEmpty, "no record saved")
        #expect(try await a.source(source.id).state == .on)
    }

    @Test("the scheduler does not spin on a due slot another replica holds: it looks again after a poll interval")
    func noSpinOnSkippedSlot() async throws {
        let harness = try await ReplicaHarness(replicas: 1)
        let source = try await harness.readySource()
        let a = harness.replicas[0]
        try await a.setSchedule(source.id, try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        harness.clock.advance(by: 3 * 3_600)
        harness.coordinators[0].refuseSlots.withLock { $0 = true }
        let sleepsBefore = harness.clock.sleeps.count
        await a.startScheduler()
        // Stopped whatever happens: on the test clock its sleeps return at once, and a scheduler
        // left running spins on a core for the rest of the test run (leases lapsed beside it).
        do {
            try await waitUntil("three passes", atMost: .seconds(120)) { harness.coordinators[0].slotClaims >= 3 }
        } catch {
            await a.stopScheduler()
            throw error
        }
        await a.stopScheduler()
        let sleeps = harness.clock.sleeps.dropFirst(sleepsBefore)
        #expect(!sleeps.isEmpty)
        #expect(sleeps.allSatisfy { $0 >= .seconds(10) }, "\(Array(sleeps))")
        #expect(try await a.history(source.id).isEmpty, "nothing ran here")
    }

    @Test("a run that waited for another replica's run uses the settings saved meanwhile")
    func runAfterWaitUsesCurrentSettings() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        _ = try await a.synchronize(source.id)
        let gate = harness.holdReads()
        let running = Task { try await a.synchronize(source.id) }
        try await waitUntil("A's run to read") { gate.arrived == 1 }
        let forced = Task { try await b.synchronize(source.id, forceFullRead: true) }
        try await waitUntil("B to wait for A's run") { harness.coordinators[1].waitsStarted == 1 }
        // The filter changes while B waits: most users leave the scope.
        try await a.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")))
        harness.openReads(gate)
        _ = try await running.value
        let record = try await forced.value
        #expect(record.summary.operations.values.reduce(0, +) > 0, "B planned with the new filter: \(record.summary)")
    }

    @Test("a source is held while it is removed: no run of any replica can claim it meanwhile")
    func removalHoldsTheSource() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let b = harness.replicas[1]
        try await b.turnOff(source.id)
        let base = harness.coordinator
        let seen = Locked<[RunHolder?]>([])
        harness.states[1].afterRead.withLock {
            $0 = { key in
                guard key.sourceID == source.id else { return }
                let holder = try await base.runHolder(of: source.id)
                seen.withLock { $0.append(holder) }
            }
        }
        try await b.removeSource(source.id)
        let holders = seen.withLock { $0 }
        #expect(!holders.isEmpty)
        #expect(holders.allSatisfy { $0?.replica == "replica-b" }, "\(holders)")
        #expect(try await base.runHolder(of: source.id) == nil, "released after")
    }

    @Test("credential changes take the coordinator's credentials lock, whichever replica makes them")
    func credentialsLockAcrossReplicas() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let b = harness.replicas[1]
        #expect(harness.coordinators[0].locksTaken.contains(CoordinationLock("credentials")))
        try await b.setSecretExpiration(source.id, harness.clock.now.addingTimeInterval(86_400 * 90))
        #expect(harness.coordinators[1].locksTaken.contains(CoordinationLock("credentials")))
    }

    @Test("turning a source off waits for a run another replica makes (`.cancel` does not: see offElsewhereWins)")
    func turnOffWaitsForRunElsewhere() async throws {
        let harness = try await ReplicaHarness(replicas: 2)
        let source = try await harness.readySource()
        let (a, b) = (harness.replicas[0], harness.replicas[1])
        let gate = harness.holdReads()
        let run = Task { try await a.synchronize(source.id) }
        try await waitUntil("A's run to read") { gate.arrived == 1 }
        let done = Locked(false)
        let off = Task {
            try await b.turnOff(source.id)
            done.withLock { $0 = true }
        }
        try await waitUntil("B to wait for A's run") { harness.coordinators[1].waitsStarted == 1 }
        #expect(!done.withLock { $0 }, "still running on A")
        harness.openReads(gate)
        _ = try await run.value
        try await off.value
        #expect(try await harness.coordinator.runHolder(of: source.id) == nil)
        #expect(try await b.source(source.id).state == .off)
    }

    @Test("a coordinator that does not answer fails the run without a record in the history and without counting towards quarantine")
    func coordinatorOutageIsNoFailureOfTheSource() async throws {
        let harness = try await ReplicaHarness(replicas: 1)
        let source = try await harness.readySource()
        let a = harness.replicas[0]
        harness.coordinators[0].failClaims.withLock { $0 = SyncCoordinationError(.unavailable, "etcd did not answer", fix: "Start etcd.") }
        for _ in 0..<4 {
            let record = try await a.synchronize(source.id)
            guard case .failed = record.outcome else { Issue.record("\(record.outcome)"); return }
        }
        #expect(try await a.history(source.id).isEmpty)
        let now = try await a.source(source.id)
        #expect(now.consecutiveFailures == 0)
        #expect(now.quarantine == nil)
        #expect(now.state == .on)
    }
}
