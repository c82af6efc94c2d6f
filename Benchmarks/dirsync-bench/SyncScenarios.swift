import DirectorySync
import DirectorySyncTesting
import Foundation

/// `full-sync` and `incremental`: whole synchronizations (read from the loopback Graph emulator,
/// plan, apply to an in-memory store) through `SourceSynchronizer`.
enum SyncScenarios {
    /// A tenant of N users, N/10 groups and about ten memberships per user, read whole and applied
    /// to an empty store; then the same again on the populated store (nothing to change).
    static func fullSync(users: Int) async throws -> Measurement {
        let graph = try LoopbackGraph(users: users, membershipsPerUser: 10)
        defer { graph.server.stop() }
        let synchronizer = SourceSynchronizer(
            source: "bench", provider: graph.provider(), store: InMemoryIdentityStore(), state: InMemorySyncStateStore(),
            configuration: .init(tracksChanges: false))
        let first = try await measure { try await staged(synchronizer) }
        let peakAfterFirst = ProcessStats.peakMemoryBytes
        let noop = try await measure { try await staged(synchronizer) }
        let run = first.result.result
        print("full-sync: \(run.report.succeeded) operations applied, \(run.statistics.requests) requests, \(String(format: "%.2f", first.wall)) s (\(first.result.stages)); no-op run: \(noop.result.result.plan.operations.count) operations, \(String(format: "%.2f", noop.wall)) s (\(noop.result.stages)) = \(Int(noop.wall / first.wall * 100))%")
        return Measurement(
            scenario: "full-sync", users: users, wallSeconds: first.wall, cpuSeconds: first.cpu, peakMemoryBytes: peakAfterFirst,
            requests: run.statistics.requests, resourceUnits: run.statistics.resourceUnits, throughputPerSecond: Double(users) / first.wall,
            notes: [
                "operations": String(run.report.succeeded), "memberships": String(graph.tenant.groups.reduce(0) { $0 + $1.memberUserIDs.count }),
                "noopWallSeconds": String(format: "%.3f", noop.wall), "noopCPUSeconds": String(format: "%.3f", noop.cpu),
                "noopRequests": String(noop.result.result.statistics.requests), "stages": first.result.stages, "noopStages": noop.result.stages, "peakMemoryBytesAfterNoop": String(ProcessStats.peakMemoryBytes),
                "emulator": "in-process, own threads, loopback socket",
            ])
    }

    /// `SourceSynchronizer.synchronize` step by step (read, plan, apply, commit), timing each step,
    /// with the run's report kept as `DirectoryService` keeps it (in a file state store): what was
    /// planned written while the plan is applied, the outcomes after — the run waits only for those.
    static func staged(_ synchronizer: SourceSynchronizer) async throws -> (result: (statistics: ReadStatistics, plan: SyncPlan, report: SyncReport), stages: String) {
        let settings = SyncSettings()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-bench-report-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let shelf = RunReportShelf(state: try FileSyncStateStore(folder: folder), sourceID: "bench", retention: RunReportRetention())
        let writer = RunReportWriter(shelf: shelf, run: UUID().uuidString)
        let read = try await measure { try await synchronizer.read(filter: settings.filter) }
        let plan = try await measure { try await synchronizer.plan(read.result, settings: settings) }
        writer.planned(plan.result)
        let apply = try await measure { try await SyncExecutor().apply(plan.result, to: synchronizer.store) }
        try await synchronizer.commit(read.result)
        let report = try await measure { try await writer.finish(plan: plan.result, outcomes: apply.result.results.outcomes, heldBack: false) }
        let entry = try await shelf.entries().last
        let (records, bytes) = (entry?.records ?? 0, entry?.bytes ?? 0)
        let run = read.wall + plan.wall + apply.wall
        let stages = String(
            format: "read %.2f s, plan %.2f s, apply %.2f s; report %.2f s more = %.1f%% of the run, %d records, %d bytes per record", read.wall, plan.wall,
            apply.wall, report.wall, report.wall / run * 100, records, records == 0 ? 0 : bytes / records)
        return ((read.result.statistics, plan.result, apply.result), stages)
    }

    /// The same tenant synchronized with change tracking; then 1% of the users changed and an
    /// incremental run measured against the full one.
    static func incremental(users: Int) async throws -> Measurement {
        let graph = try LoopbackGraph(users: users, membershipsPerUser: 10)
        defer { graph.server.stop() }
        let synchronizer = SourceSynchronizer(
            source: "bench", provider: graph.provider(), store: InMemoryIdentityStore(), state: InMemorySyncStateStore())
        let full = try await measure { try await synchronizer.synchronize(settings: SyncSettings()) }
        var random = SeededRandomNumberGenerator(seed: 7)
        let changed = max(1, users / 100)
        for user in graph.tenant.users.shuffled(using: &random).prefix(changed) {
            graph.emulator.modifyUser(id: user.id, tenant: graph.credentials.tenantID) { $0.displayName = "Changed \($0.id.prefix(8))" }
        }
        let incremental = try await measure { try await synchronizer.synchronize(settings: SyncSettings()) }
        let run = incremental.result
        guard !run.readKind.isFull, run.report.succeeded == changed else {
            throw BenchmarkError("expected an incremental run updating \(changed) users, got \(run.readKind) with \(run.report.succeeded) operations")
        }
        let fullStats = full.result.statistics
        print("incremental: \(run.readKind), \(run.statistics.requests) requests (full: \(fullStats.requests)), \(run.statistics.resourceUnits) RU (full: \(fullStats.resourceUnits)), \(String(format: "%.2f", incremental.wall)) s (full: \(String(format: "%.2f", full.wall)) s)")
        return Measurement(
            scenario: "incremental", users: users, wallSeconds: incremental.wall, cpuSeconds: incremental.cpu, peakMemoryBytes: ProcessStats.peakMemoryBytes,
            requests: run.statistics.requests, resourceUnits: run.statistics.resourceUnits, throughputPerSecond: Double(changed) / incremental.wall,
            notes: [
                "changedUsers": String(changed), "fullWallSeconds": String(format: "%.3f", full.wall), "fullRequests": String(fullStats.requests),
                "fullResourceUnits": String(fullStats.resourceUnits), "emulator": "in-process, own threads, loopback socket",
            ])
    }
}

/// A scenario did not do what it measures.
struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
