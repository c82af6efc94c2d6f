import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

/// Fails the SCIM write number `at` (POST, PUT, PATCH, DELETE, counted from 0) with `status`.
final class FailingWrites: HTTPTransport {
    let base = SCIMServer.transport()
    let plan = Locked<(at: Int, status: Int, seen: Int)>((-1, 0, 0))
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if request.method != .get {
            let fail = plan.withLock { state -> Int? in
                defer { state.seen += 1 }
                return state.seen == state.at ? state.status : nil
            }
            if let status = fail {
                let body = #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"\#(status)","detail":"injected"}"#
                return HTTPResponse(status: status, headers: ["Content-Type": "application/scim+json"], body: Data(body.utf8))
            }
        }
        return try await base.send(request)
    }
}

/// A store that cancels the running synchronization when write number `at` starts.
final class CancellingStore<Base: IdentityStore>: IdentityStore {
    let base: Base
    let state = Locked<(at: Int, seen: Int, task: Task<SyncRunResult, any Error>?)>((-1, 0, nil))
    init(_ base: Base) { self.base = base }
    private func write() {
        let task = state.withLock { state -> Task<SyncRunResult, any Error>? in
            defer { state.seen += 1 }
            return state.seen == state.at ? state.task : nil
        }
        task?.cancel()
    }
    func contents() async throws -> IdentityStoreContents { try await base.contents() }
    func createUser(_ p: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser { write(); return try await base.createUser(p, origin: origin) }
    func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser { write(); return try await base.updateUser(id, profile: profile, origin: origin) }
    func deleteUser(_ id: IdentityID) async throws { write(); try await base.deleteUser(id) }
    func createGroup(_ p: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup { write(); return try await base.createGroup(p, origin: origin) }
    func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup { write(); return try await base.updateGroup(id, profile: profile, origin: origin) }
    func deleteGroup(_ id: IdentityID) async throws { write(); try await base.deleteGroup(id) }
    func addMembers(_ u: [IdentityID], to g: IdentityID) async throws { write(); try await base.addMembers(u, to: g) }
    func removeMembers(_ u: [IdentityID], from g: IdentityID) async throws { write(); try await base.removeMembers(u, from: g) }
}

/// A tenant in an in-process Graph emulator with a fixed clock, and providers reading it without real waits.
struct MatrixGraph {
    /// The one clock of the emulator, the providers and the service: retries' waits move it instead of sleeping.
    let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
    let emulator: GraphEmulator
    let credentials: EmulatorCredentials
    let endpoints = EntraEndpoints(login: URL(string: "https://login.emulator.test")!, graph: URL(string: "https://graph.emulator.test/v1.0")!)

    init(users: Int, groups: Int, seed: UInt64) {
        emulator = GraphEmulator(clock: clock)
        credentials = emulator.load(TenantGenerator(configuration: .init(users: users, groups: groups, seed: seed)).generate())
    }

    /// The providers' configuration: the emulator's endpoints, `retryPolicy`, and the shared clock.
    func configuration(retryPolicy: RetryPolicy = RetryPolicy(jitter: { 0.5 }), pageSize: Int = 999) -> GraphDirectoryProvider.Configuration {
        GraphDirectoryProvider.Configuration(endpoints: endpoints, pageSize: pageSize, retryPolicy: retryPolicy, clock: clock.syncClock)
    }

    func provider() -> GraphDirectoryProvider {
        GraphDirectoryProvider(
            credentials: SourceCredentials(clientID: credentials.clientID, tenant: credentials.domain), secret: Secret(credentials.clientSecret),
            configuration: configuration(), transport: EmulatorTransport(emulator))
    }
}

/// One fault of the matrix: how to inject it, and the outcomes that report it correctly.
struct MatrixFault: Sendable {
    var name: String
    var allowed: [String]
    /// Served over a loopback socket to `URLSessionTransport` with a 1 s timeout, instead of in process.
    var overLoopback = false
    var inject: @Sendable (GraphEmulator, _ storeFault: @Sendable (Int) -> Void) -> Void
}

/// The fault matrix: Graph emulator → DirectoryService → store, for every fault in the list.
/// Each row asserts that no in-scope identity was removed, that nothing outside the run's plan
/// changed, that the outcome names the fault, and that the next fault-free run converges.
/// With `DIRECTORYSYNC_RELIABILITY_TABLE=FILE` the rows are appended to FILE (see scripts/reliability-table.sh).
@Suite("Fault matrix", .serialized)
struct FaultMatrixTests {
    static let faults: [MatrixFault] = [
        MatrixFault(name: "429 storm with Retry-After", allowed: ["succeeded"]) { e, _ in e.scheduleFault(.status(429, retryAfter: "1"), times: 2) },
        MatrixFault(name: "429 storm without Retry-After, past the retry budget", allowed: ["failed: throttled"]) { e, _ in e.scheduleFault(.status(429), times: 50) },
        MatrixFault(name: "500 burst", allowed: ["failed: graphError"]) { e, _ in e.scheduleFault(.status(500), times: 5) },
        MatrixFault(name: "503 burst (within the retries)", allowed: ["succeeded"]) { e, _ in e.scheduleFault(.status(503), times: 2) },
        MatrixFault(name: "504 burst, past the retry budget", allowed: ["failed: throttled"]) { e, _ in e.scheduleFault(.status(504), times: 50) },
        MatrixFault(name: "connection resets (within the retries)", allowed: ["succeeded"]) { e, _ in e.scheduleFault(.dropConnection, times: 2) },
        MatrixFault(name: "connection resets, persistent", allowed: ["failed: network"]) { e, _ in e.scheduleFault(.dropConnection, times: 50) },
        MatrixFault(name: "slow responses past the timeout (within the retries)", allowed: ["succeeded"], overLoopback: true) { e, _ in
            e.scheduleFault(.delay(8), times: 2, pathPrefix: "/v1.0/")
        },
        MatrixFault(name: "slow responses past the timeout, persistent", allowed: ["failed: network"], overLoopback: true) { e, _ in
            e.scheduleFault(.delay(8), times: 50, pathPrefix: "/v1.0/")
        },
        MatrixFault(name: "401 on a page (token renewed once)", allowed: ["succeeded"]) { e, _ in e.scheduleFault(.status(401), times: 1, pathPrefix: "/v1.0/") },
        MatrixFault(name: "401 on a page, persistent", allowed: ["failed: authenticationFailed"]) { e, _ in e.scheduleFault(.status(401), times: 50, pathPrefix: "/v1.0/") },
        MatrixFault(name: "token expired in the middle of a read", allowed: ["succeeded"]) { e, _ in e.scheduleFault(.status(401), times: 1, pathPrefix: "/v1.0/groups") },
        MatrixFault(name: "malformed JSON", allowed: ["failed: unexpectedResponse"]) { e, _ in e.scheduleFault(.malformedBody, pathPrefix: "/v1.0/") },
        MatrixFault(name: "truncated page", allowed: ["failed: unexpectedResponse"]) { e, _ in e.scheduleFault(.truncatedBody, pathPrefix: "/v1.0/") },
        MatrixFault(name: "missing next link on a users page (full read)", allowed: ["needs confirmation"]) { e, _ in
            // The delta link expires, so the run reads everything; the first users page then ends early.
            e.expireDeltaLinks()
            e.scheduleFault(.omitNextLink, times: 3, pathPrefix: "/v1.0/users")
        },
        MatrixFault(name: "delta expired (400 syncStateNotFound)", allowed: ["succeeded, full read (change tracking expired)"]) { e, _ in e.expireDeltaLinks() },
        MatrixFault(name: "delta reset (410 Gone)", allowed: ["succeeded, full read (change tracking was reset by the directory)"]) { e, _ in e.setDeltaReset(true) },
        MatrixFault(name: "store 409 in the middle of apply", allowed: ["partially failed"]) { _, store in store(409) },
        MatrixFault(name: "store 412 in the middle of apply", allowed: ["partially failed", "succeeded"]) { _, store in store(412) },
        MatrixFault(name: "store 500 in the middle of apply", allowed: ["partially failed"]) { _, store in store(500) },
    ]

    static func label(_ record: RunRecord) -> String {
        switch record.outcome {
        case .succeeded:
            if case .full(let reason) = record.readKind, reason == .trackingExpired || reason == .trackingReset { return "succeeded, full read (\(reason))" }
            return "succeeded"
        case .partiallyFailed: return "partially failed"
        case .needsConfirmation: return "needs confirmation"
        case .cancelled: return "cancelled"
        case .failed(let message): return "failed: " + (message.split(separator: ":").first.map(String.init) ?? message)
        }
    }

    /// Runs every fault against a store made by `makeStore`; returns the table rows.
    static func matrix(
        storeName: String, makeStore: () async throws -> (any IdentityStore, @Sendable (Int) -> Void, @Sendable () -> Void)
    ) async throws -> [String] {
        var rows: [String] = []
        for fault in faults {
            let graph = MatrixGraph(users: 40, groups: 6, seed: 21)
            let (store, storeFault, heal) = try await makeStore()
            var endpoints = graph.endpoints
            var transport: any HTTPTransport = EmulatorTransport(graph.emulator)
            let server = LoopbackHTTPServer(graph.emulator)
            defer { server.stop() }
            if fault.overLoopback {
                try server.start()
                endpoints = EntraEndpoints(login: server.baseURL, graph: server.baseURL.appendingPathComponent("v1.0"))
                // 3 s against answers held back 8 s: a busy machine's ordinary answers stay well inside it.
                transport = URLSessionTransport(configuration: .init(timeout: 3))
            }
            let connector = GraphDirectoryConnector(configuration: .init(
                provider: graph.configuration(retryPolicy: RetryPolicy(maximumAttempts: 4, jitter: { 0.5 }), pageSize: 10), transport: transport))
            let service = try await DirectoryService.open(
                store: store, state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector, clock: graph.clock.syncClock)
            let source = try await service.addSource(name: "Matrix", domain: graph.credentials.domain)
            try await service.setCredentials(
                source.id, SourceCredentials(clientID: graph.credentials.clientID, tenant: graph.credentials.domain, loginURL: endpoints.login, graphURL: endpoints.graph),
                secret: Secret(graph.credentials.clientSecret))
            _ = try await service.testConnection(source.id)
            try await service.turnOn(source.id)
            let baseline = try await service.synchronize(source.id)
            #expect(baseline.isSuccess, "\(fault.name): the fault-free baseline failed")

            // Changes for the faulty run to apply: renames, a soft delete, a new user, a membership change.
            let tenant = graph.credentials.tenantID
            let users = graph.emulator.users(tenant: tenant)
            for user in users.prefix(3) { graph.emulator.modifyUser(id: user.id, tenant: tenant) { $0.displayName = "Renamed \($0.id.prefix(6))" } }
            graph.emulator.softDeleteUser(id: users[5].id, tenant: tenant)
            graph.emulator.upsertUser(DirectoryUser(id: "new-user", userPrincipalName: "new.user@\(graph.credentials.domain)", mail: "new.user@\(graph.credentials.domain)"), tenant: tenant)
            if let group = graph.emulator.groups(tenant: tenant).first(where: { !$0.memberUserIDs.isEmpty }) {
                graph.emulator.removeMember(group.memberUserIDs[0], from: group.id, tenant: tenant)
            }
            let before = try await store.contents()
            let expectedPlan = try StandardSyncPlanner().plan(
                source: source.id, directory: try await graph.provider().read(), store: before)
            let planned = Set(expectedPlan.operations.compactMap { $0.action.externalID })
            let inScope = Set(try await graph.provider().read().users.map { $0.id })

            fault.inject(graph.emulator, storeFault)
            let record = try await service.synchronize(source.id)
            graph.emulator.clearFaults()
            graph.emulator.setDeltaReset(false)
            heal()
            let after = try await store.contents()

            func origins(_ contents: IdentityStoreContents) -> [String: UserProfile] {
                Dictionary(contents.users.compactMap { user in user.origin.externalID.map { ($0, user.profile) } }, uniquingKeysWith: { a, _ in a })
            }
            let (old, new) = (origins(before), origins(after))
            let removedInScope = Set(old.keys).subtracting(new.keys).intersection(inScope)
            let changed = Set(old.keys).union(new.keys).filter { old[$0] != new[$0] }
            let outsidePlan = changed.subtracting(planned)
            let label = Self.label(record)
            #expect(removedInScope.isEmpty, "\(fault.name): removed in-scope users \(removedInScope)")
            #expect(outsidePlan.isEmpty, "\(fault.name): changed outside the plan \(outsidePlan)")
            #expect(fault.allowed.contains(label), "\(fault.name): reported '\(label)'")

            _ = try await service.synchronize(source.id)
            let converged = try await service.synchronize(source.id)
            let fresh = try StandardSyncPlanner().plan(
                source: source.id, directory: try await graph.provider().read(), store: try await store.contents())
            let isConverged = converged.isSuccess && fresh.operations.isEmpty
            #expect(isConverged, "\(fault.name): the next fault-free runs did not converge")
            rows.append("| \(fault.name) | \(storeName) | \(label) | \(removedInScope.count) | \(outsidePlan.count) | \(isConverged ? "yes" : "NO") |")
        }
        return rows
    }

    /// Cancels the run at every write index of a plan; each time the next run converges.
    static func killedMidApply<Store: IdentityStore>(storeName: String, indices: (Int) -> [Int], makeStore: () async throws -> Store) async throws -> String {
        var cancelled = 0
        var converged = 0
        var total = 0
        var index = 0
        repeat {
            let graph = MatrixGraph(users: 30, groups: 4, seed: 22)
            let store = CancellingStore(try await makeStore())
            let synchronizer = SourceSynchronizer(source: "kill", provider: graph.provider(), store: store, state: InMemorySyncStateStore())
            let plan = try await synchronizer.plan(try await synchronizer.read(filter: .all), settings: SyncSettings())
            total = plan.operations.count
            let targets = indices(total)
            guard index < targets.count else { break }
            let task = Task { try await synchronizer.synchronize(settings: SyncSettings()) }
            store.state.withLock { $0 = (targets[index], 0, task) }
            let result = try await task.value
            if result.report.wasCancelled { cancelled += 1 }
            #expect(!result.committed || !result.report.wasCancelled)
            _ = try await synchronizer.synchronize(settings: SyncSettings())
            let again = try await synchronizer.synchronize(settings: SyncSettings())
            if again.plan.operations.isEmpty { converged += 1 }
            index += 1
        } while true
        #expect(converged == index, "every cancelled run converges")
        return "| process killed in the middle of apply (cancelled when write k starts, for \(index) of \(total) indices k) | \(storeName) | cancelled with operations not started: \(cancelled) of \(index) (at the other indices every operation had already started) | 0 | 0 | \(converged == index ? "yes" : "NO") (\(converged) of \(index)) |"
    }

    static func record(_ rows: [String]) throws {
        guard let path = ProcessInfo.processInfo.environment["DIRECTORYSYNC_RELIABILITY_TABLE"] else { return }
        let handle = FileHandle(forWritingAtPath: path) ?? { _ = FileManager.default.createFile(atPath: path, contents: nil); return FileHandle(forWritingAtPath: path)! }()
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((rows.joined(separator: "\n") + "\n").utf8))
        try handle.close()
    }

    @Test("every fault against the in-memory store")
    func inMemory() async throws {
        var rows = try await Self.matrix(storeName: "in-memory") {
            let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
            let inject: @Sendable (Int) -> Void = { status in
                let code: IdentityStoreError.Code = status == 409 ? .addressInUse : status == 412 ? .modifiedConcurrently : .unavailable
                let start = store.writesAttempted
                store.failWrites(where: { _, number in number == start + 2 }, with: IdentityStoreError(code, detail: "injected \(status)"))
            }
            return (store, inject, { store.heal() })
        }
        rows.append(try await Self.killedMidApply(storeName: "in-memory", indices: { Array(0..<$0) }) { InMemoryIdentityStore() })
        try Self.record(rows)
    }

    @Test("every fault against the real SCIM server")
    func scim() async throws {
        guard try await SCIMServer.freshStore() != nil else { return }
        var rows = try await Self.matrix(storeName: "SCIM") {
            let transport = FailingWrites()
            let store = try await SCIMServer.freshStore(transport: transport)!
            return (store, { status in transport.plan.withLock { $0 = (2, status, 0) } }, { transport.plan.withLock { $0.at = -1 } })
        }
        rows.append(try await Self.killedMidApply(storeName: "SCIM", indices: { [0, $0 / 3, 2 * $0 / 3, $0 - 1] }) { try await SCIMServer.freshStore()! })
        try Self.record(rows)
    }
}
