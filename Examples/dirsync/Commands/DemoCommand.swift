import DirectorySync
import DirectorySyncTesting
import Foundation

/// `dirsync demo`: a realistic synchronization, end to end, in memory.
enum DemoCommand {
    static let help = """
        Usage: dirsync demo [--users N] [--groups N] [--seed N]

        Generates an Entra ID tenant, pre-fills an in-memory store with manual users (some match
        Entra users by email or login, some match nobody) and a user of another source, then:
        plans, applies, plans again (empty), switches the filter (removals follow) and shows the
        deletion guard stopping an over-large removal.

        \(DemoEnvironment.options)
        """

    static func run(_ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        let environment = try await DemoEnvironment.make(&arguments)
        try arguments.finish()

        let started = ContinuousClock.now
        let source = DemoEnvironment.source
        let tenant = environment.tenant
        let directory = environment.directory
        let store = environment.store
        let nested = tenant.groups.count { !$0.memberGroupIDs.isEmpty }
        print("Entra ID tenant \(tenant.domain): \(tenant.users.count.counted("user")), \(tenant.groups.count.counted("group")) (\(nested) with nested groups, one nesting cycle), \(tenant.membershipCount.counted("direct membership")).")
        print("Identity store before the first synchronization: \((environment.manualUsers + 1).counted("user")) (\(environment.manualUsers) manual, 1 from source 'fabrikam'), 1 manual group.\n")

        // 1. Plan and apply.
        let snapshot = try await directory.read()
        let planner = StandardSyncPlanner()
        // The demo's guard: at most 10% of the source's users, groups or memberships per run.
        let tenPercent = DeletionGuard.Threshold(maximumCount: nil, maximumPercentage: 10)
        var settings = SyncSettings(deletionGuard: DeletionGuard(users: tenPercent, groups: tenPercent, memberships: tenPercent))
        var clock = ContinuousClock.now
        let plan = try planner.plan(source: source, directory: snapshot, store: try await store.contents(), settings: settings)
        print("== First synchronization: plan (made in \(format(ContinuousClock.now - clock))) ==")
        describe(plan)
        clock = ContinuousClock.now
        let report = try await applyWithProgress(plan, to: store)
        print("Applied in \(format(ContinuousClock.now - clock)): \(report.succeeded.counted("operation")) succeeded, \(report.failed.count) failed.\n")
        guard report.isSuccess else {
            for failure in report.failed.prefix(5) { print("  \(failure)") }
            return 1
        }

        // 2. Again: nothing to do.
        let again = try planner.plan(source: source, directory: try await directory.read(), store: try await store.contents(), settings: settings)
        print("== Second synchronization: plan ==")
        print("\(again.operations.count.counted("operation")): the store is in step with the tenant (\(again.unchangedUsers.counted("user")) and \(again.unchangedGroups.counted("group")) unchanged; conflicts reported above stay until an administrator resolves them: \(again.summary.conflicts)).\n")

        // 3. A filter switch: only members, no guests.
        let members = try FilterExpression(parsing: "userType eq 'Member'")
        settings.filter = .usersByUser(members)
        let narrowed = try planner.plan(source: source, directory: try await directory.read(), store: try await store.contents(), settings: settings)
        print("== Filter switched to users by user filter: \(members) ==")
        describe(narrowed)
        let narrowedReport = try await applyWithProgress(narrowed, to: store)
        print("Applied: \(narrowedReport.succeeded.counted("operation")) succeeded, \(narrowedReport.failed.count) failed.\n")

        // 4. A filter typo would remove almost everyone: the deletion guard stops it.
        let typo = try FilterExpression(parsing: "department eq 'Slaes'")
        settings.filter = .usersByUser(typo)
        let dangerous = try planner.plan(source: source, directory: try await directory.read(), store: try await store.contents(), settings: settings)
        print("== Filter switched to users by user filter: \(typo) ==")
        print("The plan would remove \(dangerous.summary[.removeUser].counted("user")) and \(dangerous.summary[.removeGroup].counted("group")).")
        do {
            _ = try await SyncExecutor().apply(dangerous, to: store)
            print("Unexpected: the deletion guard let the plan through.")
            return 1
        } catch let error as SyncExecutionError {
            print("Stopped by the deletion guard: \(Terminal.safe(error.message))")
        }
        let final = try await store.contents()
        print("\nStore now: \(final.users.count.counted("user")), \(final.groups.count.counted("group")). Finished in \(format(ContinuousClock.now - started)).")
        return 0
    }

    /// Prints the plan's counts, a few examples of each kind, and its conflicts and warnings.
    static func describe(_ plan: SyncPlan) {
        let summary = plan.summary
        for kind in SyncAction.Kind.allCases where summary[kind] > 0 {
            print("  \(kind.displayName.padding(toLength: 14, withPad: " ", startingAt: 0)) \(summary[kind].grouped.leftPadded(8))")
            for example in plan.operations.filter({ $0.action.kind == kind }).prefix(2) {
                print("      e.g. \(Terminal.safe("\(example)"))")
            }
        }
        print("  unchanged: \(summary.unchangedUsers.counted("user")), \(summary.unchangedGroups.counted("group"))")
        print("  conflicts: \(summary.conflicts), skipped: \(summary.skipped), warnings: \(summary.warnings)")
        for code in SyncIssue.Code.allCases {
            let issues = plan.issues.filter { $0.code == code }
            guard let first = issues.first else { continue }
            print("    \(code.rawValue) × \(issues.count), e.g. \(Terminal.safe(first.subject)): \(Terminal.safe(first.detail))")
        }
        switch plan.guardVerdict {
        case .withinLimits: print("  deletion guard: within limits")
        case .exceeded(let violations): print("  deletion guard: EXCEEDED — \(Terminal.safe(violations.map(\.description).joined(separator: "; ")))")
        }
    }

    static func applyWithProgress(_ plan: SyncPlan, to store: some IdentityStore) async throws -> SyncReport {
        let executor = SyncExecutor(onEvent: { event in
            if case .operationFinished(_, let completed, let total) = event, completed == total || completed % 250 == 0 {
                Terminal.progress("Applying \(completed.grouped)/\(total.counted("operation"))…")
            }
        })
        let report = try await executor.apply(plan, to: store)
        Terminal.endProgress()
        return report
    }

    static func format(_ duration: Duration) -> String {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return String(format: "%.2f s", seconds)
    }
}
