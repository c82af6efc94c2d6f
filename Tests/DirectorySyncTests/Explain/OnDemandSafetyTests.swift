@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// An on-demand run applies only what a whole run would apply for that user, and nothing that
/// depends on other objects' operations (found by an outside review; each failed before its fix).
@Suite("On-demand synchronization never writes what a whole run would not")
struct OnDemandSafetyTests {
    /// A provider whose reads never finish (a whole read marked incomplete), as the protocol allows.
    struct PartialDirectory: DirectoryProvider {
        let users: [DirectoryUser]
        func read(filter: SyncFilter) async throws -> DirectorySnapshot { DirectorySnapshot(users: users, isComplete: false) }
    }

    @Test("a source whose whole run waits for confirmed removals synchronizes no user on demand")
    func heldGuard() async throws {
        let users = (1...20).map { user("d\($0)", "u\($0)@contoso.com", department: "Sales") }
        let fixture = try await ExplainFixture(users: users, settings: SyncSettings(deletionGuard: .init()))
        _ = try await fixture.service.synchronize(fixture.id)
        // A filter typed wrong: the whole run would remove all 20 and is held.
        try await fixture.service.setFilter(fixture.id, .usersByUser(.condition(.init(.department, .equals, "Sale"))))
        let held = try await fixture.service.synchronize(fixture.id)
        guard case .needsConfirmation = held.outcome else { Issue.record("\(held.outcome)"); return }
        let before = StoreFingerprint(try await fixture.store.contents())
        await #expect(throws: DirectoryServiceError.self) { try await fixture.service.synchronize(fixture.id, user: "u1@contoso.com") }
        do {
            _ = try await fixture.service.synchronize(fixture.id, user: "u1@contoso.com")
        } catch let error as DirectoryServiceError {
            #expect(error.code == .needsConfirmation)
        }
        #expect(StoreFingerprint(try await fixture.store.contents()) == before, "one user at a time got around the guard")
    }

    @Test("one user at a time does not get around the guard: on-demand removals since the last whole run count together")
    func guardCountsEarlierRemovals() async throws {
        let users = (1...40).map { user("d\($0)", "u\($0)@contoso.com") }
        let fixture = try await ExplainFixture(users: users, settings: SyncSettings(outOfScope: .remove, deletionGuard: .init()))
        _ = try await fixture.service.synchronize(fixture.id)
        // 15 users deleted in the directory: a whole run (15 of 40, over 20%) would be held.
        for number in 1...15 { fixture.directory.removeUser(id: "d\(number)") }
        var held = 0
        for number in 1...15 {
            let record = try await fixture.service.synchronize(fixture.id, user: "d\(number)")
            if case .needsConfirmation = record.outcome { held += 1 }
        }
        let left = try await fixture.store.contents().users.count
        #expect(held > 0, "every removal applied one by one")
        // The guard checks its share from 10 removals on: 9 pass (as they would in a whole run), the 10th would be 25%.
        #expect(40 - left == 9, "\(40 - left) removed on demand")
        #expect(try await fixture.service.source(fixture.id).state == .on, "an on-demand run leaves the source's state")
        // A whole run judges the 6 left on its own (6 of 31: within the guard) and applies them.
        let whole = try await fixture.service.synchronize(fixture.id)
        #expect(whole.outcome == .succeeded)
        #expect(try await fixture.store.contents().users.count == 25)
    }

    @Test("explain names a run whose report cannot be read as such, not an older run that did nothing")
    func unreadableReport() async throws {
        let fixture = try await ExplainFixture(users: [user("a", "a@contoso.com")])
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.upsert(user("b", "b@contoso.com"))
        let onDemand = try await fixture.service.synchronize(fixture.id, user: "b")
        try await fixture.state.remove(StateKey(fixture.id, "report-\(onDemand.id)-0-strings"))
        let explanation = try await fixture.explain(user: "b")
        #expect(explanation.lastRun?.run.id == onDemand.id)
        #expect(explanation.lastRun?.reportKept == false)
    }

    @Test("a partial directory read decides nothing: no removal, the run fails")
    func partialRead() async throws {
        let store = InMemoryIdentityStore()
        let linked = try await store.createUser(UserProfile(name: "T", email: "t@contoso.com"), origin: .directory("contoso", externalID: "dt"))
        let connector = InMemoryDirectoryConnector()
        connector.register(tenant: "contoso.com", clientID: ExplainFixture.clientID, secret: ExplainFixture.secret, domains: ["contoso.com"], directory: InMemoryDirectoryProvider())
        struct Partial: DirectoryConnector {
            let base: InMemoryDirectoryConnector
            var sourceType: String { base.sourceType }
            func provider(for connection: SourceConnection) throws -> any DirectoryProvider { PartialDirectory(users: []) }
            func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult { await base.testConnection(connection) }
        }
        let service = try await DirectoryService.open(store: store, state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: Partial(base: connector))
        let id = try await service.addSource(name: "Contoso", domain: "contoso.com").id
        try await service.setCredentials(id, SourceCredentials(clientID: ExplainFixture.clientID, tenant: "contoso.com"), secret: Secret(ExplainFixture.secret))
        _ = try await service.testConnection(id)
        try await service.setSettings(id, SyncSettings(deletionGuard: .disabled))
        try await service.turnOn(id)
        let record = try await service.synchronize(id, user: "t@contoso.com")
        guard case .failed = record.outcome else { Issue.record("\(record.outcome)"); return }
        #expect(try await store.contents().users.contains { $0.id == linked.id }, "a partial read turned into a removal")
    }

    @Test("a user who takes an address another user gives up in the same run waits for the whole run")
    func deferredCreate() async throws {
        let fixture = try await ExplainFixture(users: [user("d2", "a@contoso.com")])
        _ = try await fixture.service.synchronize(fixture.id)
        // D2 moves to b@; new user V takes a@.
        fixture.directory.upsert(user("d2", "b@contoso.com"))
        fixture.directory.upsert(user("v", "a@contoso.com"))
        let record = try await fixture.service.synchronize(fixture.id, user: "v")
        #expect(record.outcome == .succeeded)
        #expect(record.summary.issues[.waitsForFullSynchronization] == 1)
        let contents = try await fixture.store.contents()
        #expect(contents.user(externalID: "v") == nil, "created before the address was free")
        #expect(contents.user(externalID: "d2")?.profile.email == "a@contoso.com")
        _ = try await fixture.service.synchronize(fixture.id)
        let after = try await fixture.store.contents()
        #expect(after.user(externalID: "v")?.profile.email == "a@contoso.com")
        #expect(after.user(externalID: "d2")?.profile.email == "b@contoso.com")
    }

    @Test("two users who swap addresses: one on demand is left as it was, never half swapped")
    func swap() async throws {
        let fixture = try await ExplainFixture(users: [user("t", "a@contoso.com"), user("u", "b@contoso.com")])
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.upsert(user("t", "b@contoso.com", upn: "a@contoso.com"))
        fixture.directory.upsert(user("u", "a@contoso.com", upn: "b@contoso.com"))
        let record = try await fixture.service.synchronize(fixture.id, user: "t")
        #expect(record.summary.issues[.waitsForFullSynchronization] == 1)
        #expect(try await fixture.store.contents().user(externalID: "t")?.profile.email == "a@contoso.com", "left without an email")
    }

    @Test("a user is not put into a manual group that a whole run would adopt first")
    func manualGroup() async throws {
        let store = InMemoryIdentityStore()
        let finance = try await store.createGroup(GroupProfile(name: "Finance"), origin: .manual)
        let fixture = try await ExplainFixture(users: [user("t", "t@contoso.com")], groups: [group("gf", "Finance", users: ["t"])], store: store)
        let record = try await fixture.service.synchronize(fixture.id, user: "t")
        #expect(record.summary.issues[.waitsForFullSynchronization] == 1)
        let contents = try await store.contents()
        #expect(contents.groups.first { $0.id == finance.id }?.memberIDs.isEmpty == true, "a manual group was written before its adoption")
        #expect(contents.user(externalID: "t") != nil)
    }

    @Test("a deleted user's identity frees its address: the new holder is created (explained and on demand)")
    func deletedHolder() async throws {
        let fixture = try await ExplainFixture(users: [user("old", "e@contoso.com")], settings: SyncSettings(outOfScope: .remove, deletionGuard: .disabled))
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.removeUser(id: "old")
        fixture.directory.upsert(user("new", "e@contoso.com"))
        let explanation = try await fixture.explain(user: "new")
        #expect(explanation.action == .create, "\(explanation.records)")
        #expect(explanation.correlation.kind == .new)
    }

    @Test("DOMAIN\\name names only users of that on-premises domain")
    func domainLogin() {
        let corp = user("c", "c@contoso.com", sam: "jdoe")
        var other = user("f", "f@contoso.com", sam: "jdoe")
        other.onPremisesDomainName = "fabrikam.local"
        #expect(DirectoryLookup.key("CORP\\jdoe", names: corp))
        #expect(DirectoryLookup.key("corp.contoso.com\\jdoe", names: corp))
        #expect(!DirectoryLookup.key("CORP\\jdoe", names: other))
        #expect(DirectoryLookup.key("FABRIKAM\\jdoe", names: other))
    }

    @Test("an index with impossible counts (hostile or damaged) is ignored: no trap, no endless loop")
    func hostileIndex() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention())
        for entry in [#""parts":-1,"records":0,"recordsPerPart":2"#, #""parts":1,"records":1,"recordsPerPart":0"#, #""parts":1000000000000,"records":0,"recordsPerPart":2"#] {
            try await state.setData(Data(#"{"formatVersion":2,"value":[{"bytes":0,"complete":false,"format":2,\#(entry),"run":"x"}]}"#.utf8), for: StateKey("contoso", "reports"))
            try await shelf.save([RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a", code: "newInScope", reason: "in scope and not in the store"), outcome: .applied)], run: "ok")
            #expect(try await shelf.entries().map(\.run) == ["ok"])
        }
    }

    @Test("a group name held twice in the directory: a whole run leaves the group alone, and so does an on-demand run", arguments: [true, false])
    func duplicateGroupNames(joining: Bool) async throws {
        // The source's group "Sales" (g1) and a new directory group of the same name (g2).
        let users = [user("t", "t@contoso.com"), user("o", "o@contoso.com")]
        let fixture = try await ExplainFixture(users: users, groups: [group("g1", "Sales", users: joining ? ["o"] : ["o", "t"])])
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.upsert(group("g1", "Sales", users: joining ? ["o", "t"] : ["o"]))
        fixture.directory.upsert(group("g2", "Sales", users: ["o"]))
        let (whole, _) = try await ExplainHarnessPlan.plan(fixture)
        #expect(!whole.issues(.duplicateGroupNameInSource).isEmpty)
        #expect(!whole.operations.contains { $0.action.kind == .addMember || $0.action.kind == .removeMember }, "\(whole.operations)")
        let before = StoreFingerprint(try await fixture.store.contents())
        let explanation = try await fixture.explain(user: "t")
        #expect(!explanation.records.contains { $0.objectKind == .membership }, "\(explanation.records)")
        _ = try await fixture.service.synchronize(fixture.id, user: "t")
        #expect(StoreFingerprint(try await fixture.store.contents()) == before, "on demand changed a group a whole run leaves alone")
    }
}

/// The whole plan a fixture's service would make now.
enum ExplainHarnessPlan {
    static func plan(_ fixture: ExplainFixture) async throws -> (SyncPlan, IdentityStoreContents) {
        let contents = try await fixture.store.contents()
        let settings = try await fixture.service.source(fixture.id).settings
        let plan = try StandardSyncPlanner().plan(
            SyncPlanRequest(sourceID: fixture.id, directory: try await fixture.directory.read(filter: .all), store: contents, settings: settings))
        return (plan, contents)
    }
}
