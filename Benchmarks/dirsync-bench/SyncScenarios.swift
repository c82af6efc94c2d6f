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
        // Of the first run only its figures are kept: its plan (a million memberships at 100,000
        // users) is not held through the second run, as a host does not hold it either.
        let first = RunFigures(try await measure { try await staged(synchronizer) })
        let peakAfterFirst = ProcessStats.peakMemoryBytes
        let noop = RunFigures(try await measure { try await staged(synchronizer) })
        print("full-sync: \(first.operations) operations applied, \(first.requests) requests, \(String(format: "%.2f", first.wall)) s (\(first.stages)); no-op run: \(noop.planned) operations, \(String(format: "%.2f", noop.wall)) s (\(noop.stages)) = \(Int(noop.wall / first.wall * 100))%")
        return Measurement(
            scenario: "full-sync", users: users, wallSeconds: first.wall, cpuSeconds: first.cpu, peakMemoryBytes: peakAfterFirst,
            requests: first.requests, resourceUnits: first.resourceUnits, throughputPerSecond: Double(users) / first.wall,
            notes: [
                "operations": String(first.operations), "memberships": String(graph.tenant.groups.reduce(0) { $0 + $1.memberUserIDs.count }),
                "noopWallSeconds": String(format: "%.3f", noop.wall), "noopCPUSeconds": String(format: "%.3f", noop.cpu),
                "noopRequests": String(noop.requests), "stages": first.stages, "noopStages": noop.stages, "peakMemoryBytesAfterNoop": String(ProcessStats.peakMemoryBytes),
                "emulator": "in-process, own threads, loopback socket",
            ])
    }

    /// What a full-sync scenario reports of one staged run.
    struct RunFigures {
        var wall: Double
        var cpu: Double
        var operations: Int
        var planned: Int
        var requests: Int
        var resourceUnits: Int
        var stages: String

        init(_ run: (result: (result: (statistics: ReadStatistics, plan: SyncPlan, report: SyncReport), stages: String), wall: Double, cpu: Double)) {
            (wall, cpu, stages) = (run.wall, run.cpu, run.result.stages)
            (operations, planned) = (run.result.result.report.succeeded, run.result.result.plan.operations.count)
            (requests, resourceUnits) = (run.result.result.statistics.requests, run.result.result.statistics.resourceUnits)
        }
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
