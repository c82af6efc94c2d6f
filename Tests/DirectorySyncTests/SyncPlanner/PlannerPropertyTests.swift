@testable import DirectorySync
import DirectorySyncTesting
import Testing

/// Invariants of planning and applying, checked over seeded random tenants, stores and changes.
@Suite("Planner properties (seeded)")
struct PlannerPropertyTests {
    static let seeds: [UInt64] = Array(1...12)

    /// A tenant with planted conflicts and a store pre-filled with manual users and another
    /// source's users, some of which collide with the tenant.
    static func scenario(seed: UInt64) async throws -> (GeneratedTenant, InMemoryIdentityStore) {
        let tenant = TenantGenerator(configuration: .init(
            users: 120, groups: 14, seed: seed, withoutEmailShare: 0.05, aliasShare: 0.4, duplicateEmailPairs: Int(seed % 3))
        ).generate()
        let store = InMemoryIdentityStore()
        for profile in tenant.manualUsers(matchingByEmail: 6, matchingByLogin: 6, unmatched: 4, seed: seed) {
            _ = try await store.createUser(profile, origin: .manual)
        }
        _ = try await store.createGroup(GroupProfile(name: tenant.groups[0].displayName.uppercased()), origin: .manual)
        var random = SeededRandomNumberGenerator(seed: seed)
        for user in tenant.users.shuffled(using: &random).prefix(3) {
            if let email = user.primaryEmail {
                _ = try? await store.createUser(UserProfile(name: "Other", email: email), origin: .directory(otherSource, externalID: user.id))
            }
        }
        return (tenant, store)
    }

    static func settings(_ random: inout SeededRandomNumberGenerator) -> SyncSettings {
        let filters: [SyncFilter] = [
            .all,
            .usersByUser(.or([.condition(.init(.department, .in, ["Sales", "Engineering", "IT"])), .condition(.init(.city, .equals, "Oslo"))])),
            .usersByGroup(.condition(.init(.displayName, .contains, "North"))),
        ]
        return SyncSettings(
            filter: filters.randomElement(using: &random)!,
            missingEmail: random.chance(0.5) ? .syncWithWarning : .skip,
            outOfScope: random.chance(0.5) ? .remove : .disable,
            deletionGuard: .disabled)
    }

    @Test("operations named by texts String orders inconsistently (leading combining marks) come in one order, however the snapshot lists them")
    func orderOfUnorderableNames() async throws {
        var random = SeededRandomNumberGenerator(seed: 31)
        // Group names String's `<` disagrees with its `==` on ("\u{345}\u{301}" sorts apart from
        // an equal text), distinct under `==`, each group with members that join it.
        var names: [String] = []
        var seen: Set<String> = []
        for _ in 0..<20_000 where names.count < 300 {
            let name = (0..<Int.random(in: 1...6, using: &random)).map { _ in ["\u{345}", "\u{301}", "a", "b", "\u{345}\u{301}", "\u{301}\u{345}"].randomElement(using: &random)! }.joined()
            if seen.insert(name).inserted { names.append(name) }
        }
        #expect(names.count == 300)
        let users = (0..<60).map { user("u" + String(1000 + $0), "u\($0)@contoso.com") }
        let groups = names.enumerated().map { index, name in
            group("g" + String(1000 + index), name, users: (0..<3).map { _ in users.randomElement(using: &random)!.id })
        }
        let first = try await makePlan(snapshot(users, groups), InMemoryIdentityStore())
        let again = try await makePlan(snapshot(users.reversed(), groups.shuffled(using: &random)), InMemoryIdentityStore())
        #expect(first.operations.count >= 300 + 60)
        #expect(first.operations == again.operations)
        #expect(first.issues.isEmpty, "\(first.issues.prefix(3))")
    }

    @Test("applying a plan, then planning again, gives an empty plan — round after round of changes", arguments: seeds)
    func idempotence(seed: UInt64) async throws {
        let (tenant, store) = try await Self.scenario(seed: seed)
        var random = SeededRandomNumberGenerator(seed: seed &* 31)
        var mutator = TenantMutator(tenant)
        for round in 0..<6 {
            let settings = Self.settings(&random)
            let (_, report) = try await sync(mutator.tenant.snapshot, store, settings: settings)
            #expect(report.isSuccess, "seed \(seed) round \(round): \(report.failed.prefix(3))")
            let again = try await makePlan(mutator.tenant.snapshot, store, settings: settings)
            #expect(again.isEmpty, "seed \(seed) round \(round): \(again.operations.prefix(3))")
            mutator.apply(steps: 12, using: &random)
        }
    }

    @Test("manual identities are never removed or altered, except by adoption", arguments: seeds)
    func manualIdentitiesSafe(seed: UInt64) async throws {
        let (tenant, store) = try await Self.scenario(seed: seed)
        var random = SeededRandomNumberGenerator(seed: seed)
        let before = try await store.contents()
        let manualUsers = before.users.filter { $0.origin == .manual }
        let manualGroups = before.groups.filter { $0.origin == .manual }
        var adopted: Set<IdentityID> = []
        var mutator = TenantMutator(tenant)
        for round in 0..<4 {
            try await sync(mutator.tenant.snapshot, store, settings: Self.settings(&random))
            let after = try await store.contents()
            let users = Dictionary(uniqueKeysWithValues: after.users.map { ($0.id, $0) })
            for manual in manualUsers where !adopted.contains(manual.id) {
                let now = try #require(users[manual.id], "seed \(seed) round \(round): manual user \(manual.id) removed")
                if now.origin.sourceID == source { adopted.insert(manual.id) } else {
                    #expect(now == manual, "seed \(seed) round \(round): manual user \(manual.id) altered")
                }
            }
            let groups = Dictionary(uniqueKeysWithValues: after.groups.map { ($0.id, $0) })
            for manual in manualGroups where !adopted.contains(manual.id) {
                let now = try #require(groups[manual.id], "seed \(seed) round \(round): manual group removed")
                if now.origin.sourceID == source { adopted.insert(manual.id) } else {
                    #expect(now.profile == manual.profile && now.origin == .manual)
                }
            }
            mutator.apply(steps: 10, using: &random)
        }
        #expect(!adopted.isEmpty, "the scenario should adopt some manual identities")
    }

    @Test("no two users share an address, and no directory object is linked twice, after any run", arguments: seeds)
    func uniqueness(seed: UInt64) async throws {
        let (tenant, store) = try await Self.scenario(seed: seed)
        var random = SeededRandomNumberGenerator(seed: seed &+ 7)
        var mutator = TenantMutator(tenant)
        for _ in 0..<4 {
            try await sync(mutator.tenant.snapshot, store, settings: Self.settings(&random))
            let contents = try await store.contents()
            let addresses = contents.users.flatMap(\.profile.addressKeys)
            #expect(Set(addresses).count == addresses.count)
            let links = contents.users.compactMap { user in user.origin.externalID.map { "\(user.origin.sourceID!)/\($0)" } }
            #expect(Set(links).count == links.count)
            mutator.apply(steps: 15, using: &random)
        }
    }

    @Test("no run removes an identity whose directory user is still in scope", arguments: seeds)
    func removalsOnlyOutOfScope(seed: UInt64) async throws {
        let (tenant, store) = try await Self.scenario(seed: seed)
        var random = SeededRandomNumberGenerator(seed: seed &+ 11)
        var mutator = TenantMutator(tenant)
        for _ in 0..<4 {
            let settings = Self.settings(&random)
            let plan = try await makePlan(mutator.tenant.snapshot, store, settings: settings)
            let inScope = Set(DirectoryScope(snapshot: mutator.tenant.snapshot, filter: settings.filter).users.map(\.id))
            let contents = try await store.contents()
            let byID = Dictionary(uniqueKeysWithValues: contents.users.map { ($0.id, $0) })
            for operation in plan.operations where operation.reason == .leftScope {
                if case .removeUser(let id, let externalID) = operation.action {
                    #expect(!inScope.contains(externalID), "removed \(externalID), which is in scope")
                    #expect(byID[id]?.origin.sourceID == source)
                }
            }
            _ = try await SyncExecutor(configuration: .init(allowExceedingDeletionGuard: true)).apply(plan, to: store)
            mutator.apply(steps: 15, using: &random)
        }
    }

    @Test("a run interrupted after any write, followed by a fresh run, converges to the uninterrupted result")
    func interruptedRunsConverge() async throws {
        for seed: UInt64 in 1...3 {
            let (tenant, reference) = try await Self.scenario(seed: seed)
            var random = SeededRandomNumberGenerator(seed: seed)
            var mutator = TenantMutator(tenant)
            try await sync(tenant.snapshot, reference, settings: SyncSettings(deletionGuard: .disabled))
            mutator.apply(steps: 25, using: &random)
            let changed = mutator.tenant.snapshot
            let settings = SyncSettings(deletionGuard: .disabled)

            let writesBefore = await reference.writeCount
            try await sync(changed, reference, settings: settings)
            let expected = StoreFingerprint(try await reference.contents())
            let totalWrites = await reference.writeCount - writesBefore
            #expect(totalWrites > 10)

            for cut in 0..<totalWrites {
                let (_, base) = try await Self.scenario(seed: seed)
                try await sync(tenant.snapshot, base, settings: settings)
                let faulty = FaultInjectingIdentityStore(base)
                faulty.failWrites(after: cut)
                let (_, interrupted) = try await sync(changed, faulty, settings: settings)
                #expect(!interrupted.isSuccess, "seed \(seed), cut \(cut) of \(totalWrites): \(faulty.writesAttempted) writes attempted")
                try await sync(changed, base, settings: settings)
                let got = StoreFingerprint(try await base.contents())
                #expect(got == expected, "seed \(seed), cut after \(cut) writes: \(got) vs \(expected)")
                #expect(try await makePlan(changed, base, settings: settings).isEmpty)
            }
        }
    }
}
