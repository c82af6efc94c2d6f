import DirectorySync
import DirectorySyncTesting
import Foundation

/// `plan`: planning only, against a store that already holds the tenant, with 1% of users changed.
enum PlanScenario {
    static func run(users: Int) async throws -> Measurement {
        let tenant = TenantGenerator(configuration: .init(users: users, groups: max(10, users / 100), seed: 1)).generate()
        let planner = StandardSyncPlanner()
        let initial = try planner.plan(source: "contoso", directory: tenant.snapshot, store: IdentityStoreContents())
        let store = InMemoryIdentityStore()
        _ = try await SyncExecutor(configuration: .init(maximumConcurrency: 1, membershipBatchSize: 10_000)).apply(initial, to: store)
        let contents = try await store.contents()
        var random = SeededRandomNumberGenerator(seed: 2)
        var mutator = TenantMutator(tenant)
        mutator.apply(steps: max(1, users / 100), using: &random)
        let changed = mutator.tenant.snapshot
        let (peakBefore, residentBefore) = (ProcessStats.peakMemoryBytes, ProcessStats.currentMemoryBytes)
        let timing = try await measure { try planner.plan(source: "contoso", directory: changed, store: contents) }
        let plan = timing.result
        print("plan: \(users) users, \(tenant.groups.count) groups, \(plan.operations.count) operations planned in \(String(format: "%.2f", timing.wall)) s (\(plan.unchangedUsers) users unchanged); peak memory before planning \(megabytes(peakBefore)), resident \(megabytes(residentBefore)), after \(megabytes(ProcessStats.peakMemoryBytes))")
        return Measurement(
            scenario: "plan", users: users, wallSeconds: timing.wall, cpuSeconds: timing.cpu,
            peakMemoryBytes: ProcessStats.peakMemoryBytes, throughputPerSecond: Double(users) / timing.wall,
            notes: [
                "operations": String(plan.operations.count), "peakMemoryBytesBeforePlan": String(peakBefore),
                "residentBytesBeforePlan": String(residentBefore),
            ])
    }
}
