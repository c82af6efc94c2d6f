@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A directory for these tests that tracks changes: every change is logged, and a cursor is the
/// log's length, so a whole run after the first reads only what changed. Reads and lookups can be
/// held at a gate; it counts both.
final class TrackedDirectory: DirectoryProvider {
    private struct State {
        var users: [String: DirectoryUser] = [:]
        var groups: [String: DirectoryGroup] = [:]
        var log: [DirectoryChanges.Change] = []
        var wholeReads = 0
        var lookups = 0
    }

    private let state = Locked(State())
    /// When set, lookups wait here.
    let lookupGate = Locked<Gate?>(nil)

    init(users: [DirectoryUser] = [], groups: [DirectoryGroup] = []) {
        state.withLock { state in
            for user in users { state.users[user.id] = user }
            for group in groups { state.groups[group.id] = group }
        }
    }

    var wholeReads: Int { state.withLock { $0.wholeReads } }
    var lookups: Int { state.withLock { $0.lookups } }

    private var snapshot: DirectorySnapshot {
        state.withLock { state in
            DirectorySnapshot(
                users: state.users.values.sorted { $0.id < $1.id }, groups: state.groups.values.sorted { $0.id < $1.id },
                statistics: ReadStatistics(requests: 1, pages: 1))
        }
    }

    func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        state.withLock { $0.wholeReads += 1 }
        return snapshot
    }

    func readChanges(since cursor: DirectoryCursor?, filter: SyncFilter) async throws -> DirectoryRead {
        state.withLock { $0.wholeReads += 1 }
        let (log, whole) = state.withLock { ($0.log, $0.log.count) }
        let next = DirectoryCursor(["log": String(whole)])
        guard let cursor, let position = cursor.positions["log"].flatMap(Int.init) else { return .full(snapshot, cursor: next) }
        return .changes(DirectoryChanges(Array(log[position...])), cursor: next, statistics: ReadStatistics(requests: 1, pages: 1))
    }

    func lookUp(_ lookup: DirectoryLookup) async throws -> DirectoryExcerpt {
        state.withLock { $0.lookups += 1 }
        if let gate = lookupGate.withLock({ $0 }) { await gate.wait() }
        var excerpt = DirectoryExcerpt(snapshot, lookup)
        excerpt.statistics = ReadStatistics(requests: 1, pages: 1)
        return excerpt
    }

    func upsert(_ user: DirectoryUser) {
        state.withLock { state in
            state.users[user.id] = user
            state.log.append(.user(.init(user: user)))
        }
    }

    func upsert(_ group: DirectoryGroup) {
        state.withLock { state in
            state.groups[group.id] = group
            state.log.append(.group(.init(group: group)))
        }
    }

    func removeUser(id: String) {
        state.withLock { state in
            state.users[id] = nil
            state.log.append(.userRemoved(.init(id: id, kind: .deleted)))
            for key in Array(state.groups.keys) where state.groups[key]!.memberUserIDs.contains(id) {
                state.groups[key]!.memberUserIDs.removeAll { $0 == id }
                state.log.append(.membership(.init(groupID: key, memberID: id, memberKind: .user, isAdded: false)))
            }
        }
    }

    func removeGroup(id: String) {
        state.withLock { state in
            state.groups[id] = nil
            state.log.append(.groupRemoved(.init(id: id, kind: .deleted)))
        }
    }
}

/// A service with one source over a ``TrackedDirectory``; credentials tested, on unless asked.
struct ExplainFixture {
    static let secret = "Sup3r~Secret.Value-for-tests"
    static let clientID = "00000000-0000-4000-8000-0000000000bb"

    /// Hands out the tracked directory; connection tests pass as the in-memory connector's do.
    struct Connector: DirectoryConnector {
        let base: InMemoryDirectoryConnector
        let directory: TrackedDirectory
        var sourceType: String { base.sourceType }
        func provider(for connection: SourceConnection) throws -> any DirectoryProvider { directory }
        func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult { await base.testConnection(connection) }
    }

    let store: InMemoryIdentityStore
    let state = InMemorySyncStateStore()
    let directory: TrackedDirectory
    let service: DirectoryService
    let id: SourceID

    init(
        users: [DirectoryUser], groups: [DirectoryGroup] = [], settings: SyncSettings = SyncSettings(deletionGuard: .disabled),
        store: InMemoryIdentityStore = InMemoryIdentityStore(), configuration: DirectoryService.Configuration = .init(), on: Bool = true
    ) async throws {
        self.store = store
        directory = TrackedDirectory(users: users, groups: groups)
        let base = InMemoryDirectoryConnector()
        base.register(tenant: "contoso.com", clientID: Self.clientID, secret: Self.secret, domains: ["contoso.com"], directory: InMemoryDirectoryProvider())
        service = try await DirectoryService.open(
            store: store, state: state, secrets: InMemorySecretStore(), connector: Connector(base: base, directory: directory),
            configuration: configuration, clock: TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000)).syncClock)
        id = try await service.addSource(name: "Contoso", domain: "contoso.com").id
        try await service.setCredentials(id, SourceCredentials(clientID: Self.clientID, tenant: "contoso.com"), secret: Secret(Self.secret))
        _ = try await service.testConnection(id)
        try await service.setSettings(id, settings)
        if on { try await service.turnOn(id) }
    }

    /// The one explanation of the user the key names.
    func explain(user key: String) async throws -> ObjectExplanation {
        let explanations = try await service.explain(id, user: key)
        try #require(explanations.count == 1, "\(explanations.count) explanations for '\(key)'")
        return explanations[0]
    }

    /// The one explanation of the group the key names.
    func explain(group key: String) async throws -> ObjectExplanation {
        let explanations = try await service.explain(id, group: key)
        try #require(explanations.count == 1, "\(explanations.count) explanations for '\(key)'")
        return explanations[0]
    }

    /// The plan a whole run would make now.
    func wholePlan() async throws -> SyncPlan {
        try StandardSyncPlanner().plan(
            SyncPlanRequest(
                sourceID: id, directory: try await directory.read(), store: try await store.contents(),
                settings: try await service.source(id).settings, listsUnchanged: true))
    }

    var tracking: TrackingState? { get async throws { try await state.load(TrackingState.self, for: .tracking(id)) } }
}

fileprivate func user(_ id: String, _ email: String?, department: String? = nil, city: String?) -> DirectoryUser {
    var made = user(id, email, department: department)
    made.city = city
    return made
}

@Suite("Explain one object, and synchronize one user on demand")
struct ExplainTests {
    // MARK: Scope

    @Test("a group filter: the path runs from the selected group down through the nested one, and names its condition")
    func groupFilterPath() async throws {
        let selectA = FilterCondition(.displayName, .equals, "A")
        let fixture = try await ExplainFixture(
            users: [user("u1", "nested@contoso.com"), user("u2", "other@contoso.com"), user("u3", "alone@contoso.com")],
            groups: [group("ga", "A", groups: ["gb"]), group("gb", "B", users: ["u1"]), group("gc", "C", users: ["u2"]), group("gd", "D", groups: ["gc"])],
            settings: SyncSettings(filter: .usersByGroup(.condition(selectA)), deletionGuard: .disabled))

        let nested = try await fixture.explain(user: "nested@contoso.com")
        #expect(nested.scope.inScope)
        #expect(nested.scope.path == ["A", "B"])
        #expect(nested.scope.conditions == [selectA])
        #expect(nested.scope.detail.contains("'A'") && nested.scope.detail.contains("'B'"))
        #expect(nested.action == .create)

        let other = try await fixture.explain(user: "u2")
        #expect(!other.scope.inScope)
        #expect(other.scope.path.isEmpty)
        #expect(other.scope.detail.contains("'C'"), "\(other.scope.detail)")
        #expect(other.action == nil)
        #expect(other.correlation.kind == .none)

        let alone = try await fixture.explain(user: "alone@contoso.com")
        #expect(!alone.scope.inScope)
        #expect(alone.scope.detail.contains("member of no group"), "\(alone.scope.detail)")
    }

    @Test("a user filter: the failing condition of an 'and' decides; the operand of an 'or' that holds decides")
    func userFilterDecidingConditions() async throws {
        let both = try FilterExpression(parsing: "department eq 'Sales' and city eq 'Oslo'")
        let fixture = try await ExplainFixture(
            users: [user("u1", "bergen@contoso.com", department: "Sales", city: "Bergen"), user("u2", "oslo@contoso.com", department: "Sales", city: "Oslo")],
            settings: SyncSettings(filter: .usersByUser(both), deletionGuard: .disabled))
        let bergen = try await fixture.explain(user: "bergen@contoso.com")
        #expect(!bergen.scope.inScope)
        #expect(bergen.scope.conditions == [FilterCondition(.city, .equals, "Oslo")])
        #expect(bergen.scope.detail.contains("'Bergen'"), "\(bergen.scope.detail)")
        #expect(bergen.action == nil)
        let oslo = try await fixture.explain(user: "oslo@contoso.com")
        #expect(oslo.scope.inScope)
        #expect(oslo.scope.conditions == [FilterCondition(.department, .equals, "Sales"), FilterCondition(.city, .equals, "Oslo")])

        let either = try FilterExpression(parsing: "(department eq 'IT' and city eq 'Bergen') or (department eq 'Sales' and city eq 'Oslo')")
        try await fixture.service.setFilter(fixture.id, .usersByUser(either))
        let second = try await fixture.explain(user: "oslo@contoso.com")
        #expect(second.scope.inScope)
        #expect(second.scope.conditions == [FilterCondition(.department, .equals, "Sales"), FilterCondition(.city, .equals, "Oslo")])
        let neither = try await fixture.explain(user: "bergen@contoso.com")
        #expect(!neither.scope.inScope)
        // Both operands fail: the first by its department, the second by its city.
        #expect(neither.scope.conditions == [FilterCondition(.department, .equals, "IT"), FilterCondition(.city, .equals, "Oslo")])
    }

    // MARK: Correlation

    @Test("correlation: adopted by email or login, a conflict with another source's holder, linked, new")
    func correlation() async throws {
        let store = InMemoryIdentityStore()
        let byEmail = try await store.createUser(UserProfile(name: "Adele", email: "adele@contoso.com"), origin: .manual)
        let byLogin = try await store.createUser(UserProfile(name: "B", email: "b.smith@legacy.example", logins: ["CORP\\bsmith"]), origin: .manual)
        let holder = try await store.createUser(UserProfile(name: "Carol", email: "carol@contoso.com"), origin: .directory(otherSource, externalID: "f1"))
        let fixture = try await ExplainFixture(
            users: [
                user("u1", "adele@contoso.com"), user("u2", "bsmith@contoso.com", sam: "bsmith"), user("u3", "carol@contoso.com"),
                user("u4", "dan@contoso.com"),
            ],
            store: store)

        let adele = try await fixture.explain(user: "adele@contoso.com")
        #expect(adele.correlation.kind == .matchedByEmail)
        #expect(adele.correlation.identityID == byEmail.id)
        #expect(adele.action == .adopt)

        let smith = try await fixture.explain(user: "CORP\\bsmith")
        #expect(smith.directory.externalID == "u2")
        #expect(smith.correlation.kind == .matchedByLogin)
        #expect(smith.correlation.identityID == byLogin.id)
        #expect(smith.action == .adopt)

        let carol = try await fixture.explain(user: "u3")
        #expect(carol.correlation.kind == .conflict)
        #expect(carol.correlation.related == [holder.id])
        #expect(carol.correlation.identityID == nil)
        #expect(carol.action == .conflict)
        #expect(carol.records.contains { $0.code == SyncIssue.Code.emailInUse.rawValue })

        let dan = try await fixture.explain(user: "dan@contoso.com")
        #expect(dan.correlation.kind == .new)
        #expect(dan.correlation.identityID == nil)
        #expect(dan.action == .create)

        _ = try await fixture.service.synchronize(fixture.id)
        let linked = try #require(try await fixture.store.contents().user(externalID: "u4"))
        let again = try await fixture.explain(user: "dan@contoso.com")
        #expect(again.correlation.kind == .linked)
        #expect(again.correlation.identityID == linked.id)
        #expect(again.action == .unchanged)
    }

    @Test("a deleted directory user whose identity is linked: found by the identity's email, removed or disabled by policy", arguments: [SyncSettings.OutOfScopeAction.remove, .disable])
    func deletedUser(policy: SyncSettings.OutOfScopeAction) async throws {
        let fixture = try await ExplainFixture(
            users: [user("u1", "gone@contoso.com"), user("u2", "stays@contoso.com")], settings: SyncSettings(outOfScope: policy, deletionGuard: .disabled))
        _ = try await fixture.service.synchronize(fixture.id)
        let identity = try #require(try await fixture.store.contents().user(externalID: "u1"))
        fixture.directory.removeUser(id: "u1")

        let explanation = try await fixture.explain(user: "gone@contoso.com")
        #expect(!explanation.directory.found)
        #expect(explanation.directory.externalID == "u1")
        #expect(!explanation.scope.inScope)
        #expect(explanation.correlation.kind == .linked)
        #expect(explanation.correlation.identityID == identity.id)
        #expect(explanation.action == (policy == .remove ? .remove : .disable))
        #expect(explanation.isComplete)
    }

    @Test("a key that names nothing: one explanation that says so")
    func unknownKey() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com")], groups: [group("g1", "Sales", users: ["u1"])])
        for explanation in [try await fixture.explain(user: "nobody@contoso.com"), try await fixture.explain(group: "Nobody")] {
            #expect(!explanation.directory.found)
            #expect(explanation.directory.externalID == nil)
            #expect(explanation.action == nil)
            #expect(explanation.correlation.kind == .none)
            #expect(explanation.records.isEmpty)
            #expect(!explanation.scope.inScope)
        }
    }

    // MARK: Last run

    @Test("the last run: its record, and its report's records about the object")
    func lastRun() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")], groups: [group("g1", "Sales", users: ["u1"])])
        #expect(try await fixture.explain(user: "a@contoso.com").lastRun == nil)
        let run = try await fixture.service.synchronize(fixture.id)
        let explanation = try await fixture.explain(user: "a@contoso.com")
        let last = try #require(explanation.lastRun)
        #expect(last.run == run)
        #expect(last.reportKept)
        #expect(last.records.contains { $0.record.action == .create && $0.record.externalID == "u1" && $0.outcome == .applied }, "\(last.records)")
        #expect(last.records.contains { $0.record.action == .addMember && $0.record.group == "Sales" && $0.outcome == .applied }, "\(last.records)")
        #expect(!last.records.contains { $0.record.externalID == "u2" || $0.record.subject == "b@contoso.com" })

        let sales = try await fixture.explain(group: "Sales")
        #expect(sales.lastRun?.records.contains { $0.record.action == .create && $0.record.externalID == "g1" } == true)
        #expect(sales.lastRun?.records.contains { $0.record.action == .addMember && $0.record.subject == "a@contoso.com" } == true)
    }

    @Test("an on-demand run is the last run of its own user only; another user's is the last whole run")
    func lastRunAfterOnDemand() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")])
        let whole = try await fixture.service.synchronize(fixture.id)
        fixture.directory.upsert(user("u2", "b@contoso.com", name: "Renamed"))
        let onDemand = try await fixture.service.synchronize(fixture.id, user: "b@contoso.com")
        #expect(onDemand.outcome == .succeeded)

        let renamed = try #require(try await fixture.explain(user: "b@contoso.com").lastRun)
        #expect(renamed.run == onDemand)
        #expect(renamed.records.contains { $0.record.action == .update && $0.record.externalID == "u2" && $0.outcome == .applied }, "\(renamed.records)")
        let other = try #require(try await fixture.explain(user: "a@contoso.com").lastRun)
        #expect(other.run == whole)
        #expect(other.records.contains { $0.record.action == .create && $0.record.externalID == "u1" })
    }

    @Test("with reports turned off, the last run is named but its records are not kept")
    func lastRunWithoutReports() async throws {
        let fixture = try await ExplainFixture(
            users: [user("u1", "a@contoso.com")], configuration: .init(reports: RunReportRetention(maximumReports: 0)))
        let run = try await fixture.service.synchronize(fixture.id)
        let last = try #require(try await fixture.explain(user: "a@contoso.com").lastRun)
        #expect(last.run == run)
        #expect(!last.reportKept)
        #expect(last.records.isEmpty)
    }

    @Test("a damaged report, or a damaged index of reports, leaves step 5 without records and says why; the explanation stands")
    func lastRunWithDamagedReports() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com")])
        let run = try await fixture.service.synchronize(fixture.id)
        let part = StateKey(fixture.id, "report-\(run.id)-0")
        try await fixture.state.setData(Data("not a report".utf8), for: part)
        let damaged = try await fixture.explain(user: "a@contoso.com")
        #expect(damaged.action != nil || damaged.correlation.identityID != nil, "steps 1–4 are there")
        let last = try #require(damaged.lastRun)
        #expect(last.run == run && !last.reportKept && last.records.isEmpty)
        #expect(last.reportProblem?.contains("report-\(run.id)-0") == true, "\(last.reportProblem ?? "none")")
        // The run's entry in the index edited to counts no save writes: the index is named.
        let index = try #require(try await fixture.state.data(for: StateKey(fixture.id, "reports")))
        let text = String(decoding: index, as: UTF8.self).replacingOccurrences(of: #""parts":1"#, with: #""parts":0"#)
        try await fixture.state.setData(Data(text.utf8), for: StateKey(fixture.id, "reports"))
        let edited = try #require(try await fixture.explain(user: "a@contoso.com").lastRun)
        #expect(edited.reportProblem?.contains("its entry for run '\(run.id)'") == true, "\(edited.reportProblem ?? "none")")
        // The index itself: before, the whole explanation failed.
        try await fixture.state.setData(Data("garbage".utf8), for: StateKey(fixture.id, "reports"))
        let noIndex = try #require(try await fixture.explain(user: "a@contoso.com").lastRun)
        #expect(noIndex.run == run && !noIndex.reportKept)
        #expect(noIndex.reportProblem?.contains("/reports'") == true, "\(noIndex.reportProblem ?? "none")")
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(try await fixture.explain(user: "a@contoso.com"))) as? [String: Any]
        let lastRun = try #require(json?["lastRun"] as? [String: Any])
        #expect(Set(lastRun.keys) == ["run", "reportKept", "reportProblem", "records"])
    }

    // MARK: JSON

    @Test("the JSON has the designed fields")
    func json() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com", department: "Sales", city: "Oslo")], groups: [group("g1", "Sales", users: ["u1"])],
            settings: SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")), deletionGuard: .disabled))
        let before = try await fixture.explain(user: "a@contoso.com")
        let first = try Self.object(before)
        #expect(Set(first.keys) == ["source", "key", "objectKind", "directory", "scope", "correlation", "action", "records", "lastRun", "requests", "complete"])
        #expect(first["lastRun"] is NSNull)
        #expect(first["source"] as? String == fixture.id.rawValue)
        #expect(first["key"] as? String == "a@contoso.com")
        #expect(first["objectKind"] as? String == "user")
        #expect(first["action"] as? String == "create")
        #expect(first["complete"] as? Bool == true)
        #expect(first["requests"] as? Int == before.requests)
        let directory = try #require(first["directory"] as? [String: Any])
        #expect(Set(directory.keys) == ["found", "externalID", "subject", "detail"])
        #expect(directory["found"] as? Bool == true && directory["externalID"] as? String == "u1" && directory["subject"] as? String == "a@contoso.com")
        let scope = try #require(first["scope"] as? [String: Any])
        #expect(Set(scope.keys) == ["inScope", "conditions", "path", "detail"])
        #expect(scope["conditions"] as? [String] == ["department eq 'Sales'"])
        #expect(scope["path"] as? [String] == [])
        #expect(scope["inScope"] as? Bool == true)
        let correlation = try #require(first["correlation"] as? [String: Any])
        #expect(Set(correlation.keys) == ["kind", "related", "detail"])
        #expect(correlation["kind"] as? String == "new")
        let records = try #require(first["records"] as? [[String: Any]])
        #expect(records.contains { $0["action"] as? String == "create" && $0["objectKind"] as? String == "user" && $0["externalID"] as? String == "u1" })
        #expect(records.contains { $0["action"] as? String == "addMember" && $0["objectKind"] as? String == "membership" && $0["group"] as? String == "Sales" })

        let run = try await fixture.service.synchronize(fixture.id)
        let after = try Self.object(try await fixture.explain(user: "a@contoso.com"))
        #expect(after["action"] as? String == "unchanged")
        let correlated = try #require(after["correlation"] as? [String: Any])
        #expect(Set(correlated.keys) == ["kind", "identityID", "related", "detail"])
        #expect(correlated["kind"] as? String == "linked")
        let lastRun = try #require(after["lastRun"] as? [String: Any])
        #expect(Set(lastRun.keys) == ["run", "reportKept", "records"])
        #expect(lastRun["reportKept"] as? Bool == true)
        #expect((lastRun["run"] as? [String: Any])?["id"] as? String == run.id)
        #expect((lastRun["run"] as? [String: Any])?["trigger"] as? String == "manual")
        let applied = try #require(lastRun["records"] as? [[String: Any]])
        #expect(applied.contains { $0["action"] as? String == "create" && $0["outcome"] as? String == "applied" })

        let nothing = try Self.object(try await fixture.explain(user: "nobody@contoso.com"))
        #expect(nothing["action"] is NSNull)
        let missing = try #require(nothing["directory"] as? [String: Any])
        #expect(Set(missing.keys) == ["found", "detail"])
        #expect((nothing["correlation"] as? [String: Any])?["kind"] as? String == "none")
    }

    static func object(_ explanation: ObjectExplanation) throws -> [String: Any] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = try encoder.encode(explanation)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    // MARK: Explain is read-only

    @Test("explain changes nothing: not the store, the history, the tracking or the source's state")
    func readOnly() async throws {
        let fixture = try await ExplainFixture(
            users: [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")], groups: [group("g1", "Sales", users: ["u1", "u2"])])
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.removeUser(id: "u2")
        fixture.directory.upsert(user("u3", "c@contoso.com"))
        let store = StoreFingerprint(try await fixture.store.contents())
        let history = try await fixture.service.history(fixture.id)
        let tracking = try #require(try await fixture.tracking)
        let state = try await fixture.service.source(fixture.id).state
        let reads = fixture.directory.wholeReads
        for key in ["a@contoso.com", "b@contoso.com", "u3", "nobody"] { _ = try await fixture.service.explain(fixture.id, user: key) }
        for key in ["Sales", "g1"] { _ = try await fixture.service.explain(fixture.id, group: key) }
        #expect(StoreFingerprint(try await fixture.store.contents()) == store)
        #expect(try await fixture.service.history(fixture.id) == history)
        #expect(try await fixture.tracking?.commitID == tracking.commitID)
        #expect(try await fixture.service.source(fixture.id).state == state)
        #expect(fixture.directory.wholeReads == reads, "explain reads the whole directory")
        #expect(fixture.directory.lookups > 0)
    }

    @Test("explain works while the source is off, once its credentials passed a test")
    func whileOff() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com")], on: false)
        #expect(try await fixture.service.source(fixture.id).state == .off)
        let explanation = try await fixture.explain(user: "a@contoso.com")
        #expect(explanation.action == .create)
        #expect(explanation.lastRun == nil)
        #expect(try await fixture.store.contents().users.isEmpty)
    }

    // MARK: Groups whose names are freed by a deleted group

    @Test("a new group taking the name of a deleted group's identity: explained as created, as a whole run does")
    func groupTakesDeletedGroupsName() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com")], groups: [group("g1", "Sales", users: ["u1"])])
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.removeGroup(id: "g1")
        fixture.directory.upsert(group("g2", "Sales", users: ["u1"]))
        let plan = try await fixture.wholePlan()
        #expect(plan.operations.contains { $0.action.kind == .createGroup && $0.action.externalID == "g2" })
        #expect(plan.issues.isEmpty)

        for key in ["Sales", "g2"] {
            let explanation = try await fixture.explain(group: key)
            #expect(explanation.directory.externalID == "g2")
            #expect(explanation.action == .create, "by '\(key)': \(explanation.records)")
            #expect(explanation.records.contains { $0.action == .addMember && $0.subject == "a@contoso.com" }, "by '\(key)': \(explanation.records)")
        }
        let deleted = try await fixture.explain(group: "g1")
        #expect(!deleted.directory.found)
        #expect(deleted.action == .remove)
    }

    @Test("a member of a new group that takes a deleted group's name: explained as joining it, as a whole run does")
    func userJoinsGroupTakingDeletedGroupsName() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com")], groups: [group("g1", "Sales", users: ["u1"])])
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.removeGroup(id: "g1")
        fixture.directory.upsert(group("g2", "Sales", users: ["u1"]))
        let explanation = try await fixture.explain(user: "a@contoso.com")
        #expect(explanation.records.contains { $0.action == .addMember && $0.group == "Sales" && $0.groupID == nil }, "\(explanation.records)")
        #expect(!explanation.records.contains { $0.action == .conflict }, "\(explanation.records)")
        let plan = try await fixture.wholePlan()
        let expected = ExplainPropertyTests.records(plan, try await fixture.store.contents(), user: "u1")
        #expect(ExplainPropertyTests.comparable(explanation.records) == expected)
    }

    // MARK: On demand

    @Test("on demand: refused while the source is off, and for an empty key")
    func onDemandRefusals() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com")], on: false)
        let off = await #expect(throws: DirectoryServiceError.self) { try await fixture.service.synchronize(fixture.id, user: "a@contoso.com") }
        #expect(off?.code == .sourceIsOff)
        try await fixture.service.turnOn(fixture.id)
        for key in ["", "   "] {
            let empty = await #expect(throws: DirectoryServiceError.self) { try await fixture.service.synchronize(fixture.id, user: key) }
            #expect(empty?.code == .invalidInput)
        }
        #expect(try await fixture.service.history(fixture.id).isEmpty)
        #expect(try await fixture.store.contents().users.isEmpty)
    }

    @Test("on demand: the user is applied; its membership in a group the store does not hold yet waits for a whole run")
    func onDemandWaitsForGroup() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")], groups: [group("g1", "Sales", users: ["u1"])])
        let record = try await fixture.service.synchronize(fixture.id, user: "a@contoso.com")
        #expect(record.trigger == .onDemand)
        #expect(record.outcome == .succeeded)
        #expect(record.summary.issues[.waitsForFullSynchronization] == 1)
        #expect(record.readKind == .lookup(objects: 1))
        let contents = try await fixture.store.contents()
        #expect(contents.user(externalID: "u1") != nil)
        #expect(contents.user(externalID: "u2") == nil)
        #expect(contents.groups.isEmpty)
        #expect(try await fixture.service.source(fixture.id).state == .on)

        // The whole run that follows adds the group and the membership.
        _ = try await fixture.service.synchronize(fixture.id)
        #expect(try await fixture.store.contents().memberEmails(of: "Sales") == ["a@contoso.com"])
    }

    @Test("on demand: a removal over the deletion guard needs confirmation and leaves the source's state as it was")
    func onDemandGuard() async throws {
        let strict = DeletionGuard(users: .init(maximumCount: 0, maximumPercentage: nil))
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")], settings: SyncSettings(deletionGuard: strict))
        #expect(try await fixture.service.synchronize(fixture.id).outcome == .succeeded)
        fixture.directory.removeUser(id: "u1")
        let store = StoreFingerprint(try await fixture.store.contents())

        let record = try await fixture.service.synchronize(fixture.id, user: "a@contoso.com")
        guard case .needsConfirmation(let violations) = record.outcome else {
            Issue.record("\(record.outcome)")
            return
        }
        #expect(violations.count == 1)
        #expect(record.trigger == .onDemand)
        #expect(try await fixture.service.source(fixture.id).state == .on)
        #expect(StoreFingerprint(try await fixture.store.contents()) == store)
        #expect(try await fixture.service.history(fixture.id).last == record)
    }

    @Test("on demand never commits change tracking: the next whole run reads what it would have read without it")
    func onDemandKeepsTracking() async throws {
        let users = [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")]
        let groups = [group("g1", "Sales", users: ["u1"])]
        let onDemand = try await ExplainFixture(users: users, groups: groups)
        let reference = try await ExplainFixture(users: users, groups: groups)
        for fixture in [onDemand, reference] {
            #expect(try await fixture.service.synchronize(fixture.id).readKind == .full(.firstRun))
            fixture.directory.upsert(user("u3", "c@contoso.com"))
            fixture.directory.upsert(group("g1", "Sales", users: ["u1", "u3"]))
        }
        let tracking = try #require(try await onDemand.tracking)
        let record = try await onDemand.service.synchronize(onDemand.id, user: "c@contoso.com")
        #expect(record.outcome == .succeeded && record.trigger == .onDemand)
        #expect(try await onDemand.tracking?.commitID == tracking.commitID)
        #expect(try await onDemand.tracking?.cursor == tracking.cursor)

        let next = try await onDemand.service.synchronize(onDemand.id)
        let expected = try await reference.service.synchronize(reference.id)
        #expect(next.readKind == expected.readKind)
        #expect(next.readKind == .incremental(changes: 2))
        #expect(StoreFingerprint(try await onDemand.store.contents()) == StoreFingerprint(try await reference.store.contents()))
    }

    @Test("a whole run asked for while a user is synchronized on demand waits for it, then runs its own", .timeLimit(.minutes(5)))
    func wholeRunWaitsForOnDemand() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "a@contoso.com"), user("u2", "b@contoso.com")])
        let gate = Gate()
        fixture.directory.lookupGate.withLock { $0 = gate }
        let events = fixture.service.events(includingOperations: false)
        let onDemand = Task { try await fixture.service.synchronize(fixture.id, user: "a@contoso.com") }
        // The on-demand run is going: it started, and its lookup waits at the gate.
        for await event in events {
            if case .runStarted(_, .onDemand) = event { break }
        }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        #expect(try await fixture.service.source(fixture.id).state == .synchronizing)

        let asked = Locked(false)
        let answered = Locked(false)
        let whole = Task {
            asked.withLock { $0 = true }
            defer { answered.withLock { $0 = true } }
            return try await fixture.service.synchronize(fixture.id)
        }
        // Give the request time to reach the service (it has nothing to show until it runs).
        while !asked.withLock({ $0 }) { try? await Task.sleep(for: .milliseconds(2)) }
        for _ in 0..<200 { await Task.yield() }
        #expect(!answered.withLock { $0 }, "the whole run was answered while the on-demand run was held")
        #expect(fixture.directory.wholeReads == 0, "the whole run read while the on-demand run was going")
        gate.open()

        let first = try await onDemand.value
        let second = try await whole.value
        #expect(first.trigger == .onDemand)
        #expect(second.trigger == .manual)
        #expect(second.id != first.id)
        #expect(second.readKind == .full(.firstRun))
        #expect(try await fixture.service.history(fixture.id).map(\.id) == [first.id, second.id])
        #expect(try await fixture.store.contents().users.count == 2)
    }
}
