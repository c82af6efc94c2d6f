import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("FileIdentityStore: durability")
struct FileIdentityStoreTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)")

    @Test("a synchronized store reopens with the same identities, ids, memberships and rules")
    func reopen() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let tenant = TenantGenerator(configuration: .init(users: 80, groups: 8, seed: 2)).generate()
        let store = try await FileIdentityStore.open(folder: folder)
        let plan = try StandardSyncPlanner().plan(
            source: "s", directory: DirectorySnapshot(users: tenant.users, groups: tenant.groups), store: try await store.contents())
        _ = try await SyncExecutor().apply(plan, to: store)
        let before = try await store.contents()
        store.close()

        let reopened = try await FileIdentityStore.open(folder: folder)
        let after = try await reopened.contents()
        #expect(Set(after.users) == Set(before.users))
        #expect(Set(after.groups.map { Set($0.memberIDs) }) == Set(before.groups.map { Set($0.memberIDs) }))
        let email = try #require(before.users.compactMap(\.profile.email).first)
        await #expect(throws: IdentityStoreError.self) { try await reopened.createUser(UserProfile(name: "Dup", email: email.uppercased()), origin: .manual) }
        let fresh = try await reopened.createUser(UserProfile(name: "New", email: "brand.new@example.com"), origin: .manual)
        #expect(!before.users.contains { $0.id == fresh.id }, "identifiers continue after the highest one")
        let replanned = try StandardSyncPlanner().plan(
            source: "s", directory: DirectorySnapshot(users: tenant.users, groups: tenant.groups), store: after)
        #expect(replanned.operations.isEmpty)
    }

    @Test("compaction writes the base and the log owner-only and leaves no temporary file")
    func ownerOnly() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await FileIdentityStore.open(folder: folder)
        _ = try await store.createUser(UserProfile(name: "A", email: "a@example.com"), origin: .manual)
        try await store.compact()
        store.close()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(!names.contains { $0.hasSuffix(".tmp") }, "\(names)")
        for name in ["identities.base", "identities.log"] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(name).path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o600, "\(name)")
        }
        #expect(try await FileIdentityStore.open(folder: folder).contents().users.map(\.profile.email) == ["a@example.com"])
    }

    @Test("a torn last line (a crash mid-write) loses only that write")
    func tornLog() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await FileIdentityStore.open(folder: folder)
        _ = try await store.createUser(UserProfile(name: "Kept", email: "kept@example.com"), origin: .manual)
        store.close()
        let log = try FileHandle(forWritingTo: folder.appendingPathComponent("identities.log"))
        try log.seekToEnd()
        let change = StoreChange.putUser(IdentityUser(id: IdentityID("u9"), origin: .manual, profile: UserProfile(name: "Torn")))
        try log.write(contentsOf: RecordFile.frame(try JSONEncoder().encode(change), after: 0).bytes.prefix(40))
        try log.close()
        let reopened = try await FileIdentityStore.open(folder: folder)
        #expect(try await reopened.contents().users.map(\.profile.name) == ["Kept"])
    }

    @Test("a second process (or opener) is refused while the store is open; closing releases it")
    func exclusive() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await FileIdentityStore.open(folder: folder)
        await #expect(throws: IdentityStoreError.self) { try await FileIdentityStore.open(folder: folder) }
        store.close()
        await #expect(throws: IdentityStoreError.self) { try await store.createUser(UserProfile(name: "Late"), origin: .manual) }
        _ = try await FileIdentityStore.open(folder: folder)
    }
}
