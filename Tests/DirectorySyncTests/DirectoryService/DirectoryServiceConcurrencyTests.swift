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
        let watchdog = Task {
            try await Task.sleep(for: .seconds(120))
            if !finished.withLock({ $0 }) { Issue.record("deadlock: the load did not finish in 120 s") }
        }
        await withTaskGroup(of: Void.self) { group in
            for id in ids {
                for _ in 0..<3 { group.addTask { _ = try? await service.synchronize(id) } }
                group.addTask { _ = try? await service.preview(id) }
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
            let reads = try #require(harness.directories[domain]).readCount
            #expect(reads == history.count, "\(id): \(reads) reads for \(history.count) runs — a run happened twice or was lost")
            let state = try await service.source(id).state
            #expect(turnedOff.contains(id) ? state == .off : state == .on, "\(id) is \(state)")
        }
        for id in turnedOff { try await service.turnOn(id) }
        for id in ids {
            _ = try await service.synchronize(id)
            let again = try await service.synchronize(id)
            #expect(again.operations.values.reduce(0, +) == 0, "\(id) did not converge")
        }
        let contents = try await harness.store.contents()
        for id in ids { #expect(contents.users.count { $0.origin.sourceID == id } == 30) }

        let reopened = try await DirectoryService.open(
            store: harness.store, state: try FileSyncStateStore(folder: folder), secrets: harness.secrets, connector: harness.connector, clock: harness.clock.clock)
        #expect(await reopened.allSources() == service.allSources())
        for id in ids { #expect(try await reopened.history(id) == service.history(id)) }
    }
}
