import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner: reading and correlating (rules 1 and 2)")
struct CorrelationTests {
    @Test("an incomplete read yields no plan, so it can never become removals")
    func incompleteRead() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com")]), store)
        var partial = snapshot([])
        partial.isComplete = false
        #expect(throws: SyncPlanningError.incompleteRead) { try StandardSyncPlanner().plan(source: source, directory: partial, store: IdentityStoreContents()) }
        await #expect(throws: SyncPlanningError.incompleteRead) { try await makePlan(partial, store) }
        #expect(try await store.contents().users.count == 1)
    }

    @Test("an invalid filter yields no plan")
    func invalidFilter() async throws {
        let tooDeep = FilterExpression.and([
            .condition(.init(.department, .equals, "a")),
            .or([.condition(.init(.city, .equals, "b")), .and([.condition(.init(.city, .equals, "c")),
                .or([.condition(.init(.city, .equals, "d")), .condition(.init(.city, .equals, "e"))])])]),
        ])
        let settings = SyncSettings(filter: .usersByUser(tooDeep))
        await #expect(throws: SyncPlanningError.invalidFilter(.tooDeeplyNested(levels: 4, limit: 3))) {
            try await makePlan(snapshot([]), InMemoryIdentityStore(), settings: settings)
        }
    }

    @Test("a new user is created with the directory's attributes and linked to its object id")
    func createsUser() async throws {
        let store = InMemoryIdentityStore()
        let entra = user("1", "Adele.Vance@contoso.com", name: "Adele Vance", aliases: ["adele@contoso.com"], enabled: false, sam: "avance")
        let (plan, report) = try await sync(snapshot([entra]), store)
        #expect(plan.kinds == [.createUser])
        #expect(plan.operations[0].reason == .newInScope)
        #expect(report.isSuccess)
        let created = try #require(try await store.contents().users.first)
        #expect(created.origin == .directory(source, externalID: "1"))
        #expect(created.profile == UserProfile(
            name: "Adele Vance", firstName: "User", lastName: "1", email: "Adele.Vance@contoso.com",
            aliases: ["adele@contoso.com"], logins: ["Adele.Vance@contoso.com", "CORP\\avance"], isEnabled: false))
    }

    @Test("a manual user with the same email (any case) is adopted, not duplicated")
    func adoptsByEmail() async throws {
        let store = InMemoryIdentityStore()
        let manual = try await store.createUser(UserProfile(name: "Old name", email: "ADELE@contoso.com", logins: ["adele-laptop"]), origin: .manual)
        let (plan, _) = try await sync(snapshot([user("1", "adele@contoso.com", name: "Adele")]), store)
        #expect(plan.kinds == [.adoptUser])
        #expect(plan.operations[0].reason == .matchedByEmail)
        #expect(plan.operations[0].action.changes.contains(FieldChange(field: "name", old: "Old name", new: "Adele")))
        let users = try await store.contents().users
        #expect(users.count == 1)
        #expect(users[0].id == manual.id)
        #expect(users[0].origin == .directory(source, externalID: "1"))
        #expect(users[0].profile.logins == ["adele@contoso.com", "adele-laptop"], "the administrator's login is kept")
    }

    @Test("a manual user is adopted by login: UPN, NETBIOS\\sam or dns\\sam", arguments: [
        "adele.vance@contoso.com", "CORP\\avance", "corp.contoso.com\\AVANCE",
    ])
    func adoptsByLogin(login: String) async throws {
        let store = InMemoryIdentityStore()
        let manual = try await store.createUser(UserProfile(name: "Adele", email: "adele@old.example", logins: [login]), origin: .manual)
        let entra = user("1", "adele@contoso.com", upn: "Adele.Vance@contoso.com", sam: "avance")
        let (plan, _) = try await sync(snapshot([entra]), store)
        #expect(plan.kinds == [.adoptUser])
        #expect(plan.operations[0].reason == .matchedByLogin)
        let users = try await store.contents().users
        #expect(users.map(\.id) == [manual.id])
        #expect(users[0].profile.email == "adele@contoso.com", "adoption takes the directory's email")
    }

    @Test("the linked identity wins over a manual user holding the same email, which is reported")
    func linkedFirst() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "adele@contoso.com")]), store)
        _ = try await store.createUser(UserProfile(name: "Manual", email: "new@contoso.com"), origin: .manual)
        let plan = try await makePlan(snapshot([user("1", "new@contoso.com")]), store)
        #expect(plan.operations.isEmpty)
        #expect(plan.issues(.emailInUse).count == 1)
        #expect(plan.issues(.emailInUse)[0].detail.contains("manual user"))
    }

    @Test("email matching comes before login matching")
    func emailBeforeLogin() async throws {
        let store = InMemoryIdentityStore()
        let byEmail = try await store.createUser(UserProfile(name: "E", email: "adele@contoso.com"), origin: .manual)
        let byLogin = try await store.createUser(UserProfile(name: "L", email: "l@old.example", logins: ["adele@contoso.com"]), origin: .manual)
        try await sync(snapshot([user("1", "adele@contoso.com")]), store)
        let contents = try await store.contents()
        #expect(contents.users.first { $0.id == byEmail.id }?.origin == .directory(source, externalID: "1"))
        #expect(contents.users.first { $0.id == byLogin.id }?.origin == .manual)
    }

    @Test("two manual candidates for one user is a conflict that touches neither")
    func ambiguousLogin() async throws {
        let store = InMemoryIdentityStore()
        _ = try await store.createUser(UserProfile(name: "A", email: "a@old.example", logins: ["adele@contoso.com"]), origin: .manual)
        _ = try await store.createUser(UserProfile(name: "B", email: "b@old.example", logins: ["CORP\\avance"]), origin: .manual)
        let before = try await store.contents()
        let (plan, _) = try await sync(snapshot([user("1", "adele@contoso.com", sam: "avance")]), store)
        #expect(plan.operations.isEmpty)
        #expect(plan.issues(.ambiguousMatch).count == 1)
        #expect(plan.issues(.ambiguousMatch)[0].relatedIdentityIDs.count == 2)
        #expect(try await store.contents() == before)
    }

    @Test("one manual identity claimed by two directory users is a conflict for both")
    func contestedManual() async throws {
        let store = InMemoryIdentityStore()
        _ = try await store.createUser(UserProfile(name: "Shared", email: "a@contoso.com", logins: ["b@contoso.com"]), origin: .manual)
        let before = try await store.contents()
        let (plan, _) = try await sync(snapshot([user("1", "a@contoso.com"), user("2", "b@contoso.com")]), store)
        #expect(plan.operations.isEmpty)
        #expect(Set(plan.issues(.contestedMatch).map(\.externalID)) == ["1", "2"])
        #expect(try await store.contents() == before)
    }

    @Test("groups are linked by object id, else adopted by name ignoring case")
    func groupAdoption() async throws {
        let store = InMemoryIdentityStore()
        let manual = try await store.createGroup(GroupProfile(name: "SALES"), origin: .manual)
        let (plan, _) = try await sync(snapshot([], [group("g1", "Sales"), group("g2", "Marketing")]), store)
        #expect(plan.count(.adoptGroup) == 1)
        #expect(plan.count(.createGroup) == 1)
        let groups = try await store.contents().groups
        #expect(groups.count == 2)
        #expect(groups.first { $0.id == manual.id }?.origin == .directory(source, externalID: "g1"))
        #expect(groups.first { $0.id == manual.id }?.profile.name == "Sales")
        #expect(try await makePlan(snapshot([], [group("g1", "Sales"), group("g2", "Marketing")]), store).isEmpty)
    }

    @Test("plans are deterministic whatever order the directory lists objects in")
    func deterministic() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 300, groups: 25, seed: 5)).generate()
        let store = InMemoryIdentityStore()
        let first = try await makePlan(tenant.snapshot, store)
        var random = SeededRandomNumberGenerator(seed: 1)
        let shuffled = DirectorySnapshot(users: tenant.users.shuffled(using: &random), groups: tenant.groups.shuffled(using: &random))
        let second = try await makePlan(shuffled, store)
        #expect(first == second)
        #expect(!first.isEmpty)
    }
}
