import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The code the README and GettingStarted show, run as written (only the tenant is made up), so
/// the snippets stay correct when the API moves.
@Suite("Documentation snippets compile and do what they say")
struct DocumentationSnippetTests {
    let tenant = TenantGenerator(configuration: .init(users: 60, groups: 6, seed: 9)).generate()
    var users: [DirectoryUser] { tenant.users }
    var groups: [DirectoryGroup] { tenant.groups }

    @Test("README, 'Use it'")
    func readme() async throws {
        let directory: any DirectoryProvider = InMemoryDirectoryProvider(users: users, groups: groups)
        let store = InMemoryIdentityStore()           // or your own IdentityStore
        let settings = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")))

        let snapshot = try await directory.read(filter: settings.filter)
        let plan = try StandardSyncPlanner().plan(
            source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings)
        print(plan.summary)                           // creates, adoptions, updates, removals, conflicts …

        let report = try await SyncExecutor().apply(plan, to: store)
        print("\(report.succeeded) applied, \(report.failed.count) failed")

        #expect(report.isSuccess)
        #expect(plan.summary[.createUser] == users.count { $0.department == "Sales" })
        #expect(try StandardSyncPlanner().plan(source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings).isEmpty)
    }

    @Test("GettingStarted, 'Synchronize in code' (the progress print kept in a counter)")
    func gettingStarted() async throws {
        let directory = InMemoryDirectoryProvider(users: users, groups: groups)
        let store = InMemoryIdentityStore()
        let settings = SyncSettings(
            filter: .all,
            missingEmail: .syncWithWarning,   // or .skip
            outOfScope: .remove,              // or .disable, .never, .disableThenRemove(after:) (pass now: to plan)
            deletionGuard: DeletionGuard())   // 500 users or 20%, 100 groups or 20%, 5,000 memberships or 30%

        let snapshot = try await directory.read(filter: settings.filter)
        let plan = try StandardSyncPlanner().plan(
            source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings)

        for issue in plan.issues where issue.severity == .conflict {
            print(issue)                      // e.g. conflict emailInUse user bob@contoso.com: …
        }

        let progress = Locked(0)
        let executor = SyncExecutor(
            configuration: .init(maximumConcurrency: 8, membershipBatchSize: 100),
            onEvent: { event in
                if case .operationFinished(_, let done, _) = event { progress.withLock { $0 = max($0, done) } }
            })
        let report = try await executor.apply(plan, to: store)

        #expect(report.isSuccess)
        #expect(progress.withLock { $0 } == plan.operations.count)
    }

    @Test("GettingStarted, 'Bring your own store': a store that holds no description says so in its contents")
    func limitedStore() async throws {
        let store = InMemoryIdentityStore(capabilities: IdentityStoreCapabilities(groupDescriptions: false))
        let snapshot = try await InMemoryDirectoryProvider(users: users, groups: groups).read()
        let plan = try StandardSyncPlanner().plan(source: "contoso", directory: snapshot, store: try await store.contents())
        #expect(try await SyncExecutor().apply(plan, to: store).isSuccess)
        #expect(try StandardSyncPlanner().plan(source: "contoso", directory: snapshot, store: try await store.contents()).isEmpty)
    }
}
