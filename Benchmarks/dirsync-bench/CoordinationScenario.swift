import DirectorySync
import DirectorySyncEntra
import DirectorySyncEtcd
import DirectorySyncTesting
import Foundation

/// `coordination` and `full-sync --etcd URL`: what coordinating replicas through a real etcd costs.
enum CoordinationScenario {
    /// The etcd client for `--etcd URL` (a loopback `http` URL, or `https`).
    static func client(_ url: String) throws -> EtcdClient {
        guard let endpoint = URL(string: url), endpoint.scheme != nil else { throw BenchmarkError("--etcd takes a URL such as http://127.0.0.1:2379") }
        return try EtcdClient(configuration: .init(endpoints: [endpoint]))
    }

    /// A key prefix of this run's own, deleted at the end.
    static func freshPrefix() -> String { "/dirsync-bench/\(UUID().uuidString.lowercased().prefix(8))" }

    /// `coordination`: latency of the store lock (acquire and release around an empty body), of a
    /// run claim (claim and release) and of a slot claim (claim and finish), `iterations` times
    /// each, one replica; then the lock with three replicas contending.
    static func run(etcd url: String, iterations: Int) async throws -> Measurement {
        let client = try client(url)
        let prefix = freshPrefix()
        let replicas = (1...3).map { EtcdSyncCoordinator(client: client, prefix: prefix, replica: "bench-\($0)") }
        let coordinator = replicas[0]
        // One untimed round first: the session lease is granted on first use.
        try await coordinator.withLock(.store) {}
        var lock: [Double] = []
        var claim: [Double] = []
        var slot: [Double] = []
        let timing = try await measure {
            for _ in 0..<iterations {
                lock.append(try await seconds { try await coordinator.withLock(.store) {} })
            }
            for index in 0..<iterations {
                claim.append(
                    try await seconds {
                        guard case .claimed(let held) = try await coordinator.claimRun(of: "bench", runID: "run-\(index)") else {
                            throw BenchmarkError("the run claim was refused with nobody holding it")
                        }
                        await held.release()
                    })
            }
            let base = Date(timeIntervalSince1970: 1_800_000_000)
            for index in 0..<iterations {
                let due = ScheduledSlot(sourceID: "bench", due: base.addingTimeInterval(Double(index) * 3_600))
                slot.append(
                    try await seconds {
                        guard try await coordinator.claimSlot(due) else { throw BenchmarkError("a fresh slot was refused") }
                        try await coordinator.finishSlot(due)
                    })
            }
        }
        // Three replicas taking the lock in turn, each `iterations / 3` times: the wait for the others included.
        let contended = Locked<[Double]>([])
        let each = max(1, iterations / 3)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for replica in replicas {
                group.addTask {
                    for _ in 0..<each {
                        let wait = try await seconds { try await replica.withLock(.store) {} }
                        contended.withLock { $0.append(wait) }
                    }
                }
            }
            try await group.waitForAll()
        }
        for replica in replicas { await replica.shutdown() }
        _ = try? await client.deleteRange(.prefix(prefix + "/"))
        let figures: [(String, [Double])] = [("lock", lock), ("runClaim", claim), ("slotClaim", slot), ("contendedLock", contended.withLock { $0 })]
        var notes: [String: String] = ["iterations": String(iterations), "etcd": url]
        for (name, values) in figures {
            notes["\(name)P50Milliseconds"] = String(format: "%.2f", percentile(values, 0.50) * 1_000)
            notes["\(name)P99Milliseconds"] = String(format: "%.2f", percentile(values, 0.99) * 1_000)
            print(String(format: "%@: p50 %.2f ms, p99 %.2f ms (%d)", name, percentile(values, 0.50) * 1_000, percentile(values, 0.99) * 1_000, values.count))
        }
        return Measurement(
            scenario: "coordination", users: 0, wallSeconds: timing.wall, cpuSeconds: timing.cpu, peakMemoryBytes: ProcessStats.peakMemoryBytes,
            throughputPerSecond: Double(3 * iterations) / timing.wall, notes: notes)
    }

    /// `full-sync --users N --etcd URL`: a whole first synchronization through `DirectoryService`
    /// with its state in etcd (`EtcdSyncStateStore`), coordinated by `EtcdSyncCoordinator` and, for
    /// comparison, by `LocalSyncCoordinator` — the same state store, so the difference is what the
    /// coordination itself costs (claim, store lock, fenced commit). Four rounds in the order
    /// etcd, local, local, etcd — a process that slows down from round to round (its heap grows)
    /// weighs on both alike — compared by their means.
    static func fullSync(users: Int, etcd url: String) async throws -> Measurement {
        let client = try client(url)
        let graph = try LoopbackGraph(users: users, membershipsPerUser: 10)
        defer { graph.server.stop() }
        var local: [(wall: Double, cpu: Double)] = []
        var etcd: [(wall: Double, cpu: Double)] = []
        var operations = 0
        for round in 0..<4 {
            let coordinated = round == 0 || round == 3
            let prefix = freshPrefix()
            let coordinator: any SyncCoordinator =
                coordinated ? EtcdSyncCoordinator(client: client, prefix: prefix, replica: "bench") : LocalSyncCoordinator(replica: "bench")
            let service = try await DirectoryService.open(
                store: InMemoryIdentityStore(), state: EtcdSyncStateStore(client: client, prefix: prefix), secrets: InMemorySecretStore(),
                connector: GraphDirectoryConnector(), configuration: .init(coordinator: coordinator))
            let id = try await service.addSource(name: "Bench", domain: graph.credentials.domain).id
            try await service.setCredentials(
                id, SourceCredentials(
                    clientID: graph.credentials.clientID, tenant: graph.credentials.domain, loginURL: graph.server.baseURL,
                    graphURL: graph.server.baseURL.appendingPathComponent("v1.0")), secret: Secret(graph.credentials.clientSecret))
            _ = try await service.testConnection(id)
            try await service.turnOn(id)
            let run = try await measure { try await service.synchronize(id) }
            guard run.result.isSuccess else { throw BenchmarkError("the synchronization did not succeed: \(run.result.outcome)") }
            operations = run.result.succeeded
            if coordinated { etcd.append((run.wall, run.cpu)) } else { local.append((run.wall, run.cpu)) }
            print(String(format: "round %d, %@: %.2f s", round + 1, coordinated ? "EtcdSyncCoordinator" : "LocalSyncCoordinator", run.wall))
            if let etcdCoordinator = coordinator as? EtcdSyncCoordinator { await etcdCoordinator.shutdown() }
            _ = try? await client.deleteRange(.prefix(prefix + "/"))
        }
        func mean(_ runs: [(wall: Double, cpu: Double)]) -> (wall: Double, cpu: Double) {
            (runs.map(\.wall).reduce(0, +) / Double(runs.count), runs.map(\.cpu).reduce(0, +) / Double(runs.count))
        }
        let best = (local: mean(local), etcd: mean(etcd))
        let overhead = (best.etcd.wall - best.local.wall) / best.local.wall * 100
        print(String(format: "full-sync on etcd state, mean of two rounds each: %.2f s with LocalSyncCoordinator, %.2f s with EtcdSyncCoordinator: coordination %+.1f%%", best.local.wall, best.etcd.wall, overhead))
        return Measurement(
            scenario: "full-sync-etcd", users: users, wallSeconds: best.etcd.wall, cpuSeconds: best.etcd.cpu, peakMemoryBytes: ProcessStats.peakMemoryBytes,
            throughputPerSecond: Double(users) / best.etcd.wall,
            notes: [
                "operations": String(operations), "etcd": url, "localCoordinatorWallSeconds": String(format: "%.3f", best.local.wall),
                "etcdCoordinatorWallSeconds": String(format: "%.3f", best.etcd.wall), "coordinationOverheadPercent": String(format: "%.1f", overhead),
                "rounds": "local \(local.map { String(format: "%.2f", $0.wall) }.joined(separator: ", ")); etcd \(etcd.map { String(format: "%.2f", $0.wall) }.joined(separator: ", "))",
            ])
    }

    /// How long `body` took, in seconds.
    private static func seconds(_ body: () async throws -> Void) async throws -> Double {
        let start = ContinuousClock.now
        try await body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    private static func percentile(_ values: [Double], _ fraction: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * fraction).rounded()))]
    }
}
