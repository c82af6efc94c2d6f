import DirectorySync
@testable import DirectorySyncEtcd
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Replicas of one deployment on the shared etcd: each with its own client, as separate processes have.
///
/// Leases of 300 s by default. These tests end a replica's claims by revoking its lease
/// (``loseClaims(_:)``), never by waiting for it to expire, so a long lease costs nothing. A short
/// one does: under the whole suite on two cores, the test process's cooperative threads are so
/// busy that a few etcd requests can take longer than 30 s (a CI run saw a claim made and checked
/// at once fail its check because its 30 s lease, counted from before the grant, had run out).
struct EtcdReplicas {
    let prefix: String
    let coordinators: [EtcdSyncCoordinator]
    let admin: EtcdClient

    init?(_ count: Int, ttl: Duration = .seconds(300), clock: SyncClock = .system, prefix: String = EtcdServer.freshPrefix()) async throws {
        guard let admin = try await EtcdServer.client() else { return nil }
        self.prefix = prefix
        self.admin = admin
        coordinators = try (0..<count).map { index in
            EtcdSyncCoordinator(
                client: try EtcdClient(configuration: admin.configuration), prefix: prefix, replica: "replica-\(index)",
                configuration: .init(ttl: ttl), clock: clock)
        }
    }

    /// Revokes a replica's session lease behind its back, as when it expires while the replica is paused.
    func loseClaims(_ index: Int) async throws {
        guard let lease = coordinators[index].sessionLease else { return }
        try await admin.revokeLease(lease)
    }

    func shutdown() async { for coordinator in coordinators { await coordinator.shutdown() } }
}

@Suite("EtcdSyncCoordinator")
struct EtcdSyncCoordinatorTests {
    @Test("replicas on one etcd keep the SyncCoordinator contract", arguments: SyncCoordinatorContract.checks)
    func contract(_ check: SyncCoordinatorContract.Check) async throws {
        guard try await EtcdServer.client() != nil else { return }
        let made = Locked<[EtcdReplicas]>([])
        defer { for replicas in made.withLock({ $0 }) { Task { await replicas.shutdown() } } }
        try await check.run { count in
            guard let replicas = try await EtcdReplicas(count) else { throw ContractViolation(check: check.name, message: "etcd went away") }
            made.withLock { $0.append(replicas) }
            return SyncCoordinatorContract.Replicas(coordinators: replicas.coordinators) { try await replicas.loseClaims($0) }
        }
    }

    @Test("a lease revoked behind the replica's back: check() throws claimLost, isHeld turns false, a fenced write writes nothing")
    func revokedLease() async throws {
        // A lease so long that its first renewal (a third of it, 200 s) comes after this test: no
        // renewal can notice the revocation before the write below, however slow the machine.
        guard let replicas = try await EtcdReplicas(2, ttl: .seconds(600)) else { return }
        defer { Task { await replicas.shutdown() } }
        let (a, b) = (replicas.coordinators[0], replicas.coordinators[1])
        let store = EtcdSyncStateStore(client: replicas.admin, prefix: replicas.prefix)
        guard case .claimed(let claim) = try await a.claimRun(of: "contoso", runID: "run-a") else { Issue.record("not claimed"); return }
        try await store.setData([(StateKey("contoso", "tracking"), Data("first".utf8))], fencedBy: claim)
        #expect(try await store.data(for: StateKey("contoso", "tracking")) == Data("first".utf8))

        try await replicas.loseClaims(0)
        // Paused between its last check and its write: the local view still says held, etcd's condition does not.
        #expect(claim.isHeld)
        let big = Data(repeating: 7, count: 3 * 1024 * 1024)
        await #expect(throws: SyncCoordinationError.claimLost("contoso", replica: "replica-0")) {
            try await store.setData([(StateKey("contoso", "tracking"), Data("late".utf8)), (StateKey("contoso", "mirror"), big)], fencedBy: claim)
        }
        #expect(!claim.isHeld)
        #expect(try await store.data(for: StateKey("contoso", "tracking")) == Data("first".utf8))
        #expect(try await store.data(for: StateKey("contoso", "mirror")) == nil)
        #expect(try await replicas.admin.range(.prefix("\(replicas.prefix)/blobs/"), keysOnly: true).keyValues.isEmpty)
        await #expect(throws: SyncCoordinationError.self) { try await claim.check() }

        guard case .claimed(let takeover) = try await b.claimRun(of: "contoso", runID: "run-b") else { Issue.record("not taken over"); return }
        try await store.setData([(StateKey("contoso", "tracking"), Data("second".utf8))], fencedBy: takeover)
        // The old claim's release must not remove the new holder's claim.
        await claim.release()
        #expect(try await a.runHolder(of: "contoso")?.runID == "run-b")
        await takeover.release()
    }

    @Test("a partitioned replica: renewals fail, isHeld turns false after the TTL, another replica takes over; back, its check and fenced writes fail")
    func partition() async throws {
        // A member of its own, leases of 20 s and requests that wait 30 s: under the whole suite
        // on two cores, leases of 2 s lapsed between a claim and its first check, and a session
        // of 10 s whose renewals gave up after 1 s was lost between a claim and its check. The
        // cut itself fails at once, so no short timeout is needed to see it.
        guard let member = try await EtcdServer.ownMember() else { return }
        defer { member.remove() }
        let admin = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)))
        let prefix = EtcdServer.freshPrefix()
        let cut = CuttableTransport(LoopbackHTTPTransport())
        let isolated = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: admin.configuration, transport: cut), prefix: prefix,
            replica: "isolated", configuration: .init(ttl: .seconds(20)))
        let other = EtcdSyncCoordinator(client: try EtcdClient(configuration: admin.configuration), prefix: prefix, replica: "other", configuration: .init(ttl: .seconds(20)))
        defer { Task { await other.shutdown(); await isolated.shutdown() } }
        guard case .claimed(let claim) = try await isolated.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }
        cut.isCut = true
        defer { cut.isCut = false }  // also when a wait below gives up, so the shutdown above reaches etcd
        try await waitUntil("the claim to be no longer held") { !claim.isHeld }
        try await waitUntil("another replica to take the source over") {
            if case .claimed(let takeover) = try await other.claimRun(of: "contoso", runID: "run-2") {
                await takeover.release()
                return true
            }
            return false
        }
        cut.isCut = false
        await #expect(throws: SyncCoordinationError.self) { try await claim.check() }
        let store = EtcdSyncStateStore(client: admin, prefix: prefix)
        await #expect(throws: SyncCoordinationError.self) { try await store.setData([(StateKey("contoso", "tracking"), Data("late".utf8))], fencedBy: claim) }
        #expect(try await store.data(for: StateKey("contoso", "tracking")) == nil)
        // Reconnected, the replica claims again under a new session.
        guard case .claimed(let again) = try await isolated.claimRun(of: "contoso", runID: "run-3") else { Issue.record("not claimed again"); return }
        try await again.check()
        await again.release()
    }

    @Test("etcd stopped and restarted on its data: typed `unavailable` while down, everything works after, nothing lost")
    func etcdRestart() async throws {
        guard let member = try await EtcdServer.ownMember() else { return }
        defer { member.remove() }
        // A stopped member refuses connections at once: the timeout only bounds a slow answer
        // (10 s, not 1 s: a 2 MiB write on a busy machine can take longer than a second).
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(10)))
        let coordinator = EtcdSyncCoordinator(client: client, prefix: "/dirsync/restart", replica: "r", configuration: .init(ttl: .seconds(90)))
        defer { Task { await coordinator.shutdown() } }
        let store = EtcdSyncStateStore(client: client, prefix: "/dirsync/restart")
        let large = Data(repeating: 4, count: 2 * 1024 * 1024)
        try await store.setData(large, for: StateKey("contoso", "mirror"))
        guard case .claimed(let claim) = try await coordinator.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }

        await member.stop()
        for operation: @Sendable () async throws -> Void in [
            { _ = try await coordinator.claimRun(of: "fabrikam", runID: "x") }, { _ = try await coordinator.runHolder(of: "contoso") },
            { try await claim.check() }, { _ = try await coordinator.claimSlot(ScheduledSlot(sourceID: "contoso", due: Date())) },
            { _ = try await coordinator.abandonedSlots() }, { try await coordinator.withLock(.store) {} },
        ] {
            do {
                try await operation()
                Issue.record("succeeded while etcd was down")
            } catch let error as SyncCoordinationError {
                #expect(error.code == .unavailable)
                #expect((error.underlying as? EtcdError)?.code == .unavailable)
            }
        }
        await #expect(throws: SyncStateError.self) { try await store.data(for: StateKey("contoso", "mirror")) }
        await #expect(throws: SyncStateError.self) { try await store.setData(Data("x".utf8), for: StateKey("contoso", "tracking")) }

        try await member.restart()
        #expect(try await store.data(for: StateKey("contoso", "mirror")) == large)
        // The lease survived the restart (etcd renews leases when a leader starts): the claim is still held.
        try await claim.check()
        #expect(try await coordinator.runHolder(of: "contoso")?.runID == "run-1")
        try await coordinator.withLock(.store) {}
        await claim.release()
        #expect(try await coordinator.runHolder(of: "contoso") == nil)
    }

    @Test("locks queue in arrival order; a waiter that gives up leaves the line; shutdown releases everything at once")
    func locks() async throws {
        guard let replicas = try await EtcdReplicas(3) else { return }
        let (a, b, c) = (replicas.coordinators[0], replicas.coordinators[1], replicas.coordinators[2])
        let order = Locked<[String]>([])
        let release = AsyncGate()
        // Whatever happens below (a wait that gives up throws): no task left holding a lock, no
        // session left renewing for the rest of the run.
        defer {
            release.open()
            Task { await replicas.shutdown() }
        }
        let holding = Task { try await a.withLock(.store) { order.withLock { $0.append("a") }; await release.wait() } }
        try await waitUntil("a to hold the lock") { order.withLock { $0 } == ["a"] }
        let lockPrefix = "\(replicas.prefix)/locks/store/"
        let waitingB = Task { try await b.withLock(.store) { order.withLock { $0.append("b") } } }
        try await waitUntil("b to queue") { try await replicas.admin.range(.prefix(lockPrefix), keysOnly: true).count == 2 }
        let giving = Task { try await c.withLock(.store) { order.withLock { $0.append("c-gave-up") } } }
        try await waitUntil("c to queue") { try await replicas.admin.range(.prefix(lockPrefix), keysOnly: true).count == 3 }
        giving.cancel()
        await #expect(throws: CancellationError.self) { try await giving.value }
        try await waitUntil("c to leave the line") { try await replicas.admin.range(.prefix(lockPrefix), keysOnly: true).count == 2 }
        release.open()
        try await holding.value
        try await waitingB.value
        #expect(order.withLock { $0 } == ["a", "b"])

        guard case .claimed = try await a.claimRun(of: "contoso", runID: "run-a") else { Issue.record("not claimed"); return }
        let stuck = Task { try await a.withLock(.sources) { try await Task.sleep(for: .seconds(3_600)) } }
        defer { stuck.cancel() }
        try await waitUntil("a to hold the sources lock") {
            try await replicas.admin.range(.prefix("\(replicas.prefix)/locks/sources/"), keysOnly: true).count == 1
        }
        await a.shutdown()
        #expect(try await b.runHolder(of: "contoso") == nil)
        try await b.withLock(.sources) {}
        await replicas.shutdown()
    }

    @Test("finished slots older than the retention are forgotten when a slot of the source finishes")
    func slotRetention() async throws {
        let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        guard let replicas = try await EtcdReplicas(1, clock: clock.syncClock) else { return }
        defer { Task { await replicas.shutdown() } }
        let coordinator = replicas.coordinators[0]
        let old = ScheduledSlot(sourceID: "contoso", due: clock.now.addingTimeInterval(-8 * 86_400))
        let recent = ScheduledSlot(sourceID: "contoso", due: clock.now.addingTimeInterval(-3_600))
        let otherSource = ScheduledSlot(sourceID: "fabrikam", due: clock.now.addingTimeInterval(-9 * 86_400))
        for slot in [old, recent, otherSource] {
            #expect(try await coordinator.claimSlot(slot))
        }
        try await coordinator.finishSlot(otherSource)
        try await coordinator.finishSlot(old)
        let now = ScheduledSlot(sourceID: "contoso", due: clock.now)
        #expect(try await coordinator.claimSlot(now))
        try await coordinator.finishSlot(now)
        let keys = try await replicas.admin.range(.prefix("\(replicas.prefix)/slots/"), keysOnly: true).keyValues.map(\.key)
        #expect(keys == [
            "\(replicas.prefix)/slots/contoso/001789996400", "\(replicas.prefix)/slots/contoso/001789996400/alive",
            "\(replicas.prefix)/slots/contoso/001790000000",
        ])
        // A slot finished on demand, never claimed, is remembered as done.
        let unclaimed = ScheduledSlot(sourceID: "contoso", due: clock.now.addingTimeInterval(3_600))
        try await coordinator.finishSlot(unclaimed)
        #expect(!(try await coordinator.claimSlot(unclaimed)))
    }

    @Test("state documents in etcd never hold a secret: a service's whole workflow over etcd state, every key and value scanned")
    func noSecretsInEtcd() async throws {
        guard let member = try await EtcdServer.member() else { return }
        let canary = "CANARY-\(UUID().uuidString)~s3cr3t+/=.value"
        let spy = BodyRecorder(LoopbackHTTPTransport())
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)), transport: spy)
        let prefix = EtcdServer.freshPrefix()
        let tenant = TenantGenerator(configuration: .init(users: 60, groups: 6, seed: 7, domain: "contoso.com")).generate()
        let connector = InMemoryDirectoryConnector()
        connector.register(
            tenant: "contoso.com", clientID: "c4a2a7e0-0000-4000-8000-00000000ca11", secret: canary, domains: ["contoso.com"],
            directory: InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups))
        // A time to live that outlasts the whole workflow on a loaded machine.
        let coordinator = EtcdSyncCoordinator(client: client, prefix: prefix, replica: "canary", configuration: .init(ttl: .seconds(120)))
        defer { Task { await coordinator.shutdown() } }
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: EtcdSyncStateStore(client: client, prefix: prefix), secrets: InMemorySecretStore(),
            connector: connector, configuration: .init(coordinator: coordinator))
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        _ = await service.testConnection(domain: "contoso.com", credentials: SourceCredentials(clientID: "c4a2a7e0-0000-4000-8000-00000000ca11", tenant: "contoso.com"), secret: Secret(canary + "-wrong"))
        try await service.setCredentials(source.id, SourceCredentials(clientID: "c4a2a7e0-0000-4000-8000-00000000ca11", tenant: "contoso.com"), secret: Secret(canary))
        _ = try await service.testConnection(source.id)
        _ = try await service.preview(source.id)
        try await service.turnOn(source.id)
        #expect(try await service.synchronize(source.id).outcome == .succeeded)
        #expect(try await service.synchronize(source.id, forceFullRead: true).outcome == .succeeded)
        _ = try await service.status(source.id)

        let stored = try await client.range(.prefix(prefix + "/"))
        let heads = Set(stored.keyValues.map(\.key).filter { $0.hasPrefix("\(prefix)/state/") })
        #expect(heads.isSuperset(of: ["\(prefix)/state/_service/sources", "\(prefix)/state/contoso/history", "\(prefix)/state/contoso/reports"]), "\(heads)")
        let forms = [canary, Data(canary.utf8).base64EncodedString(), canary.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? canary]
        for kv in stored.keyValues {
            let text = kv.key + String(decoding: kv.value, as: UTF8.self)
            for form in forms { #expect(!text.contains(form), "\(kv.key) holds the secret") }
        }
        for body in spy.bodies {
            let text = String(decoding: body, as: UTF8.self)
            // Values go base64 in requests; decode them back too.
            let decoded = text.split(separator: "\"").compactMap { Data(base64Encoded: String($0)) }.map { String(decoding: $0, as: UTF8.self) }
            for form in forms { #expect(!text.contains(form) && !decoded.contains { $0.contains(form) }, "a request to etcd holds the secret") }
        }
    }

    @Test("the coordinator is Sendable: claims from detached tasks at once, one winner")
    func sendable() async throws {
        guard let replicas = try await EtcdReplicas(4) else { return }
        defer { Task { await replicas.shutdown() } }
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for coordinator in replicas.coordinators {
                group.addTask {
                    try await Task.detached {
                        if case .claimed = try await coordinator.claimRun(of: "contoso", runID: "run-\(coordinator.replica)") { return true }
                        return false
                    }.value
                }
            }
            var count = 0
            for try await won in group where won { count += 1 }
            return count
        }
        #expect(winners == 1)
    }
}

/// A transport whose network can be cut: every request fails with a refused connection while cut.
final class CuttableTransport: HTTPTransport {
    private let base: any HTTPTransport
    private let cut = Locked(false)

    init(_ base: any HTTPTransport) { self.base = base }

    var isCut: Bool {
        get { cut.withLock { $0 } }
        set { cut.withLock { $0 = newValue } }
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if isCut { throw HTTPTransportError(.connectionFailed, detail: "cut off", underlying: URLError(.cannotConnectToHost)) }
        return try await base.send(request)
    }
}

/// Passes requests on and keeps every body.
final class BodyRecorder: HTTPTransport {
    private let base: any HTTPTransport
    private let recorded = Locked<[Data]>([])

    init(_ base: any HTTPTransport) { self.base = base }

    var bodies: [Data] { recorded.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        recorded.withLock { $0.append(request.body ?? Data()) }
        return try await base.send(request)
    }
}

/// A gate tasks wait at until it opens.
final class AsyncGate: Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func wait() async {
        await withCheckedContinuation { continuation in
            let openNow = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if openNow { continuation.resume() }
        }
    }

    func open() {
        for waiter in state.withLock({ state -> [CheckedContinuation<Void, Never>] in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }) { waiter.resume() }
    }
}
