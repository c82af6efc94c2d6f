import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Counts the watched requests in flight. The first `gathering` of them wait at a gate until
/// that many are in flight together — a state observed, not a time waited for; `giveUp()` (a
/// watchdog's) opens the gate, so a lookup that sends them one at a time fails instead of hanging.
private actor OverlapProbe {
    let gathering: Int
    private(set) var inFlight = 0
    private(set) var peak = 0
    private(set) var arrived = 0
    private(set) var gaveUp = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(gathering: Int) { self.gathering = gathering }

    func enter() async {
        inFlight += 1
        peak = max(peak, inFlight)
        arrived += 1
        guard arrived <= gathering, !gaveUp else { return }
        if arrived == gathering {
            open()
        } else {
            await withCheckedContinuation { waiting.append($0) }
        }
    }

    func leave() { inFlight -= 1 }

    func giveUp() {
        gaveUp = true
        open()
    }

    private func open() {
        waiting.forEach { $0.resume() }
        waiting = []
    }
}

/// Sends to the emulator; the requests `watched` picks go through the probe, after a seeded
/// random pause when `jitter` is set (so answers arrive in another order than asked).
private struct ProbingTransport: HTTPTransport {
    let base: EmulatorTransport
    let probe: OverlapProbe
    var watched: @Sendable (String) -> Bool = { $0.hasPrefix("/v1.0/groups/") && $0.contains("/memberOf") }
    var jitter: Locked<SeededRandomNumberGenerator>?

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard watched(request.url.path) else { return try await base.send(request) }
        await probe.enter()
        do {
            if let jitter {
                let pause = jitter.withLock { Int.random(in: 0...400, using: &$0) }
                try await Task.sleep(for: .microseconds(pause))
            }
            let response = try await base.send(request)
            await probe.leave()
            return response
        } catch {
            await probe.leave()
            throw error
        }
    }
}

/// Answers 403 to one group's `memberOf`; every other group's `memberOf` waits until it is
/// cancelled, and records how it ended.
private struct FailingTransport: HTTPTransport {
    let base: EmulatorTransport
    let failing: String
    let endings = Locked<(started: Int, cancelled: Int, answered: Int)>((0, 0, 0))

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let path = request.url.path
        guard path.contains("/groups/"), path.contains("/memberOf") else { return try await base.send(request) }
        if path.contains(failing) {
            return HTTPResponse(
                status: 403, headers: ["Content-Type": "application/json"],
                body: Data(#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#.utf8))
        }
        endings.withLock { $0.started += 1 }
        do {
            try await Task.sleep(for: .seconds(3_600))  // only a cancellation ends it, however late
        } catch {
            endings.withLock { $0.cancelled += 1 }
            throw error
        }
        endings.withLock { $0.answered += 1 }
        return try await base.send(request)
    }
}

@Suite("GraphDirectoryProvider: a lookup's independent requests at the same time")
struct GraphLookupConcurrencyTests {
    func provider(_ harness: GraphHarness, concurrency: Int = 8, transport: (any HTTPTransport)? = nil, onProgress: @escaping @Sendable (GraphDirectoryProvider.Progress) -> Void = { _ in }) -> GraphDirectoryProvider {
        var configuration = harness.configuration()
        configuration.maximumLookupConcurrency = concurrency
        return GraphDirectoryProvider(
            credentials: harness.sourceCredentials, secret: harness.secret, configuration: configuration,
            transport: transport ?? EmulatorTransport(harness.emulator), onProgress: onProgress)
    }

    /// A tenant with a user directly in `count` groups, each of those in one more group.
    func planted(groups count: Int) -> (harness: GraphHarness, user: DirectoryUser) {
        let harness = GraphHarness(users: 40, groups: 3)
        let t = harness.credentials.tenantID
        let user = DirectoryUser(id: "aaaaaaaa-0000-4000-8000-000000000001", userPrincipalName: "probe@contoso.com", mail: "probe@contoso.com")
        harness.emulator.upsertUser(user, tenant: t)
        for number in 0..<count {
            let id = String(format: "dddddddd-0000-4000-8000-%012d", number)
            harness.emulator.upsertGroup(DirectoryGroup(id: id, displayName: "Direct \(number)", memberUserIDs: [user.id]), tenant: t)
            harness.emulator.upsertGroup(
                DirectoryGroup(id: String(format: "eeeeeeee-0000-4000-8000-%012d", number), displayName: "Above \(number)", memberGroupIDs: [id]), tenant: t)
        }
        return (harness, user)
    }

    /// Runs a lookup while a watchdog stands by to open the probe's gate (after 180 s: on a loaded 2-core CI machine, reading pages ahead on the cooperative pool, a 40-group lookup took over 30 s).
    fileprivate func lookUp(_ provider: GraphDirectoryProvider, _ lookup: DirectoryLookup, probe: OverlapProbe) async throws -> DirectoryExcerpt {
        let watchdog = Task {
            try await Task.sleep(for: .seconds(180))
            await probe.giveUp()
        }
        defer { watchdog.cancel() }
        return try await provider.lookUp(lookup)
    }

    @Test("the memberOf requests of one level are in flight together, and the answer is the one-at-a-time answer")
    func overlap() async throws {
        let (harness, user) = planted(groups: 5)
        let probe = OverlapProbe(gathering: 5)
        let lookup = DirectoryLookup(users: [user.userPrincipalName])
        let excerpt = try await lookUp(provider(harness, transport: ProbingTransport(base: EmulatorTransport(harness.emulator), probe: probe)), lookup, probe: probe)
        #expect(await probe.gaveUp == false, "the five direct groups' memberOf requests never were in flight together")
        #expect(await probe.peak >= 5)
        let sequential = try await provider(harness, concurrency: 1).lookUp(lookup)
        #expect(excerpt.users == sequential.users && excerpt.groups == sequential.groups)
        #expect(excerpt.groups.count == 10)
        // 1 token + the user query + its memberOf + one memberOf per group above it (10), the same one at a time.
        #expect(excerpt.statistics.requests == 1 + 1 + 1 + 10 && excerpt.statistics.pages == 12, "\(excerpt.statistics)")
        #expect(sequential.statistics.requests == excerpt.statistics.requests && sequential.statistics.pages == excerpt.statistics.pages)
    }

    @Test("never more than maximumLookupConcurrency requests in flight; 1 sends them one at a time", arguments: [1, 3, 8])
    func bound(concurrency: Int) async throws {
        let (harness, user) = planted(groups: 20)
        // Gather as many as the bound allows: if more could be in flight, the peak would show it.
        let probe = OverlapProbe(gathering: concurrency == 1 ? 0 : concurrency)
        let transport = ProbingTransport(base: EmulatorTransport(harness.emulator), probe: probe)
        let excerpt = try await lookUp(provider(harness, concurrency: concurrency, transport: transport), DirectoryLookup(users: [user.id]), probe: probe)
        #expect(await probe.gaveUp == false)
        #expect(await probe.peak == concurrency)
        #expect(await probe.arrived == 40, "one memberOf per group above the user")
        #expect(excerpt.groups.count == 40)
    }

    @Test("on a seeded tenant with nested groups the excerpt — order, members, statistics — is the one-at-a-time excerpt, whatever order answers arrive in", arguments: [21, 22, 23] as [UInt64])
    func sequentialOrder(seed: UInt64) async throws {
        let tenant = TenantGenerator(
            configuration: .init(users: 300, groups: 60, seed: seed, aliasShare: 0.5, onPremisesShare: 0.5, nestedGroupShare: 0.6)
        ).generate()
        let harness = GraphHarness(tenant: tenant)
        var random = SeededRandomNumberGenerator(seed: seed)
        var lookups: [DirectoryLookup] = []
        for _ in 0..<4 {
            let users = (0..<4).map { _ in tenant.users.randomElement(using: &random)! }
            let keys = users.map { [$0.id, $0.userPrincipalName, $0.primaryEmail ?? $0.id][Int.random(in: 0..<3, using: &random)] }
            let groups = (0..<3).map { _ in tenant.groups.randomElement(using: &random)! }
            lookups.append(DirectoryLookup(
                users: keys + [keys[0].uppercased(), "nobody@contoso.com"], groups: [groups[0].id, groups[1].displayName, groups[2].id, groups[0].displayName],
                groupNames: tenant.groups.shuffled(using: &random).prefix(40).map(\.displayName) + ["No such group"]))
        }
        // A user in the most groups, alone.
        let busiest = tenant.users.max { a, b in tenant.groups.filter { $0.memberUserIDs.contains(a.id) }.count < tenant.groups.filter { $0.memberUserIDs.contains(b.id) }.count }!
        lookups.append(DirectoryLookup(users: [busiest.id]))

        let probe = OverlapProbe(gathering: 0)
        let jittery = ProbingTransport(
            base: EmulatorTransport(harness.emulator), probe: probe, watched: { $0.hasPrefix("/v1.0/") }, jitter: Locked(SeededRandomNumberGenerator(seed: seed)))
        let concurrent = provider(harness, transport: jittery)
        let sequential = provider(harness, concurrency: 1)
        _ = try await sequential.lookUp(DirectoryLookup(users: ["warm@contoso.com"]))
        _ = try await concurrent.lookUp(DirectoryLookup(users: ["warm@contoso.com"]))
        let whole = DirectorySnapshot(users: harness.emulator.users(tenant: harness.credentials.tenantID), groups: harness.emulator.groups(tenant: harness.credentials.tenantID))
        for lookup in lookups {
            let got = try await concurrent.lookUp(lookup)
            let want = try await sequential.lookUp(lookup)
            #expect(got.users.map(\.id) == want.users.map(\.id), "\(lookup)")
            #expect(got.users == want.users)
            #expect(got.groups == want.groups, "groups and their member lists in the same order for \(lookup)")
            #expect(got.statistics.requests == want.statistics.requests && got.statistics.pages == want.statistics.pages, "\(got.statistics) vs \(want.statistics)")
            #expect(Set(got.groups.map(\.id)) == Set(DirectoryExcerpt(whole, lookup).groups.map(\.id)))
        }
        #expect(await probe.peak > 1, "answers overlapped")
        #expect(lookups.contains { DirectoryExcerpt(whole, $0).groups.contains { !$0.memberGroupIDs.isEmpty } }, "the tenant has nested groups on the paths")
    }

    @Test("progress reports arrive in order, one per page")
    func progress() async throws {
        let (harness, user) = planted(groups: 12)
        let reports = Locked<[Int]>([])
        let excerpt = try await provider(harness, onProgress: { progress in reports.withLock { $0.append(progress.pages) } }).lookUp(DirectoryLookup(users: [user.id]))
        #expect(reports.withLock { $0 } == Array(1...excerpt.statistics.pages))
    }

    @Test("a throttled request among concurrent ones is retried through the session; the answer is unchanged")
    func throttledInside() async throws {
        let (harness, user) = planted(groups: 6)
        let lookup = DirectoryLookup(users: [user.id])
        let want = try await provider(harness, concurrency: 1).lookUp(lookup)
        harness.emulator.scheduleFault(.status(429, retryAfter: "2"), times: 2, pathPrefix: "/v1.0/groups/dddddddd-0000-4000-8000-000000000003/memberOf")
        let got = try await provider(harness).lookUp(lookup)
        #expect(got.users == want.users && got.groups == want.groups)
        #expect(got.statistics.requests == want.statistics.requests, "retries happen below the session: \(got.statistics)")
        #expect(harness.emulator.requestLog.filter { $0.status == 429 }.count == 2)
        #expect(harness.sleeps.filter { $0 == .seconds(2) }.count == 2, "Retry-After honoured: \(harness.sleeps)")
    }

    @Test("the first failing request's error is thrown and the requests still in flight are cancelled")
    func firstErrorCancelsTheOthers() async throws {
        let (harness, user) = planted(groups: 6)
        let transport = FailingTransport(base: EmulatorTransport(harness.emulator), failing: "dddddddd-0000-4000-8000-000000000002")
        let error = await #expect(throws: EntraError.self) {
            try await provider(harness, transport: transport).lookUp(DirectoryLookup(users: [user.id]))
        }
        #expect(error?.code == .missingPermission)
        // When the lookup throws, every request it started has ended, cancelled.
        let ended = transport.endings.withLock { $0 }
        #expect(ended.answered == 0 && ended.cancelled == ended.started, "\(ended)")
        // Cancelled by the caller while requests are in flight: the lookup stops with CancellationError.
        let (quiet, other) = planted(groups: 6)
        let waiting = FailingTransport(base: EmulatorTransport(quiet.emulator), failing: "none")
        let task = Task { try await provider(quiet, transport: waiting).lookUp(DirectoryLookup(users: [other.id])) }
        while waiting.endings.withLock({ $0.started }) < 6 { try? await Task.sleep(for: .milliseconds(2)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let stopped = waiting.endings.withLock { $0 }
        #expect(stopped.answered == 0 && stopped.cancelled == 6, "\(stopped)")
    }
}
