import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("IdentityStore contract")
struct IdentityStoreContractTests {
    @Test("InMemoryIdentityStore keeps the contract", arguments: IdentityStoreContract.checks)
    func inMemory(_ check: IdentityStoreContract.Check) async throws {
        try await check.run(on: InMemoryIdentityStore())
    }

    @Test("InMemoryIdentityStore holding no group description keeps the contract", arguments: IdentityStoreContract.checks)
    func inMemoryLimited(_ check: IdentityStoreContract.Check) async throws {
        try await check.run(on: InMemoryIdentityStore(capabilities: IdentityStoreCapabilities(groupDescriptions: false)))
    }

    @Test("FaultInjectingIdentityStore without faults keeps the contract", arguments: IdentityStoreContract.checks)
    func faultInjectingPassThrough(_ check: IdentityStoreContract.Check) async throws {
        try await check.run(on: FaultInjectingIdentityStore(InMemoryIdentityStore()))
    }

    @Test("FileIdentityStore keeps the contract", arguments: IdentityStoreContract.checks)
    func file(_ check: IdentityStoreContract.Check) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await check.run(on: try await FileIdentityStore.open(folder: folder))
    }

    @Test("the contract catches a store that breaks a rule")
    func catchesBrokenStore() async throws {
        let check = try #require(IdentityStoreContract.checks.first { $0.name.contains("emails are unique") })
        await #expect(throws: ContractViolation.self) { try await check.run(on: CaseSensitiveStore()) }
    }
}

/// A deliberately broken store: emails are unique only in exact case.
private actor CaseSensitiveStore: IdentityStore {
    private var users: [IdentityUser] = []
    func contents() async throws -> IdentityStoreContents { IdentityStoreContents(users: users) }
    func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        if users.contains(where: { $0.profile.email == profile.email }) {
            throw IdentityStoreError(.addressInUse, detail: "taken")
        }
        let user = IdentityUser(id: IdentityID("\(users.count)"), origin: origin, profile: profile)
        users.append(user)
        return user
    }
    func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser { throw CancellationError() }
    func deleteUser(_ id: IdentityID) async throws {}
    func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup { throw CancellationError() }
    func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup { throw CancellationError() }
    func deleteGroup(_ id: IdentityID) async throws {}
    func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {}
    func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {}
}
