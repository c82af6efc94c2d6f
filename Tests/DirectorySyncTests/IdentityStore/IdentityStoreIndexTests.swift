@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("The store's index between runs: kept up to date by every write, handed out with the contents, equal to one built from them")
struct IdentityStoreIndexTests {
    /// An index by identifiers and keys, its slots aside.
    struct Shape: Equatable, CustomStringConvertible {
        var users: [IdentityID: IdentityUser] = [:]
        var groups: [IdentityID: IdentityGroup] = [:]
        var addresses: [String: IdentityID] = [:]
        var logins: [String: Set<IdentityID>] = [:]
        /// The login table's entries: more than the users' logins would be entries left behind.
        var loginEntries = 0
        /// The address table's entries: more than the users' addresses would be entries left behind.
        var addressEntries = 0
        var names: [String: IdentityID] = [:]
        /// Each identity's link: its source and the key of its directory object.
        var links: [IdentityID: String] = [:]

        init(_ index: IdentityStoreIndex) {
            for (id, slot) in index.userSlots {
                let user = index.users[Int(slot)]
                #expect(user?.id == id, "user slot \(slot) holds \(String(describing: user?.id)), not \(id)")
                users[id] = user
            }
            #expect(index.users.compactMap { $0 }.count == index.userSlots.count, "users in free slots")
            for (id, slot) in index.groupSlots {
                guard let group = index.groups[Int(slot)] else {
                    Issue.record("group slot \(slot) of \(id) is free")
                    continue
                }
                #expect(group.id == id)
                let members = group.members.compactMap { index.users[Int($0)]?.id } + group.extraMembers
                groups[id] = IdentityGroup(id: id, origin: group.origin, profile: group.profile, memberIDs: members)
            }
            for user in users.values {
                for key in user.profile.addressKeys { addresses[key] = index.addressHolder(key).map { index.users[Int($0)]!.id } }
                for login in user.profile.logins {
                    var holders: Set<IdentityID> = []
                    index.forEachLoginHolder(login.lowercasedKey) { holders.insert(index.users[Int($0)]!.id) }
                    logins[login.lowercasedKey] = holders
                }
            }
            loginEntries = index.loginEntryCount
            addressEntries = index.addressEntryCount
            names = index.groupNameHolders.mapValues { index.groups[Int($0)]?.id ?? IdentityID("free slot \($0)") }
            let sources = Dictionary(uniqueKeysWithValues: index.sources.map { ($0.value, $0.key) })
            func link(_ link: IdentityStoreIndex.Link) -> String { link.source < 0 ? "manual" : "\(sources[link.source].map(\.rawValue) ?? "?")/\(link.key)" }
            for (id, slot) in index.userSlots { links[id] = link(index.userLinks[Int(slot)]) }
            for (id, slot) in index.groupSlots { links[id] = link(index.groupLinks[Int(slot)]) }
            func expected(_ origin: IdentityOrigin) -> String {
                guard case .directory(let source, let externalID) = origin else { return "manual" }
                return "\(source.rawValue)/\(ObjectKey(externalID))"
            }
            for user in users.values { #expect(links[user.id] == expected(user.origin), "\(user.id)") }
            for group in groups.values { #expect(links[group.id] == expected(group.origin), "\(group.id)") }
        }

        var description: String { "\(users.count) users, \(groups.count) groups, \(addresses.count) addresses, \(logins.count) logins, \(names.count) names" }
    }

    /// Checks the index a contents value came with against one built from the contents alone.
    static func expectIndexed(_ contents: IdentityStoreContents, _ context: String) {
        #expect(contents.isIndexed, "\(context): the store hands its index out with the contents")
        let handed = Shape(contents.index)
        let built = Shape(IdentityStoreIndex(users: contents.users, groups: contents.groups))
        #expect(handed == built, "\(context): handed \(handed), built \(built)")
        #expect(handed.users.count == contents.users.count && handed.groups.count == contents.groups.count)
    }

    @Test("random writes (deletions, moved addresses and logins, renamed groups, memberships): the index equals one built from the contents", arguments: Array(UInt64(1)...8))
    func inMemory(seed: UInt64) async throws {
        let store = InMemoryIdentityStore()
        _ = try await IdentityStoreQueryTests.write(store, seed: seed)
        Self.expectIndexed(try await store.contents(), "seed \(seed)")
        // Writes after the contents were handed out leave that value's index as it was.
        let before = try await store.contents()
        let shape = Shape(before.index)
        _ = try await IdentityStoreQueryTests.write(store, seed: seed &+ 100)
        #expect(Shape(before.index) == shape)
        Self.expectIndexed(try await store.contents(), "seed \(seed), more writes")
    }

    @Test("an address two users hold (a host's store may hand such contents over): the later one holds it, the earlier once the later is gone; an email equal to an alias leaves no entry behind")
    func sharedAddress() {
        let origin = IdentityOrigin.directory(SourceID("contoso"), externalID: "x")
        let first = IdentityUser(id: IdentityID("a"), origin: .manual, profile: UserProfile(name: "A", email: "Shared@contoso.com"))
        let second = IdentityUser(id: IdentityID("b"), origin: origin, profile: UserProfile(name: "B", aliases: ["shared@CONTOSO.com"]))
        var index = IdentityStoreIndex(users: [first, second], groups: [])
        let (a, b) = (index.userSlots[first.id]!, index.userSlots[second.id]!)
        #expect(index.addressHolder("shared@contoso.com") == b)
        index.removeUser(at: b, groups: [Int32]())
        #expect(index.addressHolder("shared@contoso.com") == a)
        #expect(index.addressHolder("other@contoso.com") == nil)
        // The email and an alias with one key: one entry, gone with the user.
        let both = IdentityUser(id: IdentityID("c"), origin: .manual, profile: UserProfile(name: "C", email: "C@contoso.com", aliases: ["c@contoso.com"]))
        let c = index.insert(both)
        #expect(index.addressEntryCount == 2)
        index.removeUser(at: c, groups: [Int32]())
        index.removeUser(at: a, groups: [Int32]())
        #expect(index.addressEntryCount == 0 && index.addressHolder("c@contoso.com") == nil)
    }

    @Test("the file store hands out the index too, and a reopen that replays the log builds the same", arguments: Array(UInt64(1)...3))
    func fileStore(seed: UInt64) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("index-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        var store: FileIdentityStore? = try await FileIdentityStore.open(folder: folder)
        _ = try await IdentityStoreQueryTests.write(store!, seed: seed)
        let written = try await store!.contents()
        Self.expectIndexed(written, "seed \(seed)")
        store?.close()
        store = nil
        let reopened = try await FileIdentityStore.open(folder: folder, access: .readOnly)
        let read = try await reopened.contents()
        Self.expectIndexed(read, "seed \(seed), reopened")
        #expect(read == written)
        #expect(Shape(read.index) == Shape(written.index))
    }

    @Test("changing the users or groups of a contents value drops its index; a value built by hand builds one at first use")
    func cache() async throws {
        let store = InMemoryIdentityStore()
        let alice = try await store.createUser(UserProfile(name: "Alice", email: "alice@contoso.com"), origin: .manual)
        _ = try await store.createGroup(GroupProfile(name: "Staff"), origin: .manual)
        var contents = try await store.contents()
        #expect(contents.isIndexed)
        let copy = contents
        contents.users.append(IdentityUser(id: "x1", origin: .manual, profile: UserProfile(name: "Bob", email: "bob@contoso.com")))
        #expect(!contents.isIndexed)
        #expect(copy.isIndexed, "a copy keeps the index of its own users")
        #expect(contents.index.addressHolder("bob@contoso.com") != nil)
        #expect(contents.isIndexed)
        contents.groups[0].memberIDs = [alice.id]
        #expect(!contents.isIndexed)
        #expect(contents.index.groups.compactMap { $0 }.first?.members.count == 1)

        let byHand = IdentityStoreContents(users: copy.users, groups: copy.groups)
        #expect(!byHand.isIndexed)
        let shared = byHand
        _ = byHand.index
        #expect(byHand.isIndexed && shared.isIndexed, "copies share the index once built")
        #expect(byHand == copy, "equality ignores the index")
    }

    @Test("a store's contents make their lists only when read: a plan and the run's counts read the index; the lists are the store's, sorted; copies stay apart", arguments: Array(UInt64(1)...3))
    func listsWhenRead(seed: UInt64) async throws {
        let tenant = TenantGenerator(configuration: .init(users: 120, groups: 12, seed: seed)).generate()
        let store = InMemoryIdentityStore()
        let manual = try await store.createUser(UserProfile(name: "Manual", email: "manual@contoso.com"), origin: .manual)
        let first = try StandardSyncPlanner().plan(source: "contoso", directory: tenant.snapshot, store: try await store.contents())
        _ = try await SyncExecutor().apply(first, to: store)

        let contents = try await store.contents()
        #expect(!contents.hasLists)
        var changed = tenant
        changed.users[0].displayName = "Renamed"
        let plan = try StandardSyncPlanner().plan(source: "contoso", directory: changed.snapshot, store: contents)
        #expect(plan.operations.count == 1)
        let owned = contents.ownership(of: "contoso")
        #expect(!contents.hasLists, "planning and counting made the lists")

        let byHand = IdentityStoreContents(users: contents.users, groups: contents.groups)
        #expect(contents.hasLists)
        #expect(contents.users.map(\.id) == contents.users.map(\.id).sorted() && contents.groups.map(\.id) == contents.groups.map(\.id).sorted())
        #expect(Shape(byHand.index) == Shape(contents.index), "the lists made from the index index alike")
        let ownedUsers = Set(contents.users.filter { $0.origin.sourceID == "contoso" }.map(\.id))
        let ownedGroups = contents.groups.filter { $0.origin.sourceID == "contoso" }
        #expect(owned.users == ownedUsers.count && owned.users == tenant.users.count)
        #expect(owned.groups == Set(ownedGroups.map(\.id)) && owned.groups.count == tenant.groups.count)
        #expect(owned.memberships == ownedGroups.reduce(0) { $0 + $1.memberIDs.count(where: ownedUsers.contains) } && owned.memberships > 0)
        #expect(byHand.ownership(of: "contoso") == owned)
        #expect(contents.ownership(of: "fabrikam") == .init() && byHand.ownership(of: "fabrikam") == .init())

        var copy = try await store.contents()
        let original = copy
        copy.users.removeAll { $0.id == manual.id }
        copy.groups[0].memberIDs.append(manual.id)
        #expect(original.users.contains { $0.id == manual.id } && !original.groups[0].memberIDs.contains(manual.id), "a change to a copy reached the original")
        #expect(copy.users.count == original.users.count - 1 && copy.groups[0].memberIDs.last == manual.id)
        #expect(copy.index.userSlots[manual.id] == nil && original.index.userSlots[manual.id] != nil)
        #expect(original == (try await store.contents()))
        #expect(String(describing: original).hasPrefix("IdentityStoreContents(users: [DirectorySync.IdentityUser(id: \(manual.id), "), "a printed contents value lists its users")
    }

    @Test("copies of one store contents read from many tasks at once (lists, index, ownership) while another copy changes in place see one value")
    func concurrentReaders() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 300, groups: 20, seed: 4)).generate()
        let store = InMemoryIdentityStore()
        _ = try await SyncExecutor().apply(try StandardSyncPlanner().plan(source: "contoso", directory: tenant.snapshot, store: IdentityStoreContents()), to: store)
        let shared = try await store.contents()
        let expected = IdentityStoreContents(users: try await store.contents().users, groups: try await store.contents().groups)
        let seen = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    let copy = shared
                    switch task % 3 {
                    case 0: return copy.users == expected.users && copy.groups == expected.groups
                    case 1: return Shape(copy.index) == Shape(expected.index)
                    default: return copy.ownership(of: "contoso") == expected.ownership(of: "contoso")
                    }
                }
            }
            group.addTask {
                var changed = shared
                for index in changed.users.indices { changed.users[index].profile.name += " (changed)" }
                changed.groups.removeAll()
                return changed.users.allSatisfy { $0.profile.name.hasSuffix(" (changed)") } && changed.groups.isEmpty
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(seen.count == 9 && seen.allSatisfy { $0 })
        #expect(shared == expected, "a change in place reached a copy")
    }
}
