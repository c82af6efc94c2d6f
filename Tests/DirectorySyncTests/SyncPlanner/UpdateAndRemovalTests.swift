import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner: updates and removals (rules 4 and 5)")
struct UpdateAndRemovalTests {
    @Test("an update records old and new per field")
    func updateChanges() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com", name: "Adele", enabled: true)]), store)
        let (plan, _) = try await sync(snapshot([user("1", "adele@contoso.com", name: "Adele Vance", enabled: false)]), store)
        #expect(plan.kinds == [.updateUser])
        let changes = plan.operations[0].action.changes
        #expect(changes.contains(FieldChange(field: "name", old: "Adele", new: "Adele Vance")))
        #expect(changes.contains(FieldChange(field: "email", old: "a@contoso.com", new: "adele@contoso.com")))
        #expect(changes.contains(FieldChange(field: "enabled", old: "true", new: "false")))
        #expect(try await store.contents().users[0].profile.isEnabled == false)
    }

    @Test("nothing changed means no operation and a count of unchanged users")
    func unchanged() async throws {
        let store = InMemoryIdentityStore()
        let directory = snapshot([user("1", "a@contoso.com"), user("2", "b@contoso.com")], [group("g", "G", users: ["1"])])
        try await sync(directory, store)
        let writes = await store.writeCount
        let (plan, _) = try await sync(directory, store)
        #expect(plan.isEmpty)
        #expect(plan.unchangedUsers == 2)
        #expect(plan.unchangedGroups == 1)
        #expect(await store.writeCount == writes)
    }

    @Test("names and logins equal as strings are unchanged however their bytes are written; a blank display name stays the UPN")
    func unchangedAsStrings() async throws {
        let store = InMemoryIdentityStore()
        let composed = DirectoryUser(
            id: "1", userPrincipalName: "zoë@contoso.com", displayName: "Zoë Ångström", givenName: "Zoë", surname: "Ångström", mail: "zoe@contoso.com")
        let blank = DirectoryUser(id: "2", userPrincipalName: "b@contoso.com", displayName: "  ", mail: "b@contoso.com")
        try await sync(snapshot([composed, blank]), store)
        #expect(try await store.contents().users.map(\.profile.name).sorted() == ["Zoë Ångström", "b@contoso.com"])
        // The same strings decomposed (and U+212B ANGSTROM SIGN for Å), another blank display name.
        let decomposed = DirectoryUser(
            id: "1", userPrincipalName: "zoe\u{308}@contoso.com", displayName: "Zoe\u{308} \u{212B}ngstro\u{308}m", givenName: "Zoe\u{308}",
            surname: "A\u{30A}ngstro\u{308}m", mail: "zoe@contoso.com")
        let otherBlank = DirectoryUser(id: "2", userPrincipalName: "b@contoso.com", displayName: "\t\u{3000}", mail: "b@contoso.com")
        let (unchanged, _) = try await sync(snapshot([decomposed, otherBlank]), store)
        #expect(unchanged.isEmpty && unchanged.unchangedUsers == 2)
        var renamed = decomposed
        renamed.surname = "Angstrom"
        let (plan, _) = try await sync(snapshot([renamed, otherBlank]), store)
        #expect(plan.kinds == [.updateUser])
        #expect(plan.operations[0].action.changes.map(\.field) == ["lastName"])
    }

    @Test("a user deleted in the directory is removed; manual users never are")
    func removesDeleted() async throws {
        let store = InMemoryIdentityStore()
        let manual = try await store.createUser(UserProfile(name: "Manual", email: "m@contoso.com"), origin: .manual)
        try await sync(snapshot([user("1", "a@contoso.com"), user("2", "b@contoso.com")]), store)
        let (plan, _) = try await sync(snapshot([user("1", "a@contoso.com")]), store)
        #expect(plan.kinds == [.removeUser])
        #expect(plan.operations[0].reason == .leftScope)
        let ids = try await store.contents().users.map(\.id)
        #expect(ids.contains(manual.id))
        #expect(ids.count == 2)
    }

    @Test("switching the filter removes what left the scope and keeps what stays")
    func filterSwitch() async throws {
        let store = InMemoryIdentityStore()
        let users = [user("1", "a@contoso.com", department: "Sales"), user("2", "b@contoso.com", department: "Legal")]
        try await sync(snapshot(users), store)
        let sales = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'sales'")))
        let (plan, _) = try await sync(snapshot(users), store, settings: sales)
        #expect(plan.kinds == [.removeUser])
        #expect(try await store.contents().users.map(\.profile.email) == ["a@contoso.com"])
    }

    @Test("the disable policy disables what left the scope once, and re-enables it when it returns")
    func disablePolicy() async throws {
        let store = InMemoryIdentityStore()
        let settings = SyncSettings(outOfScope: .disable)
        try await sync(snapshot([user("1", "a@contoso.com"), user("2", "b@contoso.com")]), store, settings: settings)
        let (first, _) = try await sync(snapshot([user("1", "a@contoso.com")]), store, settings: settings)
        #expect(first.kinds == [.disableUser])
        #expect(try await store.contents().user(externalID: "2")?.profile.isEnabled == false)
        #expect(try await makePlan(snapshot([user("1", "a@contoso.com")]), store, settings: settings).isEmpty)
        let (back, _) = try await sync(snapshot([user("1", "a@contoso.com"), user("2", "b@contoso.com")]), store, settings: settings)
        #expect(back.kinds == [.updateUser])
        #expect(try await store.contents().user(externalID: "2")?.profile.isEnabled == true)
    }

    @Test("a second identity linked to the same directory object is removed")
    func duplicateLink() async throws {
        let store = InMemoryIdentityStore()
        _ = try await store.createUser(UserProfile(name: "A", email: "a@contoso.com"), origin: .directory(source, externalID: "1"))
        let duplicate = try await store.createUser(UserProfile(name: "A again", email: "a2@contoso.com"), origin: .directory(source, externalID: "1"))
        let (plan, _) = try await sync(snapshot([user("1", "a@contoso.com", name: "A")]), store)
        #expect(plan.operations.map(\.reason).contains(.duplicateLink))
        #expect(!(try await store.contents().users.map(\.id).contains(duplicate.id)))
    }

    @Test("another source's identities are never touched")
    func otherSourceUntouched() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("x", "x@fabrikam.com")], [group("gx", "Fabrikam")]), store, for: otherSource)
        let before = try await store.contents()
        let (plan, _) = try await sync(snapshot([]), store)
        #expect(plan.isEmpty)
        #expect(try await store.contents() == before)
    }
}
