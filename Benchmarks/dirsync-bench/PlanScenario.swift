import DirectorySync
import DirectorySyncTesting
import Foundation

/// `plan`: planning only, against a store that already holds the tenant, with 1% of users changed.
///
/// Memory is the plan's: the high-water mark from the moment the inputs (the changed directory
/// and the store's contents) are all that is held until the plan is made. Setting them up —
/// generating the tenant, planning and applying its first sync — peaks higher; that process-wide
/// peak is reported apart (`processPeakBytes`).
enum PlanScenario {
    /// - Parameter rounds: How many times to plan the same inputs; the first plan is the one
    ///   measured, the others' wall and CPU times are printed and noted (`again`), to tell a
    ///   change from the machine's noise without setting a million users up again.
    static func run(users: Int, rounds: Int = 1) async throws -> Measurement {
        let (changed, contents) = try await inputs(users: users)
        let setupPeak = ProcessStats.peakMemoryBytes
        ProcessStats.releaseFreeMemory()
        let residentBefore = ProcessStats.currentMemoryBytes
        let peakMeasured = ProcessStats.resetPeakMemory()
        let planner = StandardSyncPlanner()
        // On standard error, so a profiler can attach to the plan alone (setting up takes minutes)
        // and stop when it is made.
        FileHandle.standardError.write(Data("planning (process \(getpid()))\n".utf8))
        // The plan itself is not kept: further rounds plan without it resident.
        let (wall, cpu, operations, unchangedUsers): (Double, Double, Int, Int)
        do {
            let timing = try await measure { try planner.plan(source: "contoso", directory: changed, store: contents) }
            (wall, cpu, operations, unchangedUsers) = (timing.wall, timing.cpu, timing.result.operations.count, timing.result.unchangedUsers)
        }
        FileHandle.standardError.write(Data("planned\n".utf8))
        let planPeak = peakMeasured ? ProcessStats.peakMemoryBytesSinceReset : ProcessStats.peakMemoryBytes
        let processPeak = max(setupPeak, ProcessStats.peakMemoryBytes)
        var again: [String] = []
        for _ in 1..<rounds {
            // Each plan freed after its time is taken, as the first one is.
            let round = try await measure { try planner.plan(source: "contoso", directory: changed, store: contents) }
            again.append(String(format: "%.2f (%.2f)", round.wall, round.cpu))
        }
        if !again.isEmpty { print("planned again, wall (CPU) s: \(again.joined(separator: ", "))") }
        print("plan: \(users) users, \(changed.groups.count) groups, \(operations) operations planned in \(String(format: "%.2f", wall)) s (\(unchangedUsers) users unchanged); resident with the inputs \(megabytes(residentBefore)), peak while planning \(megabytes(planPeak)), \(megabytes(max(0, planPeak - residentBefore))) of it the plan's own (setting up peaked at \(megabytes(setupPeak)))")
        return Measurement(
            scenario: "plan", users: users, wallSeconds: wall, cpuSeconds: cpu,
            peakMemoryBytes: planPeak, throughputPerSecond: Double(users) / wall,
            notes: [
                "operations": String(operations), "residentBytesWithInputs": String(residentBefore),
                // (getrusage's peak may restart at the reset: the setup's peak bounds it from below.)
                "processPeakBytes": String(processPeak), "setupPeakBytes": String(setupPeak),
                "planOwnBytes": String(max(0, planPeak - residentBefore)),
                "peakSinceInputs": peakMeasured ? "measured" : "unavailable: process peak reported",
            ].merging(again.isEmpty ? [:] : ["again": again.joined(separator: ", ")]) { $1 })
    }

    /// The directory with 1% of users changed, and the contents of a store holding the tenant
    /// before the change; nothing else of the setup stays referenced. The store is filled from a
    /// second generation of the same tenant, so that — as in a real process, where the store
    /// was read from its file or server and the directory from Graph — the two hold equal
    /// strings, not the same ones.
    private static func inputs(users: Int) async throws -> (DirectorySnapshot, IdentityStoreContents) {
        let generator = TenantGenerator(configuration: .init(users: users, groups: max(10, users / 100), seed: 1))
        let store = InMemoryIdentityStore()
        let initial = try StandardSyncPlanner().plan(source: "contoso", directory: generator.generate().snapshot, store: IdentityStoreContents())
        _ = try await SyncExecutor(configuration: .init(maximumConcurrency: 1, membershipBatchSize: 10_000)).apply(initial, to: store)
        var mutator = TenantMutator(generator.generate())
        var random = SeededRandomNumberGenerator(seed: 2)
        mutator.apply(steps: max(1, users / 100), using: &random)
        return (mutator.tenant.snapshot, try await store.contents())
    }
}
