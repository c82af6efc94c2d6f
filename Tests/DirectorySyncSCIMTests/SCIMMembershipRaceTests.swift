import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

/// Concurrent membership writes to one group on the real SCIM server (scim2-server versions every
/// group and answers a stale `If-Match` with 412): a lost precondition race is not a failure.
@Suite("SCIMIdentityStore: concurrent membership changes to one group", .serialized)
struct SCIMMembershipRaceTests {
    @Test("40 concurrent add/remove batches to one group all succeed and leave exactly the expected members, 10 rounds")
    func concurrentBatches() async throws {
        let recorder = StatusCounter()
        guard let store = try await SCIMServer.freshStore(transport: recorder) else { return }
        let batchCount = 40
        var users: [IdentityID] = []
        for number in 0..<(batchCount * 2) {
            let address = "member\(number)@race.example"
            users.append(try await store.createUser(UserProfile(name: "Member \(number)", email: address, logins: [address]), origin: .manual).id)
        }
        let batches = (0..<batchCount).map { Array(users[($0 * 2)..<($0 * 2 + 2)]) }
        let group = try await store.createGroup(GroupProfile(name: "Everyone"), origin: .manual)

        for round in 0..<10 {
            // Every batch is touched in every round, so the result does not depend on the last one.
            let adds = Set((0..<batchCount).filter { ($0 + round) % 3 != 0 })
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for (index, batch) in batches.enumerated() {
                    tasks.addTask {
                        if adds.contains(index) { try await store.addMembers(batch, to: group.id) } else { try await store.removeMembers(batch, from: group.id) }
                    }
                }
                try await tasks.waitForAll()
            }
            let expected = Set(adds.flatMap { batches[$0] })
            let members = try #require(try await store.contents().groups.first { $0.id == group.id }).memberIDs
            let found = Set(members)
            #expect(found == expected, "round \(round): \(expected.subtracting(found).count) missing, \(found.subtracting(expected).count) extra")
            #expect(members.count == expected.count, "round \(round): no member twice")
        }
        // The store serializes its own writes to one group: it never loses a race against itself.
        #expect(recorder.count(412) == 0, "the store raced itself on one group")
    }

    @Test("a membership change based on a version another client changed is re-read and applied")
    func staleGroupVersion() async throws {
        let recorder = StatusCounter()
        guard let probe = try await SCIMServer.freshStore() else { return }
        let base = await probe.configuration.baseURL
        let first = try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience), transport: recorder)
        let second = try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience))
        let a = try await first.createUser(UserProfile(name: "A", email: "a@x.com", logins: ["a@x.com"]), origin: .manual)
        let b = try await first.createUser(UserProfile(name: "B", email: "b@x.com", logins: ["b@x.com"]), origin: .manual)
        let group = try await first.createGroup(GroupProfile(name: "G"), origin: .manual)
        _ = try await second.contents()
        try await second.addMembers([a.id], to: group.id)
        // The first store still holds the group's first version: 412, read the version again, retry.
        try await first.addMembers([b.id], to: group.id)
        try await first.removeMembers([a.id], from: group.id)
        #expect(try await second.contents().groups.first?.memberIDs == [b.id])
        #expect(recorder.count(412) == 1, "exactly the stale version must have been refused")
    }

    @Test("a first sync of a tenant with large groups ends with no failed operation, 3 runs", arguments: [0, 1, 2])
    func firstSync(run: Int) async throws {
        let recorder = StatusCounter()
        guard let store = try await SCIMServer.freshStore(transport: recorder) else { return }
        // Few, large groups (about 300 members each) in batches of 25: a dozen batches per group,
        // which the executor runs eight at a time. Before the store serialized its writes to a
        // group, every run ended with 35–95 failed operations.
        let tenant = TenantGenerator(configuration: .init(users: 400, groups: 4, seed: 15 + UInt64(run))).generate()
        let provider = emulatedProvider(tenant)
        let planner = StandardSyncPlanner()
        let snapshot = try await provider.read(filter: SyncSettings().filter)
        let plan = try planner.plan(source: "contoso", directory: snapshot, store: try await store.contents(), settings: SyncSettings())
        let report = try await SyncExecutor(configuration: .init(membershipBatchSize: 25)).apply(plan, to: store)
        #expect(report.failed.isEmpty, "\(report.failed.count) failed, \(recorder.count(412)) × 412; first: \(report.failed.first.map(String.init(describing:)) ?? "")")
        #expect(report.isSuccess)
        // Every membership the plan asked for is there.
        var expected: [String: Set<String>] = [:]
        for operation in plan.operations {
            if case .addMember(.created(let user), .created(let group)) = operation.action { expected[group, default: []].insert(user) }
        }
        let contents = try await store.contents()
        let externalOfUser = Dictionary(uniqueKeysWithValues: contents.users.map { ($0.id, $0.origin.externalID ?? "") })
        for group in contents.groups {
            let found = Set(group.memberIDs.map { externalOfUser[$0] ?? "" })
            let wanted = expected[group.origin.externalID ?? ""] ?? []
            #expect(found == wanted, "\(group.profile.name): \(wanted.subtracting(found).count) missing, \(found.subtracting(wanted).count) extra")
        }
        #expect(try planner.plan(source: "contoso", directory: snapshot, store: contents, settings: SyncSettings()).isEmpty)
        // The executor's concurrent batches to one group are serialized by the store: none lost a race.
        #expect(recorder.count(412) == 0)
    }
}

/// Sends through URLSession (the store wraps it in its retries) and counts the statuses it saw.
final class StatusCounter: HTTPTransport, Sendable {
    private let base = SCIMServer.transport()
    private let statuses = Locked<[Int: Int]>([:])

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await base.send(request)
        statuses.withLock { $0[response.status, default: 0] += 1 }
        return response
    }

    /// How many responses had this status.
    func count(_ status: Int) -> Int { statuses.withLock { $0[status] ?? 0 } }
}

/// The same rules without a server: a scripted SCIM transport that versions one group, answers a
/// stale `If-Match` with 412, and records how many PATCHes to the group were in flight at once.
@Suite("SCIMIdentityStore: writes to one group go one at a time; 412 is re-read and retried (scripted server)")
struct SCIMWriteSerializationTests {
    final class ScriptedServer: HTTPTransport, Sendable {
        struct State {
            var version = 1
            var members: Set<String> = []
            var inFlight = 0
            var mostInFlight = 0
            /// PATCHes still to refuse with 412 whatever their version (another client writing).
            var refusals = 0
            var groupReads: [String] = []
        }

        let state: Locked<State>
        init(refusals: Int = 0) { state = Locked(State(refusals: refusals)) }

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let path = request.url.path
            if path.hasSuffix("/ServiceProviderConfig") {
                return HTTPResponse(status: 200, body: Data(#"{"patch":{"supported":true},"etag":{"supported":true}}"#.utf8))
            }
            if path.contains("/Users/") {
                let id = request.url.lastPathComponent
                return HTTPResponse(status: 200, body: Data(#"{"id":"\#(id)","userName":"\#(id)@x.com"}"#.utf8))
            }
            if request.method == .get {
                let version = state.withLock { state in
                    state.groupReads.append(request.url.query ?? "")
                    return state.version
                }
                return HTTPResponse(status: 200, headers: ["ETag": #"W/"\#(version)""#], body: Data(#"{"id":"g","displayName":"G"}"#.utf8))
            }
            let accepted = state.withLock { state -> Bool in
                state.inFlight += 1
                state.mostInFlight = max(state.mostInFlight, state.inFlight)
                if state.refusals > 0 {
                    state.refusals -= 1
                    return false
                }
                return request.headers["If-Match"] == nil || request.headers["If-Match"] == #"W/"\#(state.version)""#
            }
            // Let every other waiting task run before this PATCH is answered.
            for _ in 0..<20 { await Task.yield() }
            return state.withLock { state in
                state.inFlight -= 1
                guard accepted else {
                    return HTTPResponse(status: 412, body: Data(#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"412"}"#.utf8))
                }
                let body = (try? JSONSerialization.jsonObject(with: request.body ?? Data())) as? [String: Any]
                for operation in body?["Operations"] as? [[String: Any]] ?? [] {
                    if operation["op"] as? String == "add" {
                        for value in operation["value"] as? [[String: String]] ?? [] { state.members.insert(value["value"] ?? "") }
                    } else if let path = operation["path"] as? String, let start = path.firstIndex(of: "\"") {
                        state.members.remove(String(path[path.index(after: start)...].dropLast(2)))
                    }
                }
                state.version += 1
                return HTTPResponse(status: 204, headers: ["ETag": #"W/"\#(state.version)""#])
            }
        }
    }

    func store(_ server: ScriptedServer) throws -> SCIMIdentityStore {
        try SCIMIdentityStore(configuration: .init(baseURL: URL(string: "http://127.0.0.1:1/v2")!, bearerToken: "t"), transport: server)
    }

    @Test("40 concurrent membership batches to one group: never two PATCHes in flight, none refused, every member there")
    func oneAtATime() async throws {
        let server = ScriptedServer()
        let store = try store(server)
        _ = try await store.contents()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for batch in 0..<40 {
                tasks.addTask { try await store.addMembers([IdentityID("u\(batch)a"), IdentityID("u\(batch)b")], to: "g") }
            }
            try await tasks.waitForAll()
        }
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for batch in stride(from: 0, to: 40, by: 2) { tasks.addTask { try await store.removeMembers([IdentityID("u\(batch)a")], from: "g") } }
            try await tasks.waitForAll()
        }
        let state = server.state.withLock { $0 }
        #expect(state.mostInFlight == 1)
        #expect(state.version == 61, "40 adds and 20 removes, each accepted the first time")
        #expect(state.members.count == 60)
        #expect(!state.members.contains("u0a") && state.members.contains("u0b") && state.members.contains("u1a"))
    }

    @Test("another client's writes (412) are re-read, reading the group without its members, and retried up to five attempts", arguments: [4, 5])
    func externalWriter(refusals: Int) async throws {
        let server = ScriptedServer(refusals: refusals)
        let store = try store(server)
        if refusals < 5 {
            try await store.addMembers(["u1"], to: "g")
            #expect(server.state.withLock { $0.members } == ["u1"])
        } else {
            await #expect { try await store.addMembers(["u1"], to: "g") } throws: { ($0 as? IdentityStoreError)?.code == .modifiedConcurrently }
        }
        // No existence check first (the PATCH answers 404 for a missing group): one version read
        // per refusal but the last attempt's, and nothing else.
        let rereads = server.state.withLock { $0.groupReads }
        #expect(rereads.count == min(refusals, 4))
        #expect(rereads.allSatisfy { $0 == "excludedAttributes=members" })
    }
}
