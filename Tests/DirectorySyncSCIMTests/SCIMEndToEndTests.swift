import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

@Suite("End to end: Graph emulator → GraphDirectoryProvider → planner → SCIMIdentityStore on a real SCIM server", .serialized)
struct SCIMEndToEndTests {
    @Test("a generated tenant lands whole; manual users stay; a second run changes nothing; a filter change removes exactly what left")
    func endToEnd() async throws {
        guard let store = try await SCIMServer.freshStore(batch: 50) else { return }
        let tenant = TenantGenerator(configuration: .init(users: 160, groups: 12, seed: 21)).generate()
        let provider = emulatedProvider(tenant)
        let manual = try await store.createUser(UserProfile(name: "Contractor", email: "contractor@vendor.example", logins: ["VENDOR\\c1"]), origin: .manual)
        let planner = StandardSyncPlanner()
        func run(_ settings: SyncSettings) async throws -> (SyncPlan, SyncReport) {
            let snapshot = try await provider.read(filter: settings.filter)
            let plan = try planner.plan(source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings)
            let report = try await SyncExecutor(configuration: .init(maximumConcurrency: 4, allowExceedingDeletionGuard: true)).apply(plan, to: store)
            return (plan, report)
        }

        let (first, report) = try await run(SyncSettings())
        #expect(report.isSuccess, "\(report.failed.prefix(3))")
        let contents = try await store.contents()
        let scope = try planner.plan(source: "contoso", directory: tenant.snapshot, store: IdentityStoreContents(capabilities: try await store.contents().capabilities))
        let expectedUsers = Set(scope.operations.compactMap { op -> String? in
            if case .createUser(let id, _) = op.action { return id }
            return nil
        })
        let synced = contents.users.filter { $0.origin.sourceID == "contoso" }
        #expect(Set(synced.compactMap(\.origin.externalID)) == expectedUsers)
        // Attributes: every synced user equals what the plan created.
        var createdProfiles: [String: UserProfile] = [:]
        for operation in scope.operations { if case .createUser(let id, let profile) = operation.action { createdProfiles[id] = profile } }
        for user in synced { #expect(user.profile == createdProfiles[user.origin.externalID!], "\(user.profile.name)") }
        // Memberships: each group's members are the users the plan added.
        var expectedMembers: [String: Set<String>] = [:]
        for operation in scope.operations {
            if case .addMember(.created(let user), .created(let group)) = operation.action { expectedMembers[group, default: []].insert(user) }
        }
        let externalOfUser = Dictionary(uniqueKeysWithValues: contents.users.map { ($0.id, $0.origin.externalID ?? "") })
        for group in contents.groups where group.origin.sourceID == "contoso" {
            #expect(Set(group.memberIDs.map { externalOfUser[$0] ?? "" }) == expectedMembers[group.origin.externalID!] ?? [])
        }
        #expect(contents.users.first { $0.id == manual.id }?.profile.email == "contractor@vendor.example")
        #expect(first.count(.createUser) == expectedUsers.count)

        // A second run changes nothing.
        let (second, _) = try await run(SyncSettings())
        #expect(second.isEmpty, "\(second.operations.prefix(3))")

        // A filter change removes (or disables) exactly what left.
        let sales = SyncSettings(filter: .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")), outOfScope: .disable)
        let leaving = Set(tenant.users.filter { $0.department != "Sales" && expectedUsers.contains($0.id) }.map(\.id))
        let (narrowed, narrowedReport) = try await run(sales)
        #expect(narrowedReport.isSuccess)
        let disabled = Set(narrowed.operations.compactMap { op -> String? in
            if case .disableUser(_, let id, _) = op.action { return id }
            return nil
        })
        #expect(disabled == leaving.filter { id in tenant.users.first { $0.id == id }?.accountEnabled == true })
        let after = try await store.contents()
        for user in after.users where leaving.contains(user.origin.externalID ?? "") { #expect(!user.profile.isEnabled) }
        #expect(after.users.first { $0.id == manual.id } != nil)
        let (third, _) = try await run(sales)
        #expect(third.isEmpty, "\(third.operations.prefix(3))")
    }
}

extension SyncPlan {
    func count(_ kind: SyncAction.Kind) -> Int { summary[kind] }
}
