import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation

/// `explain`: a `DirectoryService` over the loopback Graph emulator (N users, N/10 groups, ten
/// memberships each) after a first synchronization into an in-memory store, its report kept in a
/// file state store, and a second run with nothing to change; then `explain` of users one by one —
/// the lookups, the focused plan, and the last run's report. Also: finding one user's records in
/// the first run's report.
enum ExplainScenario {
    static func run(users: Int) async throws -> Measurement {
        let graph = try LoopbackGraph(users: users, membershipsPerUser: 10)
        defer { graph.server.stop() }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-bench-explain-\(getpid())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let lookups = Locked<(seconds: Double, calls: Int)>((0, 0))
        let latency = Locked<Double>(0)
        let transport = LatencyTransport(base: URLSessionTransport(), latency: latency)
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: try FileSyncStateStore(folder: folder), secrets: InMemorySecretStore(),
            connector: TimedConnector(base: GraphDirectoryConnector(configuration: .init(transport: transport)), lookups: lookups))
        let id = try await service.addSource(name: "Bench", domain: graph.credentials.domain).id
        try await service.setCredentials(
            id, SourceCredentials(
                clientID: graph.credentials.clientID, tenant: graph.credentials.domain, loginURL: graph.server.baseURL,
                graphURL: graph.server.baseURL.appendingPathComponent("v1.0")), secret: Secret(graph.credentials.clientSecret))
        _ = try await service.testConnection(id)
        try await service.turnOn(id)
        let first = try await measure { try await service.synchronize(id) }
        // What finding one user's records in the first run's report costs (a scan of 1.3 million).
        let shelf = RunReportShelf(state: try FileSyncStateStore(folder: folder), sourceID: id, retention: RunReportRetention())
        let firstReport = try await shelf.entries().last!
        let scan = try await measure {
            var found = 0
            for try await _ in shelf.records(of: firstReport, naming: [graph.tenant.users[7].primaryEmail ?? ""]) { found += 1 }
            return found
        }
        // Then a run with nothing to change: explain as on any later day (its report is small).
        _ = try await service.synchronize(id)
        var random = SeededRandomNumberGenerator(seed: 3)
        let sample = graph.tenant.users.shuffled(using: &random).prefix(10)
        var walls: [Double] = []
        var own: [Double] = []
        var requests: [Int] = []
        var cpu = 0.0
        for user in sample {
            lookups.withLock { $0 = (0, 0) }
            let timing = try await measure { try await service.explain(id, user: user.primaryEmail ?? user.userPrincipalName) }
            walls.append(timing.wall)
            own.append(timing.wall - lookups.withLock { $0.seconds })
            cpu += timing.cpu
            requests.append(timing.result.first?.requests ?? 0)
            guard timing.result.first?.lastRun != nil else { throw BenchmarkError("explain found no last run for \(user.userPrincipalName)") }
        }
        // The same users again with a Graph-like round trip on every request: what the concurrent
        // lookups leave of the sequential steps.
        latency.withLock { $0 = Self.roundTrip }
        var distant: [Double] = []
        for user in sample { distant.append(try await measure { try await service.explain(id, user: user.primaryEmail ?? user.userPrincipalName) }.wall) }
        latency.withLock { $0 = 0 }
        distant.sort()
        walls.sort()
        own.sort()
        let median = walls[walls.count / 2]
        print(String(
            format: "explain: %d users (first run %.2f s, %@; one user's %d records found in its %d-record report in %.3f s); after a run with nothing to change, explain one user: median %.3f s, slowest %.3f s (the first builds the emulator's lookup index), %d–%d requests; without the lookups: median %.3f s, slowest %.3f s; with %.0f ms added to every request (a Graph round trip): median %.3f s, slowest %.3f s",
            users, first.wall, "\(first.result.succeeded) operations", scan.result, firstReport.records, scan.wall, median, walls.last!, requests.min()!, requests.max()!,
            own[own.count / 2], own.last!, Self.roundTrip * 1000, distant[distant.count / 2], distant.last!))
        return Measurement(
            scenario: "explain", users: users, wallSeconds: median, cpuSeconds: cpu / Double(walls.count), peakMemoryBytes: ProcessStats.peakMemoryBytes,
            requests: requests.max()!, notes: [
                "slowestSeconds": String(format: "%.3f", walls.last!), "firstRunSeconds": String(format: "%.2f", first.wall),
                "medianWithoutLookupsSeconds": String(format: "%.3f", own[own.count / 2]),
                "firstReportScanSeconds": String(format: "%.3f", scan.wall), "firstReportRecords": String(firstReport.records),
                "medianWithRoundTripSeconds": String(format: "%.3f", distant[distant.count / 2]), "slowestWithRoundTripSeconds": String(format: "%.3f", distant.last!),
            ])
    }
}

extension ExplainScenario {
    /// What each request waits in the second pass: a Graph round trip from a nearby region.
    static let roundTrip = 0.05
}

/// Adds `latency` seconds before every request (none while it is 0).
private struct LatencyTransport: HTTPTransport {
    let base: any HTTPTransport
    let latency: Locked<Double>

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let delay = latency.withLock { $0 }
        if delay > 0 { try await Task.sleep(for: .seconds(delay)) }
        return try await base.send(request)
    }
}

/// Hands out the Graph connector's providers, timing their lookups.
private struct TimedConnector: DirectoryConnector {
    let base: GraphDirectoryConnector
    let lookups: Locked<(seconds: Double, calls: Int)>
    var sourceType: String { base.sourceType }
    func provider(for connection: SourceConnection) throws -> any DirectoryProvider { TimedProvider(base: try base.provider(for: connection), lookups: lookups) }
    func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult { await base.testConnection(connection) }
}

private struct TimedProvider: DirectoryProvider {
    let base: any DirectoryProvider
    let lookups: Locked<(seconds: Double, calls: Int)>
    func read(filter: SyncFilter) async throws -> DirectorySnapshot { try await base.read(filter: filter) }
    func readChanges(since cursor: DirectoryCursor?, filter: SyncFilter) async throws -> DirectoryRead { try await base.readChanges(since: cursor, filter: filter) }
    func lookUp(_ lookup: DirectoryLookup) async throws -> DirectoryExcerpt {
        let timing = try await measure { try await base.lookUp(lookup) }
        lookups.withLock { $0 = ($0.seconds + timing.wall, $0.calls + 1) }
        return timing.result
    }
}
