import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner: emails and uniqueness (rule 3)")
struct EmailRulesTests {
    @Test("the email is mail, else the SMTP primary of proxyAddresses")
    func emailFromProxy() async throws {
        var entra = user("1", nil, upn: "adele@contoso.com")
        entra.proxyAddresses = ["smtp:alias@contoso.com", "SMTP:Primary@contoso.com", "X500:/o=x", "sip:adele@contoso.com"]
        let store = InMemoryIdentityStore()
        try await sync(snapshot([entra]), store)
        let created = try #require(try await store.contents().users.first)
        #expect(created.profile.email == "Primary@contoso.com")
        #expect(created.profile.aliases == ["alias@contoso.com"])
    }

    @Test("users without email are synced with a warning by default")
    func missingEmailWarning() async throws {
        let store = InMemoryIdentityStore()
        let (plan, _) = try await sync(snapshot([user("1", nil, upn: "noaddress@contoso.com")]), store)
        #expect(plan.kinds == [.createUser])
        #expect(plan.issues(.missingEmail).map(\.severity) == [.warning])
        #expect(try await store.contents().users.first?.profile.email == nil)
    }

    @Test("the skip policy leaves users without email out, and never removes one already synced")
    func missingEmailSkip() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com")]), store)
        let settings = SyncSettings(missingEmail: .skip)
        let (plan, _) = try await sync(snapshot([user("1", nil), user("2", nil)]), store, settings: settings)
        #expect(plan.operations.isEmpty)
        #expect(plan.issues(.missingEmail).map(\.severity) == [.skipped, .skipped])
        #expect(try await store.contents().users.map(\.profile.email) == ["a@contoso.com"])
    }

    @Test("an email held by another source's user is a conflict; neither user changes")
    func emailHeldByOtherSource() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("x", "shared@contoso.com")]), store, for: otherSource)
        let before = try await store.contents()
        let (plan, _) = try await sync(snapshot([user("1", "shared@contoso.com")]), store)
        #expect(plan.operations.isEmpty)
        let issue = try #require(plan.issues(.emailInUse).first)
        #expect(issue.severity == .conflict)
        #expect(issue.detail.contains("fabrikam"))
        #expect(try await store.contents() == before)
    }

    @Test("an email held as an alias by an unmatched manual user is a conflict")
    func emailHeldByManualAlias() async throws {
        let store = InMemoryIdentityStore()
        let manual = try await store.createUser(UserProfile(name: "M", email: "m@contoso.com", aliases: ["adele@contoso.com"]), origin: .manual)
        let (plan, _) = try await sync(snapshot([user("1", "adele@contoso.com")]), store)
        #expect(plan.operations.isEmpty)
        #expect(plan.issues(.emailInUse).first?.relatedIdentityIDs == [manual.id])
    }

    @Test("two directory users with one email are both conflicts, never duplicated")
    func duplicateInSource() async throws {
        let store = InMemoryIdentityStore()
        let (plan, _) = try await sync(snapshot([user("1", "same@contoso.com"), user("2", "SAME@contoso.com"), user("3", "c@contoso.com")]), store)
        #expect(Set(plan.issues(.duplicateEmailInSource).map(\.externalID)) == ["1", "2"])
        #expect(try await store.contents().users.map(\.profile.email) == ["c@contoso.com"])
    }

    @Test("an alias held elsewhere or listed by two users is dropped with a warning")
    func aliasesDropped() async throws {
        let store = InMemoryIdentityStore()
        _ = try await store.createUser(UserProfile(name: "M", email: "held@contoso.com"), origin: .manual)
        let users = [
            user("1", "a@contoso.com", aliases: ["held@contoso.com", "shared@contoso.com", "own1@contoso.com"]),
            user("2", "b@contoso.com", aliases: ["shared@contoso.com", "c@contoso.com"]),
            user("3", "c@contoso.com"),
        ]
        let (plan, report) = try await sync(snapshot(users), store)
        #expect(report.isSuccess)
        #expect(plan.issues(.aliasDropped).count == 4)
        let contents = try await store.contents()
        #expect(contents.user(email: "a@contoso.com")?.profile.aliases == ["own1@contoso.com"])
        #expect(contents.user(email: "b@contoso.com")?.profile.aliases == [])
    }

    @Test("a user with more aliases than the plan's bit set (32) is unchanged when its identity holds them all, and gets back those taken away")
    func manyAliases() async throws {
        let (entra, aliases) = Self.userWithFortyAliases()
        let store = InMemoryIdentityStore()
        try await sync(snapshot([entra]), store)
        #expect(try await store.contents().users.first?.profile.aliases == aliases)
        #expect(try await self.planEmpty(snapshot([entra]), store))
        // Aliases 5 and 36 taken away outside the sync: one in the bit set, one beyond it.
        try await Self.takeAway([aliases[5], aliases[36]], in: store)
        let (plan, report) = try await sync(snapshot([entra]), store)
        #expect(plan.kinds == [.updateUser])
        #expect(report.isSuccess)
        #expect(try await store.contents().users.first?.profile.aliases == aliases)
        #expect(try await self.planEmpty(snapshot([entra]), store))
    }

    @Test("an alias beyond the plan's bit set that its owner's identity lacks and another user lists is dropped from both")
    func sharedAliasBeyondBitSet() async throws {
        let (owner, aliases) = Self.userWithFortyAliases()
        let store = InMemoryIdentityStore()
        try await sync(snapshot([owner]), store)
        // Alias 37 taken from the identity (alias 5, bit 37 mod 32, stays), and listed by a second user.
        try await Self.takeAway([aliases[37]], in: store)
        var other = user("2", "other@contoso.com")
        other.proxyAddresses = ["SMTP:other@contoso.com", "smtp:\(aliases[37])"]
        let (plan, report) = try await sync(snapshot([owner, other]), store)
        #expect(report.isSuccess)
        #expect(plan.issues(.aliasDropped).map(\.externalID).sorted() == ["1", "2"])
        let contents = try await store.contents()
        #expect(contents.users.filter { $0.profile.aliases.contains(aliases[37]) }.isEmpty)
        #expect(contents.user(email: "many@contoso.com")?.profile.aliases == aliases.filter { $0 != aliases[37] })
    }

    @Test("an email freed by a removed user is taken in the same run, after the removal")
    func handover() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("old", "role@contoso.com"), user("keep", "k@contoso.com")]), store)
        let (plan, report) = try await sync(snapshot([user("new", "role@contoso.com"), user("keep", "k@contoso.com")]), store)
        let create = try #require(plan.operations.first { $0.action.kind == .createUser })
        let remove = try #require(plan.operations.first { $0.action.kind == .removeUser })
        #expect(remove.phase < create.phase)
        #expect(report.isSuccess)
        #expect(try await store.contents().user(email: "role@contoso.com")?.origin.externalID == "new")
        #expect(try await self.planEmpty(snapshot([user("new", "role@contoso.com"), user("keep", "k@contoso.com")]), store))
    }

    @Test("two users trading emails converge in one run")
    func swap() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com", aliases: ["x@contoso.com"]), user("2", "b@contoso.com")]), store)
        let swapped = snapshot([user("1", "b@contoso.com"), user("2", "a@contoso.com", aliases: ["x@contoso.com"])])
        let (plan, report) = try await sync(swapped, store)
        #expect(report.isSuccess, "\(report.failed)")
        #expect(plan.operations.contains { $0.reason == .releasesValueForAnother })
        let contents = try await store.contents()
        #expect(contents.user(externalID: "1")?.profile.email == "b@contoso.com")
        #expect(contents.user(externalID: "2")?.profile.email == "a@contoso.com")
        #expect(contents.user(externalID: "2")?.profile.aliases == ["x@contoso.com"])
        #expect(try await planEmpty(swapped, store))
    }

    @Test("groups trading names converge in one run")
    func groupNameSwap() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([], [group("g1", "Alpha"), group("g2", "Beta")]), store)
        let swapped = snapshot([], [group("g1", "Beta"), group("g2", "Alpha")])
        let (_, report) = try await sync(swapped, store)
        #expect(report.isSuccess, "\(report.failed)")
        #expect(try await store.contents().groups.first { $0.origin.externalID == "g1" }?.profile.name == "Beta")
        #expect(try await planEmpty(swapped, store))
    }

    @Test("a conflict blocks the chain behind it: a user waiting for its address stays a conflict")
    func conflictChain() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([user("1", "a@contoso.com")]), store)
        try await sync(snapshot([user("x", "b@contoso.com")]), store, for: otherSource)
        // 1 wants b@ (held by the other source: conflict, keeps a@); 2 wants a@ (held by 1, which keeps it).
        let plan = try await makePlan(snapshot([user("1", "b@contoso.com"), user("2", "a@contoso.com")]), store)
        #expect(plan.operations.isEmpty)
        #expect(Set(plan.issues(.emailInUse).map(\.externalID)) == ["1", "2"])
    }

    @Test("duplicate group names in the source are conflicts; a name held by another source too")
    func groupNames() async throws {
        let store = InMemoryIdentityStore()
        try await sync(snapshot([], [group("o1", "Finance")]), store, for: otherSource)
        let plan = try await makePlan(snapshot([], [group("g1", "Ops"), group("g2", "OPS"), group("g3", "Finance"), group("g4", "Legal")]), store)
        #expect(Set(plan.issues(.duplicateGroupNameInSource).map(\.externalID)) == ["g1", "g2"])
        #expect(plan.issues(.groupNameInUse).map(\.externalID) == ["g3"])
        #expect(plan.kinds == [.createGroup])
    }

    private func planEmpty(_ directory: DirectorySnapshot, _ store: InMemoryIdentityStore) async throws -> Bool {
        try await makePlan(directory, store).isEmpty
    }

    /// User "1" (many@contoso.com) with forty aliases, more than a plan's bit set of owned aliases holds.
    private static func userWithFortyAliases() -> (DirectoryUser, aliases: [String]) {
        var entra = user("1", "many@contoso.com")
        let aliases = (0..<40).map { "alias\($0)@contoso.com" }
        entra.proxyAddresses = ["SMTP:many@contoso.com"] + aliases.map { "smtp:\($0)" }
        return (entra, aliases)
    }

    /// Takes aliases away from the store's only user, outside any sync.
    private static func takeAway(_ removed: [String], in store: InMemoryIdentityStore) async throws {
        let synced = try #require(try await store.contents().users.first)
        var trimmed = synced.profile
        trimmed.aliases.removeAll(where: removed.contains)
        _ = try await store.updateUser(synced.id, profile: trimmed, origin: synced.origin)
    }
}
