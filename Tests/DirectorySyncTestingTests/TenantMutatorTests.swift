import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("TenantMutator")
struct TenantMutatorTests {
    let tenant = TenantGenerator(configuration: .init(users: 50, groups: 8, seed: 2)).generate()

    @Test("every kind of change changes the tenant", arguments: TenantMutator.Change.allCases.filter { $0 != .reuseDeletedEmail })
    func changes(_ change: TenantMutator.Change) {
        var mutator = TenantMutator(tenant)
        var random = SeededRandomNumberGenerator(seed: 5)
        var changed = false
        for _ in 0..<5 where !changed {
            mutator.apply(change, using: &random)
            changed = mutator.tenant != tenant
        }
        #expect(changed)
    }

    @Test("a deleted user's email can be given to another user")
    func reuse() {
        var mutator = TenantMutator(tenant)
        var random = SeededRandomNumberGenerator(seed: 5)
        let before = Set(tenant.users.compactMap(\.primaryEmail))
        mutator.apply(.deleteUser, using: &random)
        mutator.apply(.reuseDeletedEmail, using: &random)
        #expect(Set(mutator.tenant.users.compactMap(\.primaryEmail)).isSubset(of: before))
    }

    @Test("deleting keeps the tenant consistent: no member refers to a deleted object")
    func consistency() {
        var mutator = TenantMutator(tenant)
        var random = SeededRandomNumberGenerator(seed: 8)
        mutator.apply(steps: 300, using: &random)
        let users = Set(mutator.tenant.users.map(\.id))
        let groups = Set(mutator.tenant.groups.map(\.id))
        #expect(mutator.tenant.groups.allSatisfy { Set($0.memberUserIDs).isSubset(of: users) && Set($0.memberGroupIDs).isSubset(of: groups) })
    }
}

@Suite("StoreFingerprint and FaultInjectingIdentityStore")
struct StoreSupportTests {
    @Test("fingerprints ignore identifiers but see every attribute and membership")
    func fingerprint() async throws {
        func build(reversed: Bool) async throws -> InMemoryIdentityStore {
            let store = InMemoryIdentityStore()
            let profiles = [UserProfile(name: "A", email: "a@x.com"), UserProfile(name: "B", email: "b@x.com")]
            var ids: [IdentityID] = []
            for profile in reversed ? profiles.reversed() : profiles { ids.append(try await store.createUser(profile, origin: .manual).id) }
            let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
            try await store.addMembers([ids[reversed ? 1 : 0]], to: group.id)
            return store
        }
        let a = StoreFingerprint(try await build(reversed: false).contents())
        let b = StoreFingerprint(try await build(reversed: true).contents())
        #expect(a == b)
        let c = try await build(reversed: false)
        let g = try #require(try await c.contents().groups.first)
        try await c.addMembers([try await c.contents().users[1].id], to: g.id)
        #expect(StoreFingerprint(try await c.contents()) != a)
    }

    @Test("writes fail after the allowed count, reads on demand, and heal restores")
    func faults() async throws {
        let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
        store.failWrites(after: 1)
        _ = try await store.createUser(UserProfile(name: "A", email: "a@x.com"), origin: .manual)
        await #expect(throws: IdentityStoreError.self) { try await store.createUser(UserProfile(name: "B"), origin: .manual) }
        store.failReads()
        await #expect(throws: IdentityStoreError.self) { try await store.contents() }
        store.heal()
        _ = try await store.createUser(UserProfile(name: "B"), origin: .manual)
        #expect(try await store.contents().users.count == 2)
        #expect(store.writesAttempted == 3)
        #expect(store.writesSucceeded == 2)
    }
}
