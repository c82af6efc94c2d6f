import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation

/// `graph-read`: a full read through `GraphDirectoryProvider` from the loopback Graph emulator
/// (users N, groups N/10 or `--groups`, about five memberships per user), decoded into a snapshot.
/// `--groups 0` measures the user read alone. A second read follows, with the emulator serving
/// the pages it already encoded: what the client costs when the server's work is not on its cores.
enum GraphReadScenario {
    static func run(users: Int, groups: Int?) async throws -> Measurement {
        let graph = try LoopbackGraph(users: users, groups: groups, membershipsPerUser: 5)
        defer { graph.server.stop() }
        let provider = graph.provider()
        let timing = try await measure { try await provider.read() }
        let snapshot = timing.result
        let warm = try await measure { try await provider.read() }
        let memberships = snapshot.groups.reduce(0) { $0 + $1.memberUserIDs.count }
        print("graph-read: \(snapshot.users.count) users, \(snapshot.groups.count) groups, \(memberships) memberships in \(snapshot.statistics.requests) requests (\(snapshot.statistics.resourceUnits) resource units), \(String(format: "%.2f", timing.wall)) s; again with the emulator's pages cached: \(String(format: "%.2f", warm.wall)) s")
        return Measurement(
            scenario: "graph-read", users: users, wallSeconds: timing.wall, cpuSeconds: timing.cpu, peakMemoryBytes: ProcessStats.peakMemoryBytes,
            requests: snapshot.statistics.requests, resourceUnits: snapshot.statistics.resourceUnits,
            throughputPerSecond: Double(users) / timing.wall, notes: ["groups": String(snapshot.groups.count), "memberships": String(memberships), "cachedServerWallSeconds": String(format: "%.3f", warm.wall)])
    }
}
