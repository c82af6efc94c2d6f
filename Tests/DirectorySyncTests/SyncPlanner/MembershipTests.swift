import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner: memberships (rule 6)")
struct MembershipTests {
    @Test("nested groups are flattened to their transitive users")
    func nested() async throws {
        let store = InMemoryIdentityStore()
        let directory = snapshot(
            [user("1", "a@contoso.com"), user("2", "b@contoso.com"), user("3", "c@contoso.com")],
            [group("p", "Parent", users: ["1"], groups: ["c"]), group("c", "Child", users: ["2"], groups: ["gc"]),
             group("gc", "Grandchild", users: ["3"])])
        try await sync(directory, store)
        let contents = try await store.contents()
        #expect(contents.memberEmails(of: "Parent") == ["a@contoso.com", "b@contoso.com", "c@contoso.com"])
        #expect(contents.memberEmails(of: "Child") == ["b@contoso.com", "c@contoso.com"])
        #expect(contents.memberEmails(of: "Grandchild") == ["c@contoso.com"])
    }

    @Test("a nesting cycle is safe: both groups get every user of the cycle")
    func cycle() async throws {
        let store = InMemoryIdentityStore()
        let directory = snapshot(
            [user("1", "a@contoso.com"), user("2", "b@contoso.com")],
            [group("x", "X", users: ["1"], groups: ["y"]), group("y", "Y", users: ["2"], groups: ["x", "y"])])
        try await sync(directory, store)
        let contents = try await store.contents()
        #expect(contents.memberEmails(of: "X") == ["a@contoso.com", "b@contoso.com"])
        #expect(contents.memberEmails(of: "Y") == ["a@contoso.com", "b@contoso.com"])
        #expect(try await makePlan(directory, store).isEmpty)
    }

    @Test("deep nesting (1,000 levels) needs no recursion")
    func deepNesting() async throws {
        let depth = 1_000
        let groups = (0..<depth).map { level in
            group("g\(level)", "Level \(level)", users: level == depth - 1 ? ["1"] : [], groups: level + 1 < depth ? ["g\(level + 1)"] : [])
        }
        let plan = try StandardSyncPlanner().plan(
            source: source, directory: snapshot([user("1", "a@contoso.com")], groups), store: IdentityStoreContents())
        #expect(plan.count(.addMember) == depth)
    }

    @Test("membership changes follow the directory: joins are added, leavers removed")
    func joinsAndLeaves() async throws {
        let store = InMemoryIdentityStore()
        let users = [user("1", "a@contoso.com"), user("2", "b@contoso.com")]
        try await sync(snapshot(users, [group("g", "G", users: ["1"])]), store)
        let (plan, _) = try await sync(snapshot(users, [group("g", "G", users: ["2"])]), store)
        #expect(plan.kinds.sorted() == [.addMember, .removeMember])
        #expect(try await store.contents().memberEmails(of: "G") == ["b@contoso.com"])
    }

    @Test("a synced user's memberships in manual groups are never touched")
    func manualGroupsUntouched() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com")]), store)
        let manualGroup = try await store.createGroup(GroupProfile(name: "Admins (manual)"), origin: .manual)
        let synced = try #require(try await store.contents().users.first)
        try await store.addMembers([synced.id], to: manualGroup.id)
        let (plan, _) = try await sync(snapshot([user("1", "a@contoso.com")], [group("g", "G")]), store)
        #expect(!plan.kinds.contains(.removeMember))
        #expect(try await store.contents().memberEmails(of: "Admins (manual)") == ["a@contoso.com"])
    }

    @Test("members an administrator added to a synced group from elsewhere stay")
    func foreignMembersStay() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com")], [group("g", "G", users: ["1"])]), store)
        let manual = try await store.createUser(UserProfile(name: "M", email: "m@contoso.com"), origin: .manual)
        let synced = try #require(try await store.contents().group(named: "G"))
        try await store.addMembers([manual.id], to: synced.id)
        #expect(try await makePlan(snapshot([user("1", "a@contoso.com")], [group("g", "G", users: ["1"])]), store).isEmpty)
    }

    @Test("a group that left the scope is emptied (manual members too) before it is removed")
    func groupRemoval() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com")], [group("g", "G", users: ["1"])]), store)
        let manual = try await store.createUser(UserProfile(name: "M", email: "m@contoso.com"), origin: .manual)
        try await store.addMembers([manual.id], to: try #require(try await store.contents().group(named: "G")).id)
        let (plan, report) = try await sync(snapshot([user("1", "a@contoso.com")]), store)
        #expect(plan.kinds == [.removeMember, .removeMember, .removeGroup])
        #expect(plan.operations.map(\.phase) == [.emptyRemovedGroups, .emptyRemovedGroups, .groupRemovals])
        #expect(report.isSuccess)
        let contents = try await store.contents()
        #expect(contents.groups.isEmpty)
        #expect(contents.users.count == 2)
    }

    @Test("a user filter brings the groups of the selected users, with only those users as members")
    func userFilterGroups() async throws {
        let store = InMemoryIdentityStore()
        let directory = snapshot(
            [user("1", "a@contoso.com", department: "Sales"), user("2", "b@contoso.com", department: "Legal")],
            [group("s", "Mixed", users: ["1", "2"]), group("l", "Legal only", users: ["2"])])
        let settings = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")))
        try await sync(directory, store, settings: settings)
        let contents = try await store.contents()
        #expect(contents.groups.map(\.profile.name) == ["Mixed"])
        #expect(contents.memberEmails(of: "Mixed") == ["a@contoso.com"])
    }

    @Test("a group filter selects the groups and the users among their transitive members")
    func groupFilter() async throws {
        let store = InMemoryIdentityStore()
        let directory = snapshot(
            [user("1", "a@contoso.com"), user("2", "b@contoso.com"), user("3", "c@contoso.com")],
            [group("s", "Sales", users: ["1"], groups: ["n"]), group("n", "Nested team", users: ["2"]), group("o", "Other", users: ["3"])])
        let settings = SyncSettings(filter: .usersByGroup(try FilterExpression(parsing: "displayName eq 'Sales'")))
        try await sync(directory, store, settings: settings)
        let contents = try await store.contents()
        #expect(contents.groups.map(\.profile.name) == ["Sales"])
        #expect(Set(contents.users.compactMap(\.profile.email)) == ["a@contoso.com", "b@contoso.com"])
        #expect(contents.memberEmails(of: "Sales") == ["a@contoso.com", "b@contoso.com"])
    }
}
