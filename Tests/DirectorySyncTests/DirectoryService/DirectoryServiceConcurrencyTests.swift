import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService under concurrent load")
struct DirectoryServiceConcurrencyTests {
    @Test("20 sources, racing manual and scheduled runs, turn-offs and previews: no double run, no lost update, no deadlock, state intact")
    func twentySources() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("load-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let domains = (1...20).map { "tenant\($0).example" }
        let harness = try await ServiceHarness(tenants: domains, users: 30, state: try FileSyncStateStore(folder: folder))
        let service = harness.service
        var ids: [SourceID] = []
        for domain in domains {
            let id = try await harness.readySource(domain).id
            try await service.setSchedule(id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
            ids.append(id)
        }
        let turnedOff = Set(ids.prefix(5))
        let finished = Locked(false)
        let previews = Locked<[SourceID: Int]>([:])
        // A bound on a deadlock, not a speed test: under the whole suite on two cores this load
        // has taken more than two minutes.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(600))
            if !finished.withLock({ $0 }) { Issue.record("deadlock: the load did not finish in 600 s") }
        }
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                for _ in 0..<3 { group.addTask { _ = try? await service.synchronize(id) } }
                group.addTask {
                    // A preview only succeeds once the source is off; it reads the directory too.
                    if (try? await service.preview(id)) != nil { previews.withLock { $0[id, default: 0] += 1 } }
                }
            }
            for _ in 0..<3 {
                group.addTask {
                    harness.clock.advance(by: 3_600)
                    _ = await service.runDueSynchronizations()
                }
            }
            for id in turnedOff { group.addTask { try? await service.turnOff(id, running: .cancel) } }
        }
        finished.withLock { $0 = true }
        watchdog.cancel()

        for (id, domain) in zip(ids, domains) {
            let history = try await service.history(id)
            let runReads = try #require(harness.directories[domain]).readCount - previews.withLock { $0[id, default: 0] }
            // Each recorded run read once, except a run cancelled before its read began.
            let cancelled = history.count { $0.outcome == .cancelled }
            #expect(runReads <= history.count && runReads >= history.count - cancelled, "\(id): \(runReads) reads for \(history.count) runs — a run happened twice or was lost")
            #expect(history.allSatisfy { $0.outcome == .succeeded || $0.outcome == .cancelled }, "\(id): \(history.map(\.outcome))")
            let state = try await service.source(id).state
            #expect(turnedOff.contains(id) ? state == .off : state == .on, "\(id) is \(state): \(history.map(\.outcome))")
        }
        for id in turnedOff { try await service.turnOn(id) }
        for id in ids {
            _ = try await service.synchronize(id)
            let again = try await service.synchronize(id)
            #expect(again.summary.operations.values.reduce(0, +) == 0, "\(id) did not converge")
        }
        let contents = try await harness.store.contents()
        for id in ids { #expect(contents.users.count { $0.origin.sourceID == id } == 30) }

        let reopened = try await DirectoryService.open(
            store: harness.store, state: try FileSyncStateStore(folder: folder), secrets: harness.secrets, connector: harness.connector, clock: harness.clock.syncClock)
        #expect(await reopened.allSources() == service.allSources())
        for id in ids { #expect(try await reopened.history(id) == service.history(id)) }
    }

    @Test("two sources whose tenants have a group of the same name synchronize at once: one owns it, the other reports the conflict; both stay on")
    func sharedGroupName() async throws {
        let domains = ["north.example", "south.example"]
        for round in 0..<5 {
            let harness = try await ServiceHarness(tenants: domains, users: 10)
            var ids: [SourceID] = []
            for domain in domains {
                let directory = try #require(harness.directories[domain])
                let members = try await directory.read(filter: .all).users.prefix(3).map(\.id)
                directory.upsert(DirectoryGroup(id: "shared-\(domain)", displayName: "Shared Team", memberUserIDs: DirectoryObjectIDs(members)))
                ids.append(try await harness.readySource(domain).id)
            }
            // Both reads wait at the gate, so both plans are made as close together as possible.
            let gate = Gate()
            harness.gate.withLock { $0 = gate }
            let runs = ids.map { id in Task { try await harness.service.synchronize(id) } }
            while gate.arrived < 2 { try? await Task.sleep(for: .milliseconds(2)) }
            gate.open()
            var records: [RunRecord] = []
            for run in runs { records.append(try await run.value) }

            #expect(records.map(\.outcome) == [.succeeded, .succeeded], "round \(round): \(records.map(\.outcome))")
            // The generated tenants share a few more names: all conflicts land on one side.
            let conflicts = records.map { $0.summary.issues[.groupNameInUse] ?? 0 }.sorted()
            #expect(conflicts[0] == 0 && conflicts[1] >= 1, "round \(round): \(conflicts)")
            for id in ids { #expect(try await harness.service.source(id).state == .on) }
            let owners = try await harness.store.contents().groups.filter { $0.profile.name == "Shared Team" }.map(\.origin.sourceID)
            #expect(owners.count == 1 && ids.contains(owners[0]!))
        }
    }
}
