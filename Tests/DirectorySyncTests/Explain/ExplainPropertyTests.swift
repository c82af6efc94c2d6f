@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A service over the planner properties' scenario (planted conflicts, manual users, another
/// source's users) with one source ready to synchronize.
struct ExplainHarness {
    static let secret = "Sup3r~Secret.Value-for-tests"
    static let clientID = "00000000-0000-4000-8000-0000000000aa"
    let store: InMemoryIdentityStore
    let directory: InMemoryDirectoryProvider
    let service: DirectoryService
    let id: SourceID

    init(seed: UInt64, settings: SyncSettings) async throws {
        let (tenant, store) = try await PlannerPropertyTests.scenario(seed: seed)
        self.store = store
        directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
        let connector = InMemoryDirectoryConnector()
        connector.register(tenant: "contoso.com", clientID: Self.clientID, secret: Self.secret, domains: ["contoso.com"], directory: directory)
        service = try await DirectoryService.open(store: store, state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector)
        let added = try await service.addSource(name: "Contoso", domain: "contoso.com")
        id = added.id
        try await service.setCredentials(id, SourceCredentials(clientID: Self.clientID, tenant: "contoso.com"), secret: Secret(Self.secret))
        _ = try await service.testConnection(id)
        try await service.setSettings(id, settings)
        try await service.turnOn(id)
    }

    /// Makes the directory hold exactly the tenant.
    func replaceDirectory(with tenant: GeneratedTenant) async throws {
        let now = try await directory.read()
        for user in now.users { directory.removeUser(id: user.id) }
        for group in now.groups { directory.removeGroup(id: group.id) }
        tenant.users.forEach(directory.upsert)
        tenant.groups.forEach(directory.upsert)
    }

    /// The plan a whole synchronization would make now, unchanged objects listed.
    func wholePlan(_ settings: SyncSettings) async throws -> (SyncPlan, IdentityStoreContents) {
        let contents = try await store.contents()
        let plan = try StandardSyncPlanner().plan(
            SyncPlanRequest(sourceID: id, directory: try await directory.read(), store: contents, settings: settings, listsUnchanged: true))
        return (plan, contents)
    }
}

@Suite("Explain and on-demand synchronization: one object, as a whole run would treat it (seeded)")
struct ExplainPropertyTests {
    static let seeds: [UInt64] = Array(1...8)

    /// What the whole plan holds about one user, as a sorted list of preview records.
    static func records(_ plan: SyncPlan, _ contents: IdentityStoreContents, user externalID: String) -> [PreviewRecord] {
        let whole = FocusedPlan(excerpt: DirectoryExcerpt(), users: [], groups: [], missing: [], focus: [], plan: plan, store: contents, isComplete: true)
        let share = whole.share(of: externalID, kind: .user)
        return comparable(share.operations.map(PreviewRecord.init) + share.issues.map(PreviewRecord.init) + share.unchanged.map(PreviewRecord.init))
    }

    /// Sorted; a membership removal compared by user and group identity only: when the user is
    /// no longer a member of a group that also leaves the scope, the excerpt cannot tell (it holds
    /// the user's groups, not that one), so it says "no longer a member" under the store's name of
    /// the group where the whole plan says "emptied before it is removed" under the directory's.
    /// A removed user's memberships go with it, whether or not the plan also lists them (a whole
    /// plan empties the groups it removes first, members being removed or not).
    static func comparable(_ records: [PreviewRecord]) -> [PreviewRecord] {
        let removed = records.contains { $0.action == .remove && $0.objectKind == .user }
        return records.filter { !(removed && $0.action == .removeMember) }.map { record in
            guard record.action == .removeMember else { return record }
            var record = record
            (record.group, record.code, record.reason) = (nil, "", "")
            return record
        }.sorted { sortKey($0) < sortKey($1) }
    }

    /// A sort key that leaves out the attributes (a dictionary prints in no fixed order).
    static func sortKey(_ record: PreviewRecord) -> String {
        "\(record.action.rawValue)|\(record.code)|\(record.subject)|\(record.groupID?.rawValue ?? "")|\(record.changes)|\(record.attributes.sorted { $0.key < $1.key })"
    }

    @Test("for every user of a random tenant, explain names what the whole plan does to it, before and after changes", arguments: seeds)
    func explainMatchesThePlan(seed: UInt64) async throws {
        var random = SeededRandomNumberGenerator(seed: seed &* 7)
        let settings = PlannerPropertyTests.settings(&random)
        let harness = try await ExplainHarness(seed: seed, settings: settings)
        var mutator = TenantMutator(TenantGenerator.propertyTenant(seed: seed))
        for round in 0..<2 {
            let (plan, contents) = try await harness.wholePlan(settings)
            let linkedIDs = contents.users.filter { $0.origin.sourceID == harness.id }.compactMap(\.origin.externalID)
            let directoryIDs = mutator.tenant.users.map(\.id)
            for externalID in Set(directoryIDs + linkedIDs).sorted() {
                let explanations = try await harness.service.explain(harness.id, user: externalID)
                #expect(explanations.count == 1, "seed \(seed) round \(round) \(externalID)")
                guard let explanation = explanations.first else { continue }
                let expected = Self.records(plan, contents, user: externalID)
                #expect(Self.comparable(explanation.records) == expected, "seed \(seed) round \(round) \(externalID): \(explanation.records) vs \(expected)")
                #expect(explanation.isComplete)
                #expect(explanation.directory.found == directoryIDs.contains(externalID))
                if case .usersByUser(let expression) = settings.filter, let user = mutator.tenant.users.first(where: { $0.id == externalID }) {
                    #expect(explanation.scope.inScope == expression.matches(user))
                    let deciding = explanation.scope.conditions.map { FilterExpression.condition($0).matches(user) }
                    #expect(!deciding.isEmpty && deciding.allSatisfy { $0 == explanation.scope.inScope }, "seed \(seed) \(externalID): \(explanation.scope)")
                }
            }
            _ = try await harness.service.synchronize(harness.id)
            mutator.apply(steps: 12, using: &random)
            try await harness.replaceDirectory(with: mutator.tenant)
        }
    }

    @Test("synchronizing every user on demand, then a whole run, ends in the store one whole run makes", arguments: seeds)
    func onDemandConverges(seed: UInt64) async throws {
        var random = SeededRandomNumberGenerator(seed: seed &* 11)
        let settings = PlannerPropertyTests.settings(&random)
        let oneByOne = try await ExplainHarness(seed: seed, settings: settings)
        let whole = try await ExplainHarness(seed: seed, settings: settings)
        var mutator = TenantMutator(TenantGenerator.propertyTenant(seed: seed))
        for round in 0..<2 {
            let linked = try await oneByOne.store.contents().users.filter { $0.origin.sourceID == oneByOne.id }.compactMap(\.origin.externalID)
            var waiting = 0
            for externalID in Set(mutator.tenant.users.map(\.id) + linked).sorted().shuffled(using: &random) {
                let record = try await oneByOne.service.synchronize(oneByOne.id, user: externalID)
                #expect(record.trigger == .onDemand)
                #expect(record.readKind?.isFull == false)
                #expect(record.outcome == .succeeded, "seed \(seed) round \(round) \(externalID): \(record.outcome)")
                waiting += record.summary.issues[.waitsForFullSynchronization] ?? 0
            }
            // What is left for the whole run: groups, and only the users whose runs said they wait for it.
            let (rest, _) = try await oneByOne.wholePlan(settings)
            let userKinds: Set<SyncAction.Kind> = [.createUser, .adoptUser, .updateUser, .disableUser, .removeUser]
            let leftUsers = Set(rest.operations.filter { userKinds.contains($0.action.kind) }.compactMap(\.action.externalID))
            #expect(leftUsers.count <= waiting, "seed \(seed) round \(round): \(leftUsers.count) users left for the whole run, \(waiting) said they wait")
            let finalRun = try await oneByOne.service.synchronize(oneByOne.id)
            let reference = try await whole.service.synchronize(whole.id)
            #expect(finalRun.outcome == .succeeded && reference.outcome == .succeeded)
            let (a, b) = (StoreFingerprint(try await oneByOne.store.contents()), StoreFingerprint(try await whole.store.contents()))
            #expect(a == b, "seed \(seed) round \(round): the stores differ")
            mutator.apply(steps: 12, using: &random)
            try await oneByOne.replaceDirectory(with: mutator.tenant)
            try await whole.replaceDirectory(with: mutator.tenant)
        }
    }
}

extension TenantGenerator {
    /// The tenant of ``PlannerPropertyTests/scenario(seed:)``.
    static func propertyTenant(seed: UInt64) -> GeneratedTenant {
        TenantGenerator(configuration: .init(
            users: 120, groups: 14, seed: seed, withoutEmailShare: 0.05, aliasShare: 0.4, duplicateEmailPairs: Int(seed % 3))
        ).generate()
    }
}
