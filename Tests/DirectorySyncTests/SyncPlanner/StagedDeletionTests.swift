import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// One source synchronized run after run under a removal policy, at a time the test moves, with the
/// pending removals each plan leaves handed to the next (as `SourceSynchronizer` does).
final class StagedRuns {
    let store = InMemoryIdentityStore()
    var settings: SyncSettings
    var now = Date(timeIntervalSince1970: 1_790_000_000)
    var pending: [PendingRemoval] = []

    static let grace: Duration = .seconds(7 * 86_400)

    init(_ outOfScope: SyncSettings.OutOfScopeAction = .disableThenRemove(after: StagedRuns.grace), deletionGuard: DeletionGuard = .disabled) {
        settings = SyncSettings(outOfScope: outOfScope, deletionGuard: deletionGuard)
    }

    func plan(_ directory: DirectorySnapshot, focus: Set<String>? = nil) async throws -> SyncPlan {
        try StandardSyncPlanner().plan(
            SyncPlanRequest(
                sourceID: source, directory: directory, store: try await store.contents(), settings: settings, focus: focus, now: now,
                pendingRemovals: pending))
    }

    /// Plans, applies and remembers what is pending; a plan the guard stops changes nothing.
    @discardableResult
    func run(_ directory: DirectorySnapshot, allowExceedingGuard: Bool = false) async throws -> SyncPlan {
        let plan = try await plan(directory)
        let report = try await SyncExecutor(configuration: .init(allowExceedingDeletionGuard: allowExceedingGuard)).apply(plan, to: store)
        #expect(report.isSuccess, "\(report.failed.prefix(3))")
        pending = plan.pendingRemovals
        return plan
    }

    func advance(days: Double) { now = now.addingTimeInterval(days * 86_400) }
}

@Suite("Planner: staged deletion and add-only (rule 5)")
struct StagedDeletionTests {
    static let everyone = [user("1", "a@contoso.com"), user("2", "b@contoso.com"), user("3", "c@contoso.com")]
    static let groups = [group("g1", "Sales", users: ["1", "2"]), group("g2", "Oslo", users: ["2", "3"])]
    static let full = snapshot(everyone, groups)
    /// User 2 deleted in Entra (the groups still name it, as Graph does for a moment).
    static let withoutB = snapshot([everyone[0], everyone[2]], groups)

    @Test("a user that leaves the scope is disabled at once, keeps its memberships, and is reported pending until the grace ends")
    func leaveScope() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        let before = try await runs.store.contents()
        let plan = try await runs.run(Self.withoutB)
        #expect(plan.kinds == [.disableUser])
        #expect(plan.operations[0].reason == .removalPending)
        let issue = try #require(plan.issues(.removalPending).first)
        let b = try #require(before.user(externalID: "2"))
        #expect(issue.severity == .warning && issue.externalID == "2" && issue.relatedIdentityIDs == [b.id])
        #expect(issue.removalPendingUntil == runs.now.addingTimeInterval(7 * 86_400))
        #expect(issue.detail.hasPrefix("It left the scope on 2026-09-21T14:13:20Z: it is disabled now and is removed on 2026-09-28T14:13:20Z unless it returns"), "\(issue.detail)")
        #expect(plan.pendingRemovals == [PendingRemoval(objectKind: .user, identityID: b.id, externalID: "2", since: runs.now)])
        let after = try await runs.store.contents()
        #expect(after.user(externalID: "2")?.profile.isEnabled == false)
        #expect(after.groups == before.groups, "memberships are kept while the removal is pending")
        // Nothing more to do while it stays out: the date is kept, not renewed.
        runs.advance(days: 3)
        let waiting = try await runs.plan(Self.withoutB)
        #expect(waiting.isEmpty)
        #expect(waiting.pendingRemovals == plan.pendingRemovals)
        #expect(waiting.issues(.removalPending).first?.removalPendingUntil == issue.removalPendingUntil)
        #expect(waiting.issues(.removalPending).first?.detail.contains("it stays disabled") == true)
    }

    @Test("a user and a group that return within the grace are as they were: same identities, attributes and memberships")
    func returnWithinGrace() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        let before = try await runs.store.contents()
        // User 2 and group g2 leave the scope.
        try await runs.run(snapshot([Self.everyone[0], Self.everyone[2]], [Self.groups[0]]))
        #expect(runs.pending.map(\.externalID).sorted() == ["2", "g2"])
        let g2 = try #require(try await runs.store.contents().group(named: "Oslo"), "a group whose removal is pending is kept")
        #expect(Set(g2.memberIDs) == Set(before.group(named: "Oslo")!.memberIDs))
        runs.advance(days: 6.9)
        let back = try await runs.run(Self.full)
        #expect(back.kinds == [.updateUser])
        #expect(back.operations[0].reason == .returnedInScope)
        #expect(back.operations[0].action.changes == [FieldChange(field: "enabled", old: "false", new: "true")])
        #expect(back.pendingRemovals.isEmpty && back.issues(.removalPending).isEmpty)
        let after = try await runs.store.contents()
        #expect(after == before, "field by field, identifiers and members included")
        #expect(StoreFingerprint(after) == StoreFingerprint(before))
        #expect(try await runs.plan(Self.full).isEmpty)
    }

    @Test("still out of scope when the grace ends: removed, and a group emptied first")
    func removedAfterGrace() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        let out = snapshot([Self.everyone[0], Self.everyone[2]], [Self.groups[0]])
        try await runs.run(out)
        let b = try #require(try await runs.store.contents().user(externalID: "2"))
        runs.advance(days: 7)
        runs.now.addTimeInterval(-1)
        #expect(try await runs.plan(out).isEmpty, "one second before the grace ends nothing is removed")
        runs.now.addTimeInterval(1)
        let plan = try await runs.run(out)
        #expect(plan.operations.filter { $0.phase == .userRemovals || $0.phase == .groupRemovals }.map(\.reason) == [.gracePeriodEnded, .gracePeriodEnded])
        #expect(plan.count(.removeUser) == 1 && plan.count(.removeGroup) == 1)
        #expect(plan.operations.filter { $0.phase == .emptyRemovedGroups }.count == 2, "g2 is emptied before it is removed")
        #expect(plan.count(.removeMember) == 2, "user 2 leaves Sales with its removal, not before")
        #expect(plan.issues(.removalPending).isEmpty)
        // Kept until a run no longer finds them, so a removal that failed would be retried.
        #expect(plan.pendingRemovals.map(\.externalID).sorted() == ["2", "g2"])
        let contents = try await runs.store.contents()
        #expect(contents.user(externalID: "2") == nil && contents.group(named: "Oslo") == nil)
        #expect(!contents.groups.contains { $0.memberIDs.contains(b.id) })
        let next = try await runs.run(out)
        #expect(next.isEmpty && next.pendingRemovals.isEmpty)
    }

    @Test("a removal that failed at the end of the grace is retried by the next run, without a new grace")
    func failedRemovalRetried() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        try await runs.run(Self.withoutB)
        runs.advance(days: 8)
        let plan = try await runs.plan(Self.withoutB)
        #expect(plan.kinds == [.removeUser])
        // The removal fails (the store refused it): the next run, a minute later, removes the user.
        runs.pending = plan.pendingRemovals
        runs.advance(days: 1.0 / 1_440)
        let retry = try await runs.run(Self.withoutB)
        #expect(retry.kinds == [.removeUser])
        #expect(retry.operations[0].reason == .gracePeriodEnded)
    }

    @Test("leaving again after a return starts a new grace period")
    func newGraceAfterReturn() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        try await runs.run(Self.withoutB)
        runs.advance(days: 5)
        try await runs.run(Self.full)
        runs.advance(days: 1)
        let again = try await runs.run(Self.withoutB)
        #expect(again.pendingRemovals.first?.since == runs.now)
        runs.advance(days: 6)
        #expect(try await runs.plan(Self.withoutB).count(.removeUser) == 0, "12 days after it first left, 6 after it left again")
        runs.advance(days: 1)
        #expect(try await runs.plan(Self.withoutB).count(.removeUser) == 1)
    }

    @Test("a user disabled in Entra is not a pending removal, and one that returns disabled stays disabled")
    func disabledInEntra() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        var disabled = Self.everyone
        disabled[1] = user("2", "b@contoso.com", enabled: false)
        let plan = try await runs.run(snapshot(disabled, Self.groups))
        #expect(plan.kinds == [.updateUser] && plan.operations[0].reason == .attributesChanged)
        #expect(plan.pendingRemovals.isEmpty && plan.issues(.removalPending).isEmpty)
        // Disabled already, it leaves the scope: pending all the same (the guard counts it), no write.
        let out = try await runs.run(Self.withoutB)
        #expect(out.isEmpty)
        #expect(out.pendingRemovals.map(\.externalID) == ["2"])
        #expect(out.issues(.removalPending).first?.detail.contains("it stays disabled") == true)
        // It returns, still disabled in Entra: nothing to write, and no longer pending.
        runs.advance(days: 2)
        let back = try await runs.run(snapshot(disabled, Self.groups))
        #expect(back.isEmpty && back.pendingRemovals.isEmpty)
        #expect(try await runs.store.contents().user(externalID: "2")?.profile.isEnabled == false)
    }

    @Test("never: nothing that left the scope is removed or disabled, memberships included; in-scope memberships follow the directory")
    func neverRemoves() async throws {
        let runs = StagedRuns(.never)
        try await runs.run(Self.full)
        _ = try await runs.store.createUser(UserProfile(name: "Again", email: "again@contoso.com"), origin: .directory(source, externalID: "1"))
        let repair = try await runs.run(Self.full)
        #expect(repair.kinds == [.removeUser] && repair.operations[0].reason == .duplicateLink, "a second link is a repair, made under every policy")
        let before = try await runs.store.contents()
        // User 2 and group g2 leave; user 1 leaves Sales in the directory.
        let plan = try await runs.run(snapshot([Self.everyone[0], Self.everyone[2]], [group("g1", "Sales", users: ["2"])]))
        #expect(plan.kinds == [.removeMember])
        #expect(plan.operations[0].subject == "a@contoso.com" && plan.operations[0].reason == .notMemberInDirectory)
        #expect(plan.pendingRemovals.isEmpty && plan.issues(.removalPending).isEmpty)
        let after = try await runs.store.contents()
        #expect(after.users == before.users)
        #expect(after.memberEmails(of: "Sales") == ["b@contoso.com"], "the user that left keeps its membership")
        #expect(after.group(named: "Oslo") == before.group(named: "Oslo"))
        runs.advance(days: 400)
        #expect(try await runs.plan(snapshot([Self.everyone[0]], [])).isEmpty, "a year later, with everything else gone from the directory")
    }

    @Test("the disable policy takes disabled users out of the source's groups (staged deletion keeps them in)")
    func disablePolicyMemberships() async throws {
        let runs = StagedRuns(.disable)
        try await runs.run(Self.full)
        let plan = try await runs.run(Self.withoutB)
        #expect(plan.count(.disableUser) == 1 && plan.count(.removeMember) == 2)
        #expect(plan.pendingRemovals.isEmpty)
    }

    @Test("switching to remove removes what is pending at once; the guard counts it")
    func switchToRemove() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        try await runs.run(Self.withoutB)
        runs.settings.outOfScope = .remove
        runs.settings.deletionGuard = DeletionGuard(users: .init(maximumCount: 0, maximumPercentage: nil))
        let plan = try await runs.plan(Self.withoutB)
        #expect(plan.kinds == [.removeUser] && plan.operations[0].reason == .leftScope)
        #expect(!plan.guardVerdict.isWithinLimits)
        #expect(plan.pendingRemovals.isEmpty)
    }

    @Test("without the current time, staged deletion refuses to plan")
    func missingTime() async throws {
        let settings = SyncSettings(outOfScope: .disableThenRemove(after: StagedRuns.grace))
        let error = #expect(throws: SyncPlanningError.self) {
            try StandardSyncPlanner().plan(source: source, directory: Self.full, store: IdentityStoreContents(), settings: settings)
        }
        #expect(error?.code == .missingTime)
        #expect(throws: Never.self) {
            try StandardSyncPlanner().plan(source: source, directory: Self.full, store: IdentityStoreContents(), settings: SyncSettings(outOfScope: .never))
        }
    }

    @Test(
        "an excerpt for one user leaves its memberships in groups it does not hold to a whole run under never and staged deletion",
        arguments: [SyncSettings.OutOfScopeAction.remove, .never, .disableThenRemove(after: StagedRuns.grace)])
    func focusLeavesUnheldGroups(policy: SyncSettings.OutOfScopeAction) async throws {
        let runs = StagedRuns(policy)
        try await runs.run(Self.full)
        // An excerpt about user 2 alone: its group g1 held, g2 (which a whole run may keep) not.
        let plan = try await runs.plan(snapshot([Self.everyone[1]], [group("g1", "Sales", users: ["2"])]), focus: ["2"])
        let leaves = plan.operations.filter { $0.action.kind == .removeMember }.map(\.group)
        #expect(leaves == (policy == .remove ? ["Oslo"] : []))
    }

    @Test("an excerpt keeps the pending removals of the objects it does not decide")
    func focusKeepsOthers() async throws {
        let runs = StagedRuns()
        try await runs.run(Self.full)
        try await runs.run(snapshot([Self.everyone[0]], Self.groups))
        #expect(runs.pending.map(\.externalID).sorted() == ["2", "3"])
        runs.advance(days: 1)
        // An excerpt about user 3 only, who is back.
        let plan = try await runs.plan(snapshot([Self.everyone[2]], []), focus: ["3"])
        #expect(plan.kinds == [.updateUser] && plan.operations[0].reason == .returnedInScope)
        #expect(plan.pendingRemovals.map(\.externalID) == ["2"])
        #expect(plan.pendingRemovals == runs.pending.filter { $0.externalID == "2" })
    }
}

@Suite("Planner: the deletion guard counts pending removals (rule 7)")
struct StagedDeletionGuardTests {
    static let users = (1...30).map { user("\($0)", "u\($0)@contoso.com", department: $0 <= 5 ? "Sales" : "Legal") }

    @Test("a filter mistake under disableThenRemove is stopped before anything is disabled")
    func filterMistake() async throws {
        let runs = StagedRuns(deletionGuard: DeletionGuard())
        try await runs.run(snapshot(Self.users))
        let before = try await runs.store.contents()
        runs.settings.filter = .usersByUser(try FilterExpression(parsing: "department eq 'Sales'"))
        let plan = try await runs.plan(snapshot(Self.users))
        #expect(plan.count(.disableUser) == 25)
        guard case .exceeded(let violations) = plan.guardVerdict else {
            Issue.record("25 pending removals of 30 users are over 20%")
            return
        }
        #expect(violations.map(\.kind) == [.users] && violations[0].count == 25)
        await #expect(throws: SyncExecutionError.self) { try await runs.run(snapshot(Self.users)) }
        #expect(try await runs.store.contents() == before)
        #expect(runs.pending.isEmpty, "nothing became pending")
    }

    @Test("once confirmed, pending removals are not counted again: neither while they wait nor when the grace ends")
    func countedOnce() async throws {
        let runs = StagedRuns(deletionGuard: DeletionGuard())
        try await runs.run(snapshot(Self.users))
        runs.settings.filter = .usersByUser(try FilterExpression(parsing: "department eq 'Sales'"))
        try await runs.run(snapshot(Self.users), allowExceedingGuard: true)
        runs.advance(days: 1)
        let waiting = try await runs.plan(snapshot(Self.users))
        #expect(waiting.isEmpty && waiting.guardVerdict.isWithinLimits)
        #expect(waiting.issues(.removalPending).count == 25)
        runs.advance(days: 6)
        let due = try await runs.plan(snapshot(Self.users))
        #expect(due.count(.removeUser) == 25)
        #expect(due.guardVerdict.isWithinLimits, "judged when they became pending")
    }

    @Test("a user already disabled counts when its removal becomes pending, and so does a group")
    func alreadyDisabledCounts() async throws {
        let runs = StagedRuns()
        let users = [user("1", "a@contoso.com"), user("2", "b@contoso.com", enabled: false)]
        try await runs.run(snapshot(users, [group("g", "G", users: ["1"])]))
        runs.settings.deletionGuard = DeletionGuard(users: .init(maximumCount: 0, maximumPercentage: nil), groups: .init(maximumCount: 0, maximumPercentage: nil))
        let plan = try await runs.plan(snapshot([users[0]], []))
        #expect(plan.isEmpty, "nothing to write: the user is disabled, the group is kept")
        guard case .exceeded(let violations) = plan.guardVerdict else {
            Issue.record("a pending removal is a removal to the guard")
            return
        }
        #expect(Set(violations.map(\.kind)) == [.users, .groups])
    }
}
