import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner and executor: the deletion guard (rule 7)")
struct DeletionGuardTests {
    private func populatedStore(users count: Int) async throws -> (InMemoryIdentityStore, [DirectoryUser]) {
        let store = InMemoryIdentityStore()
        let users = (0..<count).map { user("\($0)", "u\($0)@contoso.com") }
        try await sync(snapshot(users), store, allowExceedingGuard: true)
        return (store, users)
    }

    @Test("removing more than the count limit is stopped and changes nothing")
    func countLimit() async throws {
        let (store, users) = try await populatedStore(users: 30)
        let settings = SyncSettings(deletionGuard: DeletionGuard(users: .init(maximumCount: 5, maximumPercentage: nil)))
        let plan = try await makePlan(snapshot(Array(users.prefix(20))), store, settings: settings)
        guard case .exceeded(let violations) = plan.guardVerdict else {
            Issue.record("expected the guard to trip")
            return
        }
        #expect(violations == [DeletionGuard.Violation(kind: .users, count: 10, owned: 30, limit: "at most 5")])
        let writes = await store.writeCount
        await #expect(throws: SyncExecutionError.deletionGuardExceeded(violations)) {
            try await SyncExecutor().apply(plan, to: store)
        }
        #expect(await store.writeCount == writes)
    }

    @Test("the percentage limit applies from its minimum count on", arguments: [(9, true), (10, false), (4, true)])
    func percentage(removed: Int, allowed: Bool) async throws {
        let threshold = DeletionGuard.Threshold(maximumCount: nil, maximumPercentage: 20, percentageAppliesFrom: 10)
        let verdict = DeletionGuard(users: threshold).verdict(
            removedUsers: removed, ownedUsers: 40, removedGroups: 0, ownedGroups: 0, removedMemberships: 0, ownedMemberships: 0)
        #expect(verdict.isWithinLimits == allowed)
    }

    @Test("groups and memberships have their own limits")
    func separateKinds() {
        let limits = DeletionGuard(
            users: .unlimited, groups: .init(maximumCount: 1, maximumPercentage: nil),
            memberships: .init(maximumCount: 2, maximumPercentage: nil))
        let verdict = limits.verdict(removedUsers: 1000, ownedUsers: 1000, removedGroups: 2, ownedGroups: 5, removedMemberships: 3, ownedMemberships: 9)
        guard case .exceeded(let violations) = verdict else {
            Issue.record("expected the guard to trip")
            return
        }
        #expect(violations.map(\.kind) == [.groups, .memberships])
    }

    @Test("the memberships' base is every membership of the source's users in the source's groups, each as often as listed, counted over 600 groups")
    func ownedMemberships() async throws {
        let store = InMemoryIdentityStore()
        let users = (0..<40).map { user("\($0)", "u\($0)@contoso.com") }
        // Two members each: 1,200 owned memberships, counted in chunks of groups on every core.
        let groups = (0..<600).map { group("g\($0)", "Group \($0)", users: ["\($0 % 40)", "\(($0 + 1) % 40)"]) }
        try await sync(snapshot(users, groups), store, allowExceedingGuard: true)
        // A manual user in some of them is not the source's: it is not counted.
        let manual = try await store.createUser(UserProfile(name: "Manual", email: "manual@contoso.com"), origin: .manual)
        for group in try await store.contents().groups.prefix(300) { try await store.addMembers([manual.id], to: group.id) }
        // Ten groups list a member twice (counted twice) and an id no user has (not counted).
        var contents = try await store.contents()
        for index in 0..<10 {
            contents.groups[index].memberIDs += [contents.groups[index].memberIDs[0], IdentityID("ghost-\(index)")]
        }
        var changed = groups
        changed[599].memberUserIDs.removeLast()
        let settings = SyncSettings(deletionGuard: DeletionGuard(users: .unlimited, groups: .unlimited, memberships: .init(maximumCount: 0, maximumPercentage: nil)))
        let plan = try StandardSyncPlanner().plan(source: source, directory: snapshot(users, changed), store: contents, settings: settings)
        #expect(plan.guardVerdict == .exceeded([DeletionGuard.Violation(kind: .memberships, count: 1, owned: 1_210, limit: "at most 0")]))
    }

    @Test("an over-limit plan applies when the caller explicitly allows it")
    func override() async throws {
        let (store, users) = try await populatedStore(users: 30)
        let settings = SyncSettings(deletionGuard: DeletionGuard(users: .init(maximumCount: 5, maximumPercentage: nil)))
        let (plan, report) = try await sync(snapshot(Array(users.prefix(10))), store, settings: settings, allowExceedingGuard: true)
        #expect(!plan.guardVerdict.isWithinLimits)
        #expect(report.isSuccess)
        #expect(try await store.contents().users.count == 10)
    }

    @Test("the default guard stops a filter typo that would empty a large source")
    func defaultGuard() async throws {
        let (store, users) = try await populatedStore(users: 200)
        let typo = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Slaes'")))
        let plan = try await makePlan(snapshot(users), store, settings: typo)
        #expect(plan.count(.removeUser) == 200)
        #expect(!plan.guardVerdict.isWithinLimits)
    }
}
