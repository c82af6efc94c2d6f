import DirectorySync
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The real servers the failover tests use (``ScriptedServer``), each test on a prefix and a SCIM
/// tenant of its own. Their own, not the ones the etcd and SCIM suites share in the same process:
/// a 20,000-user run and processes killed mid-write must not slow the other suites' timed checks.
enum FailoverServers {
    static let etcdPort = ScriptedServer.freePort()
    static let etcd = ScriptedServer.etcd(port: etcdPort)
    static let scimToken = "failover-\(UUID().uuidString.prefix(8))"
    static let scimPort = ScriptedServer.freePort()
    static let scim = ScriptedServer.scim(port: scimPort, token: scimToken)

    /// Both servers, or `false` when one cannot run here (the test is then skipped loudly, unless
    /// `DIRECTORYSYNC_REQUIRE_ETCD=1` or `DIRECTORYSYNC_REQUIRE_SCIM=1` makes it fail).
    static func available() async throws -> Bool {
        guard try await etcd.available() != nil else { return false }
        return try await scim.available() != nil
    }
}

/// One deployment for a failover test: a generated tenant served by the Graph emulator in this
/// process, a prefix in etcd, a tenant on the real SCIM server, and `dirsync` processes — the
/// replicas — started against them.
final class FailoverCluster: Sendable {
    let tenant: GeneratedTenant
    let emulator = GraphEmulator()
    let server: LoopbackHTTPServer
    let credentials: EmulatorCredentials
    /// `etcd://127.0.0.1:PORT/dirsync-test/<id>`.
    let state: String
    let prefix: String
    let etcdURL: URL
    let scimURL: URL
    /// The file identity store's folder (`--store DIR`) when the test uses one instead of SCIM.
    let storeFolder: URL?
    /// The lease TTL every replica gets (`--lease-ttl`), in seconds.
    let leaseTTL: Int
    /// The test clock's file (`DIRSYNC_TEST_CLOCK_FILE`), when the test moves time.
    let clockFile: URL?

    /// - Parameters:
    ///   - users: The tenant's users.
    ///   - groups: Its groups.
    ///   - leaseTTL: Seconds.
    ///   - etcdPort: Another etcd member's port (a test that stops and restarts etcd has its own).
    ///   - clock: The start time of a test clock shared by the replicas, or `nil` for the real time.
    ///   - fileStore: Whether the identity store is a file store (`--store DIR`: one writing
    ///     process at a time, fast) instead of the SCIM server.
    init(users: Int, groups: Int, leaseTTL: Int = 10, etcdPort: Int = FailoverServers.etcdPort, clock: Date? = nil, fileStore: Bool = false) throws {
        tenant = TenantGenerator(configuration: .init(users: users, groups: groups, seed: 19, membershipsPerUser: 3)).generate()
        credentials = emulator.load(tenant)
        server = LoopbackHTTPServer(emulator)
        try server.start()
        let id = UUID().uuidString.lowercased().prefix(8)
        prefix = "/dirsync-test/\(id)"
        state = "etcd://127.0.0.1:\(etcdPort)\(prefix)"
        etcdURL = URL(string: "http://127.0.0.1:\(etcdPort)")!
        scimURL = URL(string: "http://127.0.0.1:\(FailoverServers.scimPort)/\(id)/v2")!
        storeFolder = fileStore ? FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-failover-store-\(id)") : nil
        self.leaseTTL = leaseTTL
        if let clock {
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-clock-\(id)")
            clockFile = file
            try Self.write(clock, to: file)
        } else {
            clockFile = nil
        }
    }

    deinit {
        server.stop()
        if let clockFile { try? FileManager.default.removeItem(at: clockFile) }
        if let storeFolder { try? FileManager.default.removeItem(at: storeFolder) }
    }

    /// What every replica's environment holds: the client secret (read from the environment with
    /// etcd state), the SCIM token, the test clock.
    var environment: [String: String] {
        var environment = ["DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET": credentials.clientSecret, "DIRSYNC_TEST_SCIM_TOKEN": FailoverServers.scimToken]
        if let clockFile { environment["DIRSYNC_TEST_CLOCK_FILE"] = clockFile.path }
        return environment
    }

    /// `dirsync --state etcd://… <command> --scim-url … (or --store DIR) --replica NAME --lease-ttl TTL`.
    func arguments(_ command: [String], replica: String) -> [String] {
        let store = storeFolder.map { ["--store", $0.path] } ?? ["--scim-url", scimURL.absoluteString, "--scim-token-env", "DIRSYNC_TEST_SCIM_TOKEN"]
        return ["--state", state] + command + store + ["--replica", replica, "--lease-ttl", String(leaseTTL)]
    }

    /// Runs one command to its end.
    func run(_ command: [String], replica: String = "admin") async throws -> DirsyncProcess.Result {
        try await DirsyncProcess.run(arguments(command, replica: replica), environment: environment)
    }

    /// Runs one command that must succeed.
    @discardableResult
    func ok(_ command: [String], replica: String = "admin", sourceLocation: SourceLocation = #_sourceLocation) async throws -> DirsyncProcess.Result {
        let result = try await run(command, replica: replica)
        #expect(result.status == 0, "\(command.joined(separator: " ")): \(result.output)\(result.error)", sourceLocation: sourceLocation)
        return result
    }

    /// Starts a replica in the background.
    func start(_ command: [String], replica: String) throws -> DirsyncProcess.Background {
        try DirsyncProcess.Background(arguments(command, replica: replica), environment: environment)
    }

    /// Adds `Contoso`, saves its credentials (the secret is in the environment), tests them,
    /// sets the schedule, and turns it on.
    func setUp(schedule: [String]? = nil) async throws {
        try await ok(["source", "add", "--name", "Contoso", "--domain", credentials.domain])
        try await ok([
            "credentials", "set", "--source", "Contoso", "--client-id", credentials.clientID, "--tenant", credentials.domain, "--login-url",
            server.baseURL.absoluteString, "--graph-url", "\(server.baseURL)/v1.0",
        ])
        try await ok(["test-connection", "--source", "Contoso"])
        if let schedule { try await ok(["schedule", "set", "--source", "Contoso"] + schedule) }
        try await ok(["on", "--source", "Contoso"])
    }

    /// The source's history, newest first (`history --json`).
    func history() async throws -> [[String: Any]] {
        let result = try await ok(["history", "--source", "Contoso", "--json"])
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]] ?? []
    }

    /// The source's status (`status --json`).
    func status() async throws -> [String: Any] {
        let result = try await ok(["status", "--source", "Contoso", "--json"])
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any] ?? [:]
    }

    /// The replica running the source now, from `status --json` (`runningOn.replica`).
    func runningOn() async throws -> String? {
        (try await status()["runningOn"] as? [String: Any])?["replica"] as? String
    }

    /// The SCIM store the replicas write.
    func store() throws -> SCIMIdentityStore {
        try SCIMIdentityStore(configuration: .init(baseURL: scimURL, bearerToken: Secret(FailoverServers.scimToken), pageSize: 1_000))
    }

    /// How many users the SCIM store holds now (one small request).
    func userCount() async throws -> Int {
        var request = URLRequest(url: scimURL.appendingPathComponent("Users").appending(queryItems: [URLQueryItem(name: "count", value: "0")]))
        request.setValue("Bearer \(FailoverServers.scimToken)", forHTTPHeaderField: "Authorization")
        let (data, _) = try await URLSession.shared.data(for: request)
        return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["totalResults"] as? Int ?? 0
    }

    /// The bytes the file store's log holds: it grows with every write.
    func storeLogBytes() -> Int {
        guard let storeFolder else { return 0 }
        return (try? FileManager.default.attributesOfItem(atPath: storeFolder.appendingPathComponent("identities.log").path)[.size] as? Int) ?? 0
    }

    /// The identity store's contents without identifiers.
    func fingerprint() async throws -> StoreFingerprint {
        if let storeFolder { return StoreFingerprint(try await FileIdentityStore.open(folder: storeFolder, access: .readOnly).contents()) }
        return StoreFingerprint(try await store().contents())
    }

    /// What one synchronization of the tenant gives: the standard planner and executor, into an
    /// empty in-memory store that holds what the replicas' store holds.
    func reference() async throws -> StoreFingerprint {
        let store = InMemoryIdentityStore(capabilities: storeFolder == nil ? IdentityStoreCapabilities(groupDescriptions: false) : .all)
        let plan = try StandardSyncPlanner().plan(source: "contoso", directory: tenant.snapshot, store: try await store.contents(), settings: SyncSettings())
        let report = try await SyncExecutor(configuration: .init(allowExceedingDeletionGuard: true)).apply(plan, to: store)
        #expect(report.isSuccess)
        return StoreFingerprint(try await store.contents())
    }

    /// Moves the replicas' clock.
    func setClock(_ date: Date) throws {
        guard let clockFile else { return }
        try Self.write(date, to: clockFile)
    }

    private static func write(_ date: Date, to file: URL) throws {
        // Written beside and renamed: a reader never sees half a time.
        let temporary = file.appendingPathExtension("new")
        try Data(date.formatted(.iso8601).utf8).write(to: temporary)
        guard rename(temporary.path, file.path) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }
}
