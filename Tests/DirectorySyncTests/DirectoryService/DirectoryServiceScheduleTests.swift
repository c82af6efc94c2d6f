import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: schedules, persistence, concurrency")
struct DirectoryServiceScheduleTests {
    @Test("due runs run once however many were missed; the next run is reported; manual sources never run on their own")
    func dueRuns() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        #expect(await harness.service.runDueSynchronizations().isEmpty, "manual only")
        try await harness.service.setSchedule(source.id, try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        let next = try #require(try await harness.service.status(source.id).nextRun)
        #expect(next > harness.clock.now)
        harness.clock.advance(by: 10 * 3_600)
        let runs = await harness.service.runDueSynchronizations()
        #expect(runs.count == 1)
        #expect(runs.first?.trigger == .scheduled)
        #expect(await harness.service.runDueSynchronizations().isEmpty, "not again until the next slot")
        try await harness.service.turnOff(source.id)
        harness.clock.advance(by: 10 * 3_600)
        #expect(await harness.service.runDueSynchronizations().isEmpty, "off sources do not run")
    }

    @Test("the background scheduler runs due synchronizations until stopped")
    func scheduler() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.setSchedule(source.id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        await harness.service.startScheduler()
        // Stopped whatever happens: on the test clock its sleeps return at once, and a scheduler
        // left running would spin on a core for the rest of the test run.
        do {
            while try await harness.service.history(source.id).count < 3 { try? await Task.sleep(for: .milliseconds(2)) }
        } catch {
            await harness.service.stopScheduler()
            throw error
        }
        await harness.service.stopScheduler()
        let count = try await harness.service.history(source.id).count
        for _ in 0..<100 { await Task.yield() }
        #expect(try await harness.service.history(source.id).count == count, "nothing runs after stop")
        #expect(try await harness.service.history(source.id).allSatisfy { $0.trigger == .scheduled })
    }

    @Test("a restart restores sources, states, history and previews from the file state store")
    func restart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("service-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let harness = try await ServiceHarness(tenants: ["contoso.com", "fabrikam.com"], state: try FileSyncStateStore(folder: folder))
        let on = try await harness.readySource("contoso.com")
        let run = try await harness.service.synchronize(on.id)
        let off = try await harness.service.addSource(name: "Fabrikam", domain: "fabrikam.com")
        try await harness.service.setCredentials(off.id, harness.credentials("fabrikam.com"), secret: Secret(ServiceHarness.secret))
        _ = try await harness.service.testConnection(off.id)
        let preview = try await harness.service.preview(off.id)

        let reopened = try await DirectoryService.open(
            store: harness.store, state: try FileSyncStateStore(folder: folder), secrets: harness.secrets, connector: harness.connector,
            clock: harness.clock.syncClock)
        #expect(await reopened.allSources() == harness.service.allSources())
        #expect(try await reopened.history(on.id) == [run])
        #expect(try await reopened.storedPreview(off.id)?.id == preview.id)
        let again = try await reopened.synchronize(on.id)
        #expect(again.summary.operations.values.reduce(0, +) == 0, "the restored service finds nothing to do")
    }

    @Test("sources synchronize concurrently into one store without interfering")
    func concurrentSources() async throws {
        let domains = (1...5).map { "tenant\($0).example" }
        let harness = try await ServiceHarness(tenants: domains, users: 50)
        var ids: [SourceID] = []
        for domain in domains { ids.append(try await harness.readySource(domain).id) }
        let records = try await withThrowingTaskGroup(of: RunRecord.self) { group in
            for id in ids { group.addTask { try await harness.service.synchronize(id) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(records.allSatisfy { $0.outcome == .succeeded })
        let contents = try await harness.store.contents()
        for id in ids { #expect(contents.users.count { $0.origin.sourceID == id } == 50) }
    }
}

