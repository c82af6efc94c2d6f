import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("DirectoryProvider contract")
struct DirectoryProviderContractTests {
    @Test("InMemoryDirectoryProvider keeps the contract", arguments: DirectoryProviderContract.checks)
    func inMemory(_ check: DirectoryProviderContract.Check) async throws {
        try await check.run { tenant in InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups) }
    }

    @Test("the in-memory provider's injected failures and incomplete reads never become removals")
    func injectedFailures() async throws {
        let directory = InMemoryDirectoryProvider(users: [user("1", "a@contoso.com"), user("2", "b@contoso.com")])
        let store = InMemoryIdentityStore()
        try await sync(try await directory.read(), store)
        directory.removeUser(id: "2")
        directory.failNextRead(with: IdentityStoreError(.unavailable, detail: "directory down"))
        await #expect(throws: IdentityStoreError.self) { try await directory.read() }
        directory.returnIncompleteSnapshotOnNextRead()
        let partial = try await directory.read()
        #expect(!partial.isComplete)
        await #expect(throws: SyncPlanningError.incompleteRead) { try await makePlan(partial, store) }
        #expect(try await store.contents().users.count == 2)
        #expect(directory.readCount == 3)
        try await sync(try await directory.read(), store)
        #expect(try await store.contents().users.count == 1)
    }

    @Test("mutations show in the next read")
    func mutations() async throws {
        let directory = InMemoryDirectoryProvider(users: [user("1", "a@contoso.com")], groups: [group("g", "G", users: ["1"], groups: ["h"]), group("h", "H")])
        directory.upsert(user("2", "b@contoso.com"))
        directory.modifyUser(id: "1") { $0.department = "Sales" }
        directory.modifyGroup(id: "g") { $0.memberUserIDs.append("2") }
        directory.removeGroup(id: "h")
        let read = try await directory.read()
        #expect(read.users.map(\.id) == ["1", "2"])
        #expect(read.users[0].department == "Sales")
        #expect(read.groups.map(\.id) == ["g"])
        #expect(read.groups[0].memberUserIDs == ["1", "2"])
        #expect(read.groups[0].memberGroupIDs == [])
        directory.removeUser(id: "1")
        #expect(try await directory.read().groups[0].memberUserIDs == ["2"])
    }
}
