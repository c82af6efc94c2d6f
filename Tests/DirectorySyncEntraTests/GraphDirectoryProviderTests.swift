import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("GraphDirectoryProvider: the DirectoryProvider contract over the emulator")
struct GraphProviderContractTests {
    @Test("in-process", arguments: DirectoryProviderContract.checks)
    func inProcess(_ check: DirectoryProviderContract.Check) async throws {
        try await check.run { tenant in GraphHarness(tenant: tenant).provider() }
    }

    @Test("over a loopback socket with URLSessionTransport", arguments: DirectoryProviderContract.checks)
    func loopback(_ check: DirectoryProviderContract.Check) async throws {
        let servers = Locked<[LoopbackHTTPServer]>([])
        defer { servers.withLock { $0.forEach { $0.stop() } } }
        try await check.run { tenant in
            let emulator = GraphEmulator()
            let credentials = emulator.load(tenant)
            let server = LoopbackHTTPServer(emulator)
            try server.start()
            servers.withLock { $0.append(server) }
            return GraphDirectoryProvider(
                credentials: SourceCredentials(
                    clientID: credentials.clientID, tenant: credentials.tenantID, loginURL: server.baseURL,
                    graphURL: server.baseURL.appendingPathComponent("v1.0")),
                secret: Secret(credentials.clientSecret))
        }
    }
}

@Suite("GraphDirectoryProvider: reading")
struct GraphDirectoryProviderTests {
    @Test("paging at the 999 boundary and through empty pages that still have next links", arguments: [999, 1_000, 1_998])
    func paging(users: Int) async throws {
        let harness = GraphHarness(users: users, groups: 3, configuration: .init(insertsEmptyPages: true))
        let snapshot = try await harness.provider().read()
        #expect(snapshot.users.count == users)
        #expect(Set(snapshot.users.map(\.id)).count == users)
        let userPages = (users + 998) / 999
        #expect(snapshot.statistics.pages >= userPages * 2, "every real page is preceded by an empty one")
    }

    @Test("unset properties come back as nulls and decode as nil; proxy addresses give email and aliases")
    func nulls() async throws {
        let harness = GraphHarness(users: 300, groups: 2)
        let snapshot = try await harness.provider().read()
        let byID = Dictionary(uniqueKeysWithValues: snapshot.users.map { ($0.id, $0) })
        for user in harness.tenant.users {
            #expect(byID[user.id] == user)
        }
        #expect(snapshot.users.contains { $0.mail == nil && $0.primaryEmail != nil })
        #expect(snapshot.users.contains { !$0.emailAliases.isEmpty })
    }

    @Test("memberships come from one group delta round: requests close to users/999 + group pages, far fewer units than per-group reads")
    func requestCount() async throws {
        let harness = GraphHarness(users: 3_000, groups: 400)
        let snapshot = try await harness.provider().read()
        let groupPages = (400 + 199) / 200
        #expect(snapshot.statistics.requests <= 1 + 4 + groupPages + 1, "\(snapshot.statistics)")
        let perGroup = try await harness.provider(strategy: .memberPages).read()
        #expect(perGroup.statistics.requests > 400)
        #expect(snapshot.statistics.resourceUnits * 10 < perGroup.statistics.resourceUnits, "\(snapshot.statistics.resourceUnits) vs \(perGroup.statistics.resourceUnits)")
        #expect(Set(perGroup.groups.map { $0.memberUserIDs.sorted() }) == Set(snapshot.groups.map { $0.memberUserIDs.sorted() }))
    }

    @Test("members read are kept packed — 16 bytes each, no string per membership — while every id is a GUID; a group with another id keeps it as it came", arguments: [
        GraphDirectoryProvider.Configuration.MembershipStrategy.groupDelta, .memberPages,
    ])
    func packedMemberIDs(strategy: GraphDirectoryProvider.Configuration.MembershipStrategy) async throws {
        let harness = GraphHarness(users: 300, groups: 0, configuration: .init(membersPerDeltaEntry: 40))
        let ids = harness.tenant.users.map(\.id)
        // Members the read has no user for (outside a pushed-down filter, say): kept as they came.
        // The delta lists them; member pages list only objects that exist.
        let strangers = ["Big": ["00000000-0000-0000-0000-0000000000aa"], "Odd": ["00000000-0000-0000-0000-0000000000aa", "Not-A-Guid"]]
        for (name, others) in strangers {
            harness.emulator.upsertGroup(
                DirectoryGroup(id: name, displayName: name, memberUserIDs: DirectoryObjectIDs(ids[0..<120]) + others), tenant: harness.credentials.tenantID)
        }
        let snapshot = try await harness.provider(strategy: strategy).read()
        for (name, others) in strangers {
            let group = try #require(snapshot.groups.first { $0.id == name })
            let expected = Array(ids[0..<120]) + (strategy == .groupDelta ? others : [])
            #expect(Set(group.memberUserIDs) == Set(expected), "the members are the same ids")
            #expect(group.memberUserIDs.count == expected.count, "each once")
            #expect((group.memberUserIDs.packedGUIDs != nil) == expected.allSatisfy { PackedGUID($0) != nil }, "\(name)")
        }
    }

    @Test("large groups arrive in several delta entries and are merged; non-user members are counted and ignored")
    func largeGroups() async throws {
        let harness = GraphHarness(users: 400, groups: 0, configuration: .init(membersPerDeltaEntry: 30))
        let t = harness.credentials.tenantID
        let ids = harness.tenant.users.map(\.id)
        harness.emulator.upsertGroup(DirectoryGroup(id: "big", displayName: "Big", memberUserIDs: DirectoryObjectIDs(ids[0..<250])), others: [EmulatedOtherMember(type: "device", id: "d1"), EmulatedOtherMember(type: "orgContact", id: "c1")], tenant: t)
        let snapshot = try await harness.provider().read()
        #expect(snapshot.groups.first?.memberUserIDs.count == 250)
        #expect(snapshot.statistics.ignoredMembers == 2)
    }

    @Test("throttling storms and 5xx bursts are ridden out with Retry-After; too many and the read fails with no snapshot")
    func throttling() async throws {
        let harness = GraphHarness(users: 50, groups: 2)
        harness.emulator.scheduleFault(.status(429, retryAfter: "2"), times: 2, pathPrefix: "/v1.0/users")
        harness.emulator.scheduleFault(.status(503), times: 1, pathPrefix: "/v1.0/groups")
        harness.emulator.scheduleFault(.dropConnection, times: 1, pathPrefix: "/v1.0/users")
        let snapshot = try await harness.provider().read()
        #expect(snapshot.users.count == 50)
        #expect(harness.sleeps.filter { $0 == .seconds(2) }.count == 2)
        harness.emulator.scheduleFault(.status(503), times: 20, pathPrefix: "/v1.0/users")
        await #expect { try await harness.provider().read() } throws: { ($0 as? EntraError)?.code == .throttled }
    }

    @Test("malformed and truncated pages give a typed error, never a partial snapshot", arguments: [EmulatorFault.malformedBody, .truncatedBody])
    func malformed(fault: EmulatorFault) async throws {
        let harness = GraphHarness(users: 2_500, groups: 2)
        let provider = harness.provider()
        _ = try await provider.read()
        harness.emulator.clearRequestLog()
        harness.emulator.scheduleFault(fault, times: 1, pathPrefix: "/v1.0/users")
        await #expect { try await provider.read() } throws: { error in
            let entra = error as? EntraError
            return entra?.code == .unexpectedResponse && entra?.description.contains("not valid JSON") == true
        }
    }

    @Test("a 401 on a page renews the token once and carries on")
    func renewal() async throws {
        let harness = GraphHarness(users: 2_000, groups: 2)
        let provider = harness.provider()
        harness.emulator.scheduleFault(.status(401), times: 1, pathPrefix: "/v1.0/users")
        let snapshot = try await provider.read()
        #expect(snapshot.users.count == 2_000)
        #expect(harness.emulator.requestLog.filter { $0.path.hasSuffix("/token") }.count == 2)
        harness.emulator.scheduleFault(.status(401), times: 2, pathPrefix: "/v1.0/users")
        await #expect { try await provider.read() } throws: { ($0 as? EntraError)?.code == .authenticationFailed }
    }

    @Test("tokens are cached across reads and shared by concurrent callers")
    func tokenCache() async throws {
        let harness = GraphHarness(users: 20, groups: 2)
        let provider = harness.provider()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<5 { group.addTask { _ = try await provider.read() } }
            try await group.waitForAll()
        }
        _ = try await provider.read()
        #expect(harness.emulator.requestLog.filter { $0.path.hasSuffix("/token") }.count == 1)
        harness.clock.advance(by: 3_400)
        _ = try await provider.read()
        #expect(harness.emulator.requestLog.filter { $0.path.hasSuffix("/token") }.count == 2, "renewed five minutes before expiry")
    }

    @Test("cancellation stops the read promptly")
    func cancellation() async throws {
        let harness = GraphHarness(users: 3_000, groups: 2)
        harness.emulator.scheduleFault(.delay(2), times: 1, pathPrefix: "/v1.0/users")
        let provider = harness.provider()
        let task = Task { try await provider.read() }
        // Cancel while the first user page is held back, however fast or slow the machine is.
        while !harness.emulator.requestLog.contains(where: { $0.path == "/v1.0/users" }) { try? await Task.sleep(for: .milliseconds(2)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        let userPages = harness.emulator.requestLog.filter { $0.path == "/v1.0/users" }.count
        #expect(userPages < 4, "the read stopped before fetching every page (\(userPages) of 4)")
    }

    @Test("a next link to another host is refused")
    func foreignNextLink() async throws {
        let harness = GraphHarness(users: 20, groups: 1)
        // The emulator builds links from the request's origin; a transport that rewrites the answer simulates a hostile link.
        struct Rewriting: HTTPTransport {
            let base: EmulatorTransport
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                var response = try await base.send(request)
                let text = String(decoding: response.body, as: UTF8.self).replacingOccurrences(of: "https://graph.emulator.test/v1.0/users?$skiptoken", with: "https://evil.example/v1.0/users?$skiptoken")
                response.body = Data(text.utf8)
                return response
            }
        }
        let hostile = harness.provider(transport: Rewriting(base: EmulatorTransport(harness.emulator)), pageSize: 5)
        await #expect { try await hostile.read() } throws: { ($0 as? EntraError)?.code == .unexpectedResponse }
        #expect(!harness.emulator.requestLog.contains { $0.path.contains("evil") })
    }
}

@Suite("GraphDirectoryProvider: cost per read")
struct GraphReadCostTests {
    @Test("statistics and progress count each read on its own, not every read the provider made")
    func perRead() async throws {
        let harness = GraphHarness(users: 300, groups: 10)
        let last = Locked<GraphDirectoryProvider.Progress?>(nil)
        let base = harness.provider(pageSize: 50)
        let provider = GraphDirectoryProvider(
            credentials: base.credentials, secret: harness.secret, configuration: base.configuration, transport: EmulatorTransport(harness.emulator)
        ) { progress in
            last.withLock { $0 = progress }
        }
        let first = try await provider.read()
        let firstProgress = try #require(last.withLock { $0 })
        let second = try await provider.read()
        let secondProgress = try #require(last.withLock { $0 })
        #expect(first.statistics.requests == second.statistics.requests + 1, "the second read needs no new token")
        #expect(secondProgress.requests == firstProgress.requests)
        #expect(secondProgress.resourceUnits == firstProgress.resourceUnits)
        #expect(second.statistics.resourceUnits == secondProgress.resourceUnits)
    }
}

@Suite("GraphDirectoryProvider: filters pushed down to Graph or evaluated locally give the same scope")
struct GraphFilterTests {
    static let expressions = [
        "department eq 'Sales'",
        "city in ('Oslo','Bergen') and accountEnabled eq true",
        "surname eq 'O''Brien' or displayName startsWith 'Zoë'",
        "displayName startsWith 'Å' or givenName eq 'Renée'",
        "department ne 'Sales' and userType eq 'Member'",
        "mail endsWith '@contoso.com' and jobTitle eq 'Engineer'",
        "displayName contains 'an'",
        "department eq 'x'' or 1 eq 1 or department eq ''y'",
    ]

    @Test("the plan from a pushed-down read equals the plan from a full read", arguments: expressions)
    func sameScope(_ text: String) async throws {
        let harness = GraphHarness(users: 600, groups: 10, seed: 3)
        harness.emulator.modifyUser(id: harness.tenant.users[0].id, tenant: harness.credentials.tenantID) { $0.surname = "O'Brien" }
        let expression = try FilterExpression(parsing: text)
        let settings = SyncSettings(filter: .usersByUser(expression), deletionGuard: .disabled)
        let pushed = try await harness.provider().read(filter: settings.filter)
        let full = try await harness.provider().read(filter: .all)
        let planner = StandardSyncPlanner()
        let a = try planner.plan(source: "s", directory: pushed, store: IdentityStoreContents(), settings: settings)
        let b = try planner.plan(source: "s", directory: full, store: IdentityStoreContents(), settings: settings)
        #expect(a == b)
        let pushable = !text.contains("contains")
        #expect(pushed.statistics.filterPushedDown == pushable)
        if pushable { #expect(pushed.users.count <= full.users.count) }
        if text.contains("or 1 eq 1") { #expect(pushed.users.isEmpty, "a quote in a value never breaks out of the literal") }
    }
}
