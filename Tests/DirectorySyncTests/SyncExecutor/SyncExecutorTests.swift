import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("SyncExecutor")
struct SyncExecutorTests {
    @Test("phases run in dependency order: groups, users, memberships, then removals")
    func order() async throws {
        let store = RecordingStore()
        try await sync(snapshot([user("old", "old@contoso.com")], [group("gold", "Old")]), store)
        await store.reset()
        let directory = snapshot([user("1", "a@contoso.com")], [group("g", "G", users: ["1"])])
        let (_, report) = try await sync(directory, store)
        #expect(report.isSuccess)
        #expect(await store.log == ["createGroup", "createUser", "addMembers", "deleteUser", "deleteGroup"])
    }

    @Test("the report's results are the plan's operations, not a copy of them, each with its outcome in order")
    func reportSharesOperations() async throws {
        let store = InMemoryIdentityStore()
        let directory = snapshot([user("1", "a@contoso.com"), user("2", "b@contoso.com")], [group("g", "G", users: ["1", "2"])])
        let plan = try await makePlan(directory, store)
        let report = try await SyncExecutor().apply(plan, to: store)
        #expect(report.results.count == plan.operations.count && report.succeeded == plan.operations.count)
        #expect(report.results.map(\.operation) == plan.operations)
        let (planned, reported) = (plan.operations.withUnsafeBufferPointer { $0.baseAddress }, report.results.operations.withUnsafeBufferPointer { $0.baseAddress })
        #expect(planned == reported, "the report holds the plan's own array")
    }

    @Test("a failed operation does not stop unrelated ones; dependent ones are skipped; the next run repairs")
    func continuesPastFailures() async throws {
        let base = InMemoryIdentityStore()
        let store = FaultInjectingIdentityStore(base)
        let users = [user("1", "a@contoso.com"), user("2", "b@contoso.com"), user("3", "c@contoso.com")]
        let directory = snapshot(users, [group("g", "G", users: ["1", "2", "3"])])
        store.failWrites(where: { kind, number in kind == .createUser && number == 2 })
        let (_, report) = try await sync(directory, store)
        #expect(report.failed.count == 2, "\(report.failed)")
        #expect(report.failed.contains { if case .skipped = $0.outcome { true } else { false } })
        let partial = try await base.contents()
        #expect(partial.users.count == 2)
        #expect(partial.memberEmails(of: "G").count == 2)
        store.heal()
        let (_, repair) = try await sync(directory, store)
        #expect(repair.isSuccess)
        #expect(try await makePlan(directory, store).isEmpty)
        #expect(try await base.contents().memberEmails(of: "G").count == 3)
    }

    @Test("a failed membership batch is retried one by one so one bad member fails alone")
    func batchFallback() async throws {
        let store = InMemoryIdentityStore()
        let users = (0..<5).map { user("\($0)", "u\($0)@contoso.com") }
        try await sync(snapshot(users, [group("g", "G")]), store)
        var plan = try await makePlan(snapshot(users, [group("g", "G", users: users.map(\.id))]), store)
        // Point one add at a user that does not exist.
        if case .addMember(_, let target) = plan.operations[2].action {
            plan.operations[2].action = .addMember(user: .existing("ghost"), group: target)
        }
        let report = try await SyncExecutor().apply(plan, to: store)
        #expect(report.succeeded == 4)
        #expect(report.failed.map(\.operation.subject) == [plan.operations[2].subject])
        #expect(report.failed.first.map { if case .failed(.notFound, _) = $0.outcome { true } else { false } } == true)
    }

    @Test("membership changes go in batches per group and direction, groups in the order they first come, however the plan interleaves them")
    func batchesPerGroup() async throws {
        let store = RecordingStore()
        let users = (0..<9).map { user("\($0)", "u\($0)@contoso.com") }
        try await sync(snapshot(users, [group("g1", "G1"), group("g2", "G2", users: ["5", "6", "7"])]), store)
        // Adds to groups that exist and to groups created in the same run, removals from one.
        let members = snapshot(users, [
            group("g1", "G1", users: ["0", "1", "2", "3", "4"]), group("g2", "G2", users: ["2", "8"]),
            group("g3", "G3", users: ["1", "5", "6"]), group("g4", "G4", users: ["0", "7", "8"]),
        ])
        var plan = try await makePlan(members, store)
        var random = SeededRandomNumberGenerator(seed: 11)
        plan.operations.shuffle(using: &random)
        let memberships = plan.operations.filter { $0.phase == .memberships }
        #expect(zip(memberships, memberships.dropFirst()).count { $0.group != $1.group } > 4, "the shuffled plan interleaves the groups")
        await store.reset()
        let report = try await SyncExecutor(configuration: .init(maximumConcurrency: 1, membershipBatchSize: 2)).apply(plan, to: store)
        #expect(report.isSuccess)
        // The plan's membership changes grouped by direction and group (in the order each pair
        // first comes, each one's changes in plan order), cut every two.
        var expected: [(adding: Bool, group: String, users: [String])] = []
        for operation in memberships {
            let adding = if case .addMember = operation.action { true } else { false }
            if let place = expected.firstIndex(where: { $0.adding == adding && $0.group == operation.group }) {
                expected[place].users.append(operation.subject)
            } else {
                expected.append((adding, operation.group!, [operation.subject]))
            }
        }
        let batches = expected.flatMap { batch in
            stride(from: 0, to: batch.users.count, by: 2).map { "\(batch.adding ? "add" : "remove") \(batch.group): \(batch.users[$0..<min($0 + 2, batch.users.count)].joined(separator: " "))" }
        }
        let contents = try await store.contents()
        let calls = await store.memberCalls.map { call in
            let names = call.users.map { id in contents.users.first { $0.id == id }?.profile.email ?? id.rawValue }
            return "\(call.adding ? "add" : "remove") \(contents.groups.first { $0.id == call.group }?.profile.name ?? call.group.rawValue): \(names.joined(separator: " "))"
        }
        #expect(calls == batches)
        #expect(Set(expected.map(\.group)).count == 4 && expected.contains { !$0.adding })
    }

    @Test("no more than the configured number of operations run at once")
    func boundedConcurrency() async throws {
        // 20 ms a write: long enough that a worker started late still finds the others busy.
        let store = RecordingStore(delay: .milliseconds(20))
        let users = (0..<40).map { user("\($0)", "u\($0)@contoso.com") }
        let plan = try await makePlan(snapshot(users), store)
        _ = try await SyncExecutor(configuration: .init(maximumConcurrency: 3)).apply(plan, to: store)
        #expect(await store.maximumInFlight == 3)
    }

    @Test("cancellation stops new operations; the report says what did not start; a fresh run converges")
    func cancellation() async throws {
        // Writes after the third wait at a gate until the run is cancelled: however late this task
        // gets to cancel it, the run cannot have finished meanwhile.
        let gate = Gate()
        let store = RecordingStore(delay: .milliseconds(5), gate: (after: 3, gate))
        let users = (0..<200).map { user("\($0)", "u\($0)@contoso.com") }
        let plan = try await makePlan(snapshot(users), store)
        let task = Task { try await SyncExecutor(configuration: .init(maximumConcurrency: 2)).apply(plan, to: store) }
        while await store.log.count < 3 { try? await Task.sleep(for: .milliseconds(2)) }
        task.cancel()
        gate.open()
        let report = try await task.value
        #expect(report.wasCancelled)
        #expect(report.notStarted > 0)
        #expect(report.succeeded < 200)
        let (_, rerun) = try await sync(snapshot(users), store)
        #expect(rerun.isSuccess)
        #expect(try await store.contents().users.count == 200)
    }

    @Test("events report every operation and the totals")
    func events() async throws {
        let received = Locked<[SyncEvent]>([])
        let store = InMemoryIdentityStore()
        let plan = try await makePlan(snapshot([user("1", "a@contoso.com")], [group("g", "G", users: ["1"])]), store)
        let executor = SyncExecutor(onEvent: { event in received.withLock { $0.append(event) } })
        _ = try await executor.apply(plan, to: store)
        let events = received.withLock { $0 }
        #expect(events.first == .started(sourceID: source, operations: 3))
        #expect(events.last == .finished(succeeded: 3, failed: 0, notStarted: 0))
        let finished = events.compactMap { if case .operationFinished(_, let done, let total) = $0 { (done, total) } else { nil } }
        #expect(finished.map(\.0) == [1, 2, 3])
        #expect(finished.allSatisfy { $0.1 == 3 })
        #expect(events.filter { if case .phaseStarted = $0 { true } else { false } }.count == 3)
    }

    @Test("events can be consumed as an AsyncStream")
    func stream() async throws {
        let (stream, continuation) = AsyncStream.makeStream(of: SyncEvent.self)
        let store = InMemoryIdentityStore()
        let plan = try await makePlan(snapshot([user("1", "a@contoso.com")]), store)
        _ = try await SyncExecutor(onEvent: { continuation.yield($0) }).apply(plan, to: store)
        continuation.finish()
        var count = 0
        for await _ in stream { count += 1 }
        #expect(count == 4)
    }

    @Test("the public API is Sendable: planning and applying from detached tasks")
    func sendable() async throws {
        let store = InMemoryIdentityStore()
        let directory = InMemoryDirectoryProvider(users: [user("1", "a@contoso.com")])
        let report = try await Task.detached {
            let snapshot = try await directory.read()
            let plan = try StandardSyncPlanner().plan(source: source, directory: snapshot, store: try await store.contents())
            return try await SyncExecutor().apply(plan, to: store)
        }.value
        #expect(report.isSuccess)
    }
}

/// Records the order of writes and how many run at once.
private actor RecordingStore: IdentityStore {
    private let base = InMemoryIdentityStore()
    private let delay: Duration?
    /// Writes after the first `after` wait at `gate`.
    private let gate: (after: Int, Gate)?
    private(set) var log: [String] = []
    /// Each membership call's direction, group and users, in the order made.
    private(set) var memberCalls: [(adding: Bool, group: IdentityID, users: [IdentityID])] = []
    private(set) var maximumInFlight = 0
    private var inFlight = 0

    init(delay: Duration? = nil, gate: (after: Int, Gate)? = nil) {
        self.delay = delay
        self.gate = gate
    }

    func reset() {
        log = []
        memberCalls = []
    }

    private func record<T>(_ name: String, _ body: () async throws -> T) async throws -> T {
        log.append(name)
        if let (after, gate) = gate, log.count > after { await gate.wait() }
        inFlight += 1
        maximumInFlight = max(maximumInFlight, inFlight)
        defer { inFlight -= 1 }
        if let delay { try? await Task.sleep(for: delay) }
        return try await body()
    }

    func contents() async throws -> IdentityStoreContents { try await base.contents() }
    func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try await record("createUser") { try await base.createUser(profile, origin: origin) }
    }
    func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try await record("updateUser") { try await base.updateUser(id, profile: profile, origin: origin) }
    }
    func deleteUser(_ id: IdentityID) async throws { try await record("deleteUser") { try await base.deleteUser(id) } }
    func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try await record("createGroup") { try await base.createGroup(profile, origin: origin) }
    }
    func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try await record("updateGroup") { try await base.updateGroup(id, profile: profile, origin: origin) }
    }
    func deleteGroup(_ id: IdentityID) async throws { try await record("deleteGroup") { try await base.deleteGroup(id) } }
    func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        memberCalls.append((true, groupID, userIDs))
        try await record("addMembers") { try await base.addMembers(userIDs, to: groupID) }
    }
    func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        memberCalls.append((false, groupID, userIDs))
        try await record("removeMembers") { try await base.removeMembers(userIDs, from: groupID) }
    }
}
