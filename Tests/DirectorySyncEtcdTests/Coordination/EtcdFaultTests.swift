import DirectorySync
@testable import DirectorySyncEtcd
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// A transport that, once armed, does something else with the next request (or `times` requests)
/// to `path`: holds it back (it fails as a timeout, as if sent and never answered; ``replay()``
/// sends the last one later, as etcd applying a proposal late), or sends it and loses the answer
/// (applied, then a timeout). It notes when each request to each path was sent, and keeps each
/// answer it passed on with when its request was sent.
final class FaultyTransport: HTTPTransport {
    enum Fault { case holdBack, loseAnswer }
    /// A request and its answer: when it was sent, when the answer came, and the answer.
    struct Exchange {
        let sent, answered: ContinuousClock.Instant
        let response: HTTPResponse
    }
    private struct State {
        var armed: (path: String, fault: Fault, times: Int)?
        var held: HTTPRequest?
        var counts: [String: Int] = [:]
        var answered: [String: [Exchange]] = [:]
        var sent: [String: [ContinuousClock.Instant]] = [:]
    }
    private let base: any HTTPTransport
    private let state = Locked(State())

    init(_ base: any HTTPTransport = LoopbackHTTPTransport()) { self.base = base }

    func arm(_ fault: Fault, path: String = "/v3/kv/txn", times: Int = 1) { state.withLock { $0.armed = (path, fault, times) } }

    /// How many requests to `path` were sent or faulted so far.
    func requests(to path: String) -> Int { state.withLock { $0.counts[path] ?? 0 } }

    /// When each request to `path` was sent or faulted.
    func sent(to path: String) -> [ContinuousClock.Instant] { state.withLock { $0.sent[path] ?? [] } }

    /// The requests to `path` that were answered (and not faulted), in the order their answers came.
    func answered(to path: String) -> [Exchange] { state.withLock { $0.answered[path] ?? [] } }

    /// Sends the request held back, now; its answer.
    func replay() async throws -> HTTPResponse? {
        guard let held = state.withLock({ $0.held }) else { return nil }
        return try await base.send(held)
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let fault = state.withLock { state -> Fault? in
            state.counts[request.url.path, default: 0] += 1
            state.sent[request.url.path, default: []].append(.now)
            guard let armed = state.armed, request.url.path.hasSuffix(armed.path) else { return nil }
            state.armed = armed.times > 1 ? (armed.path, armed.fault, armed.times - 1) : nil
            if armed.fault == .holdBack { state.held = request }
            return armed.fault
        }
        switch fault {
        case nil:
            let sent = ContinuousClock.now
            let response = try await base.send(request)
            state.withLock { $0.answered[request.url.path, default: []].append(Exchange(sent: sent, answered: .now, response: response)) }
            return response
        case .holdBack?: throw HTTPTransportError(.timedOut, detail: "held back")
        case .loseAnswer?:
            _ = try await base.send(request)
            throw HTTPTransportError(.timedOut, detail: "answer lost")
        }
    }
}

/// The faults review 19 found in the etcd coordinator and state store, each against the real etcd.
@Suite("etcd coordination under faults")
struct EtcdFaultTests {
    @Test("etcd stopped while a lock and a run claim are held, restarted within the TTL: the failed releases do not leave keys behind for ever")
    func releaseWhileEtcdIsDown() async throws {
        guard let member = try await EtcdServer.ownMember() else { return }
        defer { member.remove() }
        func coordinator(_ name: String) throws -> EtcdSyncCoordinator {
            EtcdSyncCoordinator(
                // A stopped member refuses connections at once: the request timeout only has to
                // outlast a loaded machine's answers.
                client: try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(10))), prefix: "/dirsync/release",
                replica: name, configuration: .init(ttl: .seconds(10)))
        }
        let (a, b) = (try coordinator("a"), try coordinator("b"))
        defer { Task { await a.shutdown(); await b.shutdown() } }
        guard case .claimed(let claim) = try await a.claimRun(of: "contoso", runID: "run-a") else { Issue.record("not claimed"); return }
        try await a.withLock(.store) {
            await member.stop()
            // The run fails because etcd is gone; its claim is released as the run ends.
            await claim.release()
        }
        // Back within the time to live (etcd keeps the lease, and a renews it again).
        try await member.restart()
        // a lives on, and renews whatever session it has: b must still get the lock and the source.
        let clock = ContinuousClock()
        let started = clock.now
        let locked = Task { try await b.withLock(.store) { true } }
        // Bounds on "for ever", not speed targets: under the whole suite on two cores this has
        // taken more than 30 s.
        let deadline = Task {
            try await Task.sleep(for: .seconds(120))
            locked.cancel()
        }
        let got = try? await locked.value
        deadline.cancel()
        #expect(got == true, "the lock's key stayed on a renewed lease")
        #expect(clock.now - started < .seconds(120))
        try await waitUntil("the run claim's key to go") { try await b.runHolder(of: "contoso") == nil }
        guard case .claimed(let taken) = try await b.claimRun(of: "contoso", runID: "run-b") else { Issue.record("not claimed by b"); return }
        await taken.release()
        // a takes locks and claims again, on a new session.
        try await a.withLock(.store) {}
    }

    @Test("a run claim's transaction held back and applied late, after the claim was made again and released: no phantom claim")
    func lateClaim() async throws {
        guard let member = try await EtcdServer.member(), let admin = try await EtcdServer.client() else { return }
        let faulty = FaultyTransport()
        let prefix = EtcdServer.freshPrefix()
        let a = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: .init(endpoints: [member.endpoint]), transport: faulty), prefix: prefix, replica: "a",
            configuration: .init(ttl: .seconds(120)))
        defer { Task { await a.shutdown() } }
        try await a.withLock(.store) {}  // a session exists
        faulty.arm(.holdBack)
        guard case .claimed(let claim) = try await a.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }
        await claim.release()
        let late = try #require(try await faulty.replay())
        #expect(late.isSuccess)
        #expect(try await admin.range(.prefix("\(prefix)/runs/")).keyValues.isEmpty, "the late request created a claim nobody releases")
        #expect(try await a.runHolder(of: "contoso") == nil)
    }

    @Test("a lock's transaction held back and applied late: no phantom key in the line")
    func lateLock() async throws {
        guard let member = try await EtcdServer.member(), let admin = try await EtcdServer.client() else { return }
        let faulty = FaultyTransport()
        let prefix = EtcdServer.freshPrefix()
        let a = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: .init(endpoints: [member.endpoint]), transport: faulty), prefix: prefix, replica: "a",
            configuration: .init(ttl: .seconds(120)))
        defer { Task { await a.shutdown() } }
        _ = try await a.runHolder(of: "x")
        faulty.arm(.holdBack)
        try await a.withLock(.store) {}
        _ = try await faulty.replay()
        #expect(try await admin.range(.prefix("\(prefix)/locks/")).keyValues.isEmpty, "the late request queued a key nobody deletes")
    }

    @Test("a slot claim's answer lost: read back, the slot is this replica's; finished, it is done")
    func slotAnswerLost() async throws {
        guard let member = try await EtcdServer.member() else { return }
        let faulty = FaultyTransport()
        let a = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: .init(endpoints: [member.endpoint]), transport: faulty), prefix: EtcdServer.freshPrefix(), replica: "a",
            configuration: .init(ttl: .seconds(120)))
        defer { Task { await a.shutdown() } }
        let slot = ScheduledSlot(sourceID: "contoso", due: Date())
        _ = try await a.runHolder(of: "x")
        faulty.arm(.loseAnswer)
        #expect(try await a.claimSlot(slot))
        try await a.finishSlot(slot)
        #expect(try await a.abandonedSlots().isEmpty)
        #expect(!(try await a.claimSlot(slot)))
    }

    @Test("a head transaction applied whose answer was lost: the write stands, its chunks are kept")
    func headAnswerLost() async throws {
        guard let member = try await EtcdServer.member() else { return }
        let faulty = FaultyTransport()
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)), transport: faulty)
        let store = EtcdSyncStateStore(client: client, prefix: EtcdServer.freshPrefix())
        let key = StateKey("contoso", "mirror")
        let large = Data((0..<(2 * 1024 * 1024 + 7)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        faulty.arm(.loseAnswer)
        try await store.setData(large, for: key)
        #expect(try await store.data(for: key) == large)
    }

    @Test("a head transaction held back: the write fails, its chunks are deleted, and applied late it changes nothing")
    func headHeldBack() async throws {
        guard let member = try await EtcdServer.member() else { return }
        let faulty = FaultyTransport()
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)), transport: faulty)
        let prefix = EtcdServer.freshPrefix()
        let store = EtcdSyncStateStore(client: client, prefix: prefix)
        let key = StateKey("contoso", "mirror")
        let before = Data(repeating: 1, count: 1_500_000)
        try await store.setData(before, for: key)
        faulty.arm(.holdBack)
        await #expect(throws: SyncStateError.self) { try await store.setData(Data(repeating: 2, count: 1_500_000), for: key) }
        #expect(try await store.data(for: key) == before)
        let late = try #require(try await faulty.replay())
        #expect(late.isSuccess)
        #expect(try await store.data(for: key) == before)
        let generations = Set(try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).keyValues.map { $0.key.split(separator: "/").dropLast().joined(separator: "/") })
        #expect(generations.count == 1, "\(generations)")
    }

    @Test("a claim made on another etcd cluster: a fenced write asks the claim instead of comparing a key that cluster does not have")
    func claimOnAnotherCluster() async throws {
        guard let other = try await EtcdServer.ownMember(), let client = try await EtcdServer.client() else { return }
        defer { other.remove() }
        // A long time to live: the claim must outlast a loaded machine's pauses between the claim and the write.
        let coordinator = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: .init(endpoints: [other.endpoint])), prefix: "/dirsync/elsewhere", replica: "a",
            configuration: .init(ttl: .seconds(60)))
        defer { Task { await coordinator.shutdown() } }
        let store = EtcdSyncStateStore(client: client, prefix: EtcdServer.freshPrefix())
        guard case .claimed(let claim) = try await coordinator.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }
        try await store.setData([(StateKey("contoso", "tracking"), Data("t".utf8))], fencedBy: claim)
        #expect(try await store.data(for: StateKey("contoso", "tracking")) == Data("t".utf8))
        await claim.release()
        await #expect(throws: SyncCoordinationError.self) {
            try await store.setData([(StateKey("contoso", "tracking"), Data("late".utf8))], fencedBy: claim)
        }
    }

    @Test("the sweep of abandoned chunks never deletes the generation the head names, whatever its writer's clock said")
    func sweepKeepsNamedGeneration() async throws {
        guard let client = try await EtcdServer.client() else { return }
        let prefix = EtcdServer.freshPrefix()
        let behind = TestClock.fixed(at: Date().addingTimeInterval(-2 * 3_600))
        let skewed = EtcdSyncStateStore(client: client, prefix: prefix, clock: behind.syncClock)
        let store = EtcdSyncStateStore(client: client, prefix: prefix)
        let key = StateKey("contoso", "mirror")
        let large = Data(repeating: 5, count: 1_200_000)
        try await skewed.setData(large, for: key)
        await store.sweepAbandoned(key, keeping: nil)
        #expect(try await store.data(for: key) == large)
    }

    @Test("a lock's fence: held inside the body; a write fenced by a lock lost meanwhile writes nothing (lockLost)")
    func lockFence() async throws {
        guard let replicas = try await EtcdReplicas(2) else { return }
        defer { Task { await replicas.shutdown() } }
        let store = EtcdSyncStateStore(client: replicas.admin, prefix: replicas.prefix)
        let key = StateKey.service("sources")
        try await replicas.coordinators[0].withLock(.sources) { fence in
            #expect(fence.isHeld)
            try await store.setData([(key, Data("a".utf8))], fencedBy: fence)
            try await replicas.loseClaims(0)
            do {
                try await store.setData([(key, Data("stale".utf8))], fencedBy: fence)
                Issue.record("a lost lock still wrote")
            } catch let error as SyncCoordinationError {
                #expect(error.code == .lockLost)
            }
            #expect(!fence.isHeld)
        }
        #expect(try await store.data(for: key) == Data("a".utf8))
        try await replicas.coordinators[1].withLock(.sources) { fence in
            try await store.setData([(key, Data("b".utf8))], fencedBy: fence)
        }
        #expect(try await store.data(for: key) == Data("b".utf8))
    }

    @Test("after shutdown, locks and claims fail with unavailable instead of riding on a lease nobody renews")
    func afterShutdown() async throws {
        guard let replicas = try await EtcdReplicas(1) else { return }
        let coordinator = replicas.coordinators[0]
        _ = try await coordinator.runHolder(of: "x")
        await coordinator.shutdown()
        do {
            _ = try await coordinator.claimRun(of: "contoso", runID: "run-1")
            Issue.record("claimed after shutdown")
        } catch let error as SyncCoordinationError {
            #expect(error.code == .unavailable)
        }
        #expect(try await replicas.admin.range(.prefix("\(replicas.prefix)/runs/")).keyValues.isEmpty)
    }

    @Test("renewals run on a thread of their own, not on the cooperative threads a busy host may hold")
    func renewalsOffThePool() async throws {
        guard let member = try await EtcdServer.ownMember() else { return }
        defer { member.remove() }
        let coordinator = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30))), prefix: EtcdServer.freshPrefix(), replica: "a",
            configuration: .init(ttl: .seconds(30)))
        defer { Task { await coordinator.shutdown() } }
        let before = ThreadExecutor.leaseRenewals.jobsRun
        guard case .claimed(let claim) = try await coordinator.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }
        // A renewal every third of the time to live: its steps (the wait, the request, the answer)
        // run on the renewal thread. (Blocking every cooperative thread to show it stalled the
        // other tests running beside this one.)
        try await waitUntil("renewals on the renewal thread") { ThreadExecutor.leaseRenewals.jobsRun >= before + 3 }
        await claim.release()
    }

    @Test("a renewal that fails (as a timed-out one does) is sent again soon, not an interval later: nine in a row do not cost the session")
    func renewalRetriedSoon() async throws {
        guard let shared = try await EtcdServer.client() else { return }
        let faulty = FaultyTransport()
        let coordinator = EtcdSyncCoordinator(
            client: try EtcdClient(configuration: shared.configuration, transport: faulty), prefix: EtcdServer.freshPrefix(), replica: "a",
            configuration: .init(ttl: .seconds(90), renewalInterval: .seconds(10)))
        defer { Task { await coordinator.shutdown() } }
        guard case .claimed(let claim) = try await coordinator.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }
        let path = "/v3/lease/keepalive"
        let before = faulty.requests(to: path)
        // Renewing every 10 s, nine failed renewals would reach the 90 s deadline; sent again
        // after a short pause, the tenth renews it. (A long time to live: under the whole suite on
        // two cores the test process sometimes gets no renewal through for more than 30 s, and a
        // 30 s lease with three failures was lost to that, not to the code.)
        faulty.arm(.holdBack, path: path, times: 9)
        try await waitUntil("two renewals after the nine failed ones, or the session lost", atMost: .seconds(240)) {
            faulty.requests(to: path) >= before + 11 || !claim.isHeld
        }
        #expect(claim.isHeld)
        try await claim.check()
        await claim.release()
    }

    @Test("a renewal interval at or above the time to live is taken as a third of it: the session lives on")
    func renewalIntervalClamped() async throws {
        // A member of its own: the shared one, busy with other tests, can be slower than this
        // time to live allows.
        guard let member = try await EtcdServer.ownMember() else { return }
        defer { member.remove() }
        // The transport's bounds as the client would set them for a 30 s request timeout.
        let recorder = FaultyTransport(LoopbackHTTPTransport(configuration: .init(timeout: 61, connectTimeout: 31)))
        let ttl = Duration.seconds(60)
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)), transport: recorder)
        for asked in [Duration.seconds(30), .seconds(180)] {
            #expect(SessionKeeper(client: client, keyPrefix: "/k/", replica: "a", ttl: ttl, renewalInterval: asked).renewalInterval == .seconds(20))
        }
        #expect(SessionKeeper(client: client, keyPrefix: "/k/", replica: "a", ttl: ttl, renewalInterval: .seconds(29)).renewalInterval == .seconds(29))
        #expect(SessionKeeper(client: client, keyPrefix: "/k/", replica: "a", ttl: .milliseconds(150), renewalInterval: .zero).renewalInterval == .milliseconds(100))
        let coordinator = EtcdSyncCoordinator(
            client: client, prefix: EtcdServer.freshPrefix(), replica: "a", configuration: .init(ttl: ttl, renewalInterval: .seconds(180)))
        defer { Task { await coordinator.shutdown() } }
        let watch = StallWatch()
        defer { watch.stop() }
        guard case .claimed(let claim) = try await coordinator.claimRun(of: "contoso", runID: "run-1") else { Issue.record("not claimed"); return }
        let claimed = ContinuousClock.now
        // Renewed every 20 s, the fourth renewal is sent 80 s after the lease was granted, past its
        // time to live.
        let path = "/v3/lease/keepalive"
        func renewals() -> [FaultyTransport.Exchange] { recorder.answered(to: path).filter { Self.renewed($0.response) } }
        try await waitUntil("four renewals answered, or the session lost", atMost: .seconds(170)) { renewals().count >= 4 || !claim.isHeld }
        let ended = ContinuousClock.now
        let held = claim.isHeld
        let (sent, answered) = (recorder.sent(to: path), renewals())
        // A loaded host can hold this process or etcd up for longer than the time to live (CI once
        // did, for over 40 s): then the session may rightly be lost, and only what this process did
        // while it ran is asked.
        guard watch.longestPause < .seconds(5) else {
            FileHandle.standardError.write(Data("⚠️ renewalIntervalClamped: this process was held up for \(watch.longestPause); nothing asked\n".utf8))
            await claim.release()
            return
        }
        // The keeper sends a renewal at least every 20 s (30 s when etcd takes its whole request
        // timeout to answer), until the session is lost or the wait ends, whatever etcd does.
        let times = [claimed] + sent + [ended]
        let spacing = zip(times, times.dropFirst()).map { $1 - $0 }.max()!
        #expect(spacing < .seconds(35), "\(sent.count) renewals sent, \(spacing) apart at most")
        // Every renewal answered at once by a living lease: the session lives.
        if sent.count == answered.count, answered.allSatisfy({ $0.answered - $0.sent < .seconds(5) }) {
            #expect(answered.count >= 4)
            #expect(held)
            do {
                try await claim.check()
            } catch let error as SyncCoordinationError where error.code == .unavailable {
                FileHandle.standardError.write(Data("⚠️ renewalIntervalClamped: etcd did not answer the check: \(error)\n".utf8))
            }
        } else {
            FileHandle.standardError.write(Data("⚠️ renewalIntervalClamped: etcd answered \(answered.count) of \(sent.count) renewals, not all at once; the session's life not asked\n".utf8))
        }
        await claim.release()
    }

    /// Whether a keep-alive answer renewed its lease (etcd answers a lease it no longer has with
    /// no time to live, or zero).
    private static func renewed(_ response: HTTPResponse) -> Bool {
        guard response.status == 200, let line = response.body.split(separator: UInt8(ascii: "\n")).first,
            let answer = try? JSONDecoder().decode(EtcdWire.KeepAliveResponse.self, from: Data(line))
        else { return false }
        return answer.error == nil && (answer.result?.ttl?.value ?? 0) > 0
    }

    @Test("a slot finished by a replica that lost its claim throws claimLost and stays abandoned")
    func finishLostSlot() async throws {
        guard let replicas = try await EtcdReplicas(2) else { return }
        defer { Task { await replicas.shutdown() } }
        let slot = ScheduledSlot(sourceID: "contoso", due: Date())
        #expect(try await replicas.coordinators[0].claimSlot(slot))
        try await replicas.loseClaims(0)
        do {
            try await replicas.coordinators[0].finishSlot(slot)
            Issue.record("finished a slot whose claim was lost")
        } catch let error as SyncCoordinationError {
            #expect(error.code == .claimLost)
        }
        #expect(try await replicas.coordinators[1].abandonedSlots() == [slot])
    }

    @Test("timeouts grow with the bytes moved: a second per started MiB over the request timeout")
    func timeouts() throws {
        let client = try EtcdClient(configuration: .init(endpoints: [URL(string: "http://127.0.0.1:2379")!]))
        #expect(client.timeout(forBytes: 0) == .seconds(5))
        #expect(client.timeout(forBytes: 1) == .seconds(6))
        #expect(client.timeout(forBytes: 8 * 1024 * 1024) == .seconds(13))
    }
}
