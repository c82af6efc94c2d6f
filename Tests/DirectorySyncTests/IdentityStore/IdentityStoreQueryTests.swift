import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("IdentityStore.identities(_:): answered from indexes, equal to matching(_:) — also after a reopen that replays the log")
struct IdentityStoreQueryTests {
    /// Random writes that move every kind of key: emails, aliases and logins in mixed case, links
    /// to directory objects of two sources, group names, memberships, deletions.
    static func write(_ store: any IdentityStore, seed: UInt64) async throws -> [IdentityStoreQuery] {
        var random = SeededRandomNumberGenerator(seed: seed)
        let sources: [SourceID] = ["a", "b"]
        func origin() -> IdentityOrigin {
            Int.random(in: 0..<3, using: &random) == 0 ? .manual : .directory(sources.randomElement(using: &random)!, externalID: "Ext-\(Int.random(in: 0..<12, using: &random))")
        }
        func address(_ n: Int) -> String { Bool.random(using: &random) ? "User\(n)@Contoso.com" : "user\(n)@contoso.com" }
        var users: [IdentityID] = []
        var groups: [IdentityID] = []
        for step in 0..<120 {
            switch Int.random(in: 0..<8, using: &random) {
            case 0, 1:
                let n = Int.random(in: 0..<40, using: &random)
                let profile = UserProfile(name: "u\(step)", email: address(n), aliases: Bool.random(using: &random) ? ["alias\(n)@contoso.com"] : [], logins: ["CORP\\U\(n % 9)"])
                if let user = try? await store.createUser(profile, origin: origin()) { users.append(user.id) }
            case 2 where !users.isEmpty:
                let id = users.randomElement(using: &random)!
                let n = Int.random(in: 40..<80, using: &random)
                _ = try? await store.updateUser(id, profile: UserProfile(name: "moved", email: address(n), logins: ["login\(n % 5)"]), origin: origin())
            case 3 where !users.isEmpty:
                let id = users.remove(at: Int.random(in: 0..<users.count, using: &random))
                try? await store.deleteUser(id)
            case 4:
                if let group = try? await store.createGroup(GroupProfile(name: "Group \(Int.random(in: 0..<15, using: &random))"), origin: origin()) { groups.append(group.id) }
            case 5 where !groups.isEmpty:
                let id = groups.randomElement(using: &random)!
                _ = try? await store.updateGroup(id, profile: GroupProfile(name: "GROUP \(Int.random(in: 0..<15, using: &random))"), origin: origin())
            case 6 where !groups.isEmpty && !users.isEmpty:
                try? await store.addMembers(Array(users.shuffled(using: &random).prefix(3)), to: groups.randomElement(using: &random)!)
            case 7 where !groups.isEmpty && !users.isEmpty:
                try? await store.removeMembers([users.randomElement(using: &random)!], from: groups.randomElement(using: &random)!)
            default:
                if !groups.isEmpty, Int.random(in: 0..<4, using: &random) == 0 {
                    let id = groups.remove(at: Int.random(in: 0..<groups.count, using: &random))
                    if (try? await store.deleteGroup(id)) == nil { groups.append(id) }
                }
            }
        }
        return (0..<40).map { _ in
            IdentityStoreQuery(
                source: sources.randomElement(using: &random)!,
                ids: Set((0..<2).map { _ in IdentityID(Bool.random(using: &random) ? "u\(Int.random(in: 1..<60, using: &random))" : "g\(Int.random(in: 1..<30, using: &random))") }),
                addresses: Set((0..<3).map { _ in address(Int.random(in: 0..<80, using: &random)) } + ["ALIAS\(Int.random(in: 0..<40, using: &random))@contoso.com"]),
                logins: ["corp\\u\(Int.random(in: 0..<9, using: &random))", "LOGIN\(Int.random(in: 0..<5, using: &random))"],
                externalIDs: ["ext-\(Int.random(in: 0..<12, using: &random))"], groupNames: ["group \(Int.random(in: 0..<15, using: &random))"],
                groupsOf: Set(users.shuffled(using: &random).prefix(2)))
        }
    }

    static func sorted(_ contents: IdentityStoreContents) -> IdentityStoreContents {
        var contents = contents
        contents.groups = contents.groups.map { group in
            var group = group
            group.memberIDs.sort()
            return group
        }
        return contents
    }

    static func expectAnswers(_ store: any IdentityStore, _ queries: [IdentityStoreQuery], sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let all = try await store.contents()
        var found = 0
        for query in queries {
            let answer = try #require(try await store.identities(query), "an indexed store answers", sourceLocation: sourceLocation)
            #expect(sorted(answer) == sorted(all.matching(query)), "\(query)", sourceLocation: sourceLocation)
            found += answer.users.count + answer.groups.count
        }
        #expect(found > queries.count, "the queries name identities the writes left", sourceLocation: sourceLocation)
    }

    @Test("the in-memory store answers as matching(_:) after seeded random writes", arguments: [1, 2, 3, 4] as [UInt64])
    func inMemory(seed: UInt64) async throws {
        let store = InMemoryIdentityStore()
        try await Self.expectAnswers(store, try await Self.write(store, seed: seed))
    }

    @Test("the file store answers as matching(_:) after seeded random writes, after a reopen (its log replayed) and after a compaction", arguments: [5, 6, 7] as [UInt64])
    func fileReopened(seed: UInt64) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("query-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await FileIdentityStore.open(folder: folder)
        let queries = try await Self.write(store, seed: seed)
        try await Self.expectAnswers(store, queries)
        store.close()
        let reopened = try await FileIdentityStore.open(folder: folder)
        try await Self.expectAnswers(reopened, queries)
        try await reopened.compact()
        reopened.close()
        try await Self.expectAnswers(try await FileIdentityStore.open(folder: folder), queries)
    }

    @Test("a store without indexes answers nil: explain reads its contents once, not once per query")
    func storeWithoutIndexes() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 40, groups: 6, seed: 11, domain: "contoso.com")).generate()
        let base = InMemoryIdentityStore()
        let store = CountingStore(base: base)
        let connector = InMemoryDirectoryConnector()
        let clientID = "00000000-0000-4000-8000-000000000011"
        connector.register(tenant: "contoso.com", clientID: clientID, secret: "s3cret-value", domains: ["contoso.com"],
                           directory: InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups))
        let service = try await DirectoryService.open(store: store, state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector)
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, SourceCredentials(clientID: clientID, tenant: "contoso.com"), secret: "s3cret-value")
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        _ = try await service.synchronize(source.id)
        let before = store.reads.withLock { $0 }
        let user = try #require(tenant.users.first { $0.primaryEmail != nil })
        let explained = try await service.explain(source.id, user: user.primaryEmail!)
        #expect(explained.first?.correlation.identityID != nil)
        #expect(store.reads.withLock { $0 } - before == 1, "one whole read for the explanation")
        // An identifier in another case names the same identity (identifiers are compared ignoring case).
        let id = try #require(explained.first?.correlation.identityID)
        let byID = try await service.explain(source.id, user: id.rawValue.uppercased())
        #expect(byID.first?.correlation.identityID == id)
    }
}

/// A store without indexes (``IdentityStore/identities(_:)`` is the default `nil`) that counts whole reads.
private struct CountingStore: IdentityStore {
    let base: InMemoryIdentityStore
    let reads = Locked(0)
    func contents() async throws -> IdentityStoreContents {
        reads.withLock { $0 += 1 }
        return try await base.contents()
    }
    func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser { try await base.createUser(profile, origin: origin) }
    func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser { try await base.updateUser(id, profile: profile, origin: origin) }
    func deleteUser(_ id: IdentityID) async throws { try await base.deleteUser(id) }
    func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup { try await base.createGroup(profile, origin: origin) }
    func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup { try await base.updateGroup(id, profile: profile, origin: origin) }
    func deleteGroup(_ id: IdentityID) async throws { try await base.deleteGroup(id) }
    func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws { try await base.addMembers(userIDs, to: groupID) }
    func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws { try await base.removeMembers(userIDs, from: groupID) }
}
