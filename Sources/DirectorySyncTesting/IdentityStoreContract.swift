import DirectorySync

/// The rules every ``DirectorySync/IdentityStore`` must keep, as checks a host can run against its own store.
///
/// Each check starts from an **empty** store. Run them from any test framework:
/// ```swift
/// @Test(arguments: IdentityStoreContract.checks)
/// func myStoreKeepsTheContract(_ check: IdentityStoreContract.Check) async throws {
///     try await check.run(on: MyDatabaseStore(emptyDatabase()))
/// }
/// ```
public enum IdentityStoreContract {
    /// One named rule.
    public struct Check: Sendable, CustomStringConvertible {
        /// The rule's name.
        public let name: String
        private let body: @Sendable (any IdentityStore, Expectation) async throws -> Void

        init(_ name: String, _ body: @escaping @Sendable (any IdentityStore, Expectation) async throws -> Void) {
            self.name = name
            self.body = body
        }

        /// Runs the check on an empty store.
        /// - Parameter store: An empty store.
        /// - Throws: ``ContractViolation`` when the store breaks the rule, or the store's error.
        public func run(on store: any IdentityStore) async throws { try await body(store, Expectation(check: name)) }

        /// The rule's name.
        public var description: String { name }
    }

    private static let sourceA: SourceID = "contract-a"

    private static func profile(_ name: String, _ email: String?, aliases: [String] = []) -> UserProfile {
        UserProfile(name: name, firstName: name, lastName: "Test", email: email, aliases: aliases, logins: ["\(name)@login"])
    }

    /// Every check.
    public static let checks: [Check] = [
        Check("a created user reads back with its attributes and origin") { store, expect in
            let origin = IdentityOrigin.directory(sourceA, externalID: "00000000-0000-0000-0000-000000000001")
            let profile = UserProfile(
                name: "Zoë O'Brien", firstName: "Zoë", lastName: "O'Brien", email: "Zoe.OBrien@contoso.com",
                aliases: ["zoe@contoso.com"], logins: ["CORP\\zobrien"], isEnabled: false)
            let created = try await store.createUser(profile, origin: origin)
            let manual = try await store.createUser(Self.profile("manual", "manual@contoso.com"), origin: .manual)
            let contents = try await store.contents()
            let read = contents.users.first { $0.id == created.id }
            try expect.that(read?.profile == profile, "read back \(String(describing: read?.profile)), created \(profile)")
            try expect.that(read?.origin == origin, "origin read back as \(String(describing: read?.origin))")
            try expect.that(contents.users.first { $0.id == manual.id }?.origin == .manual, "manual origin not kept")
            try expect.that(created.id != manual.id, "two users got the same identifier")
        },
        Check("emails are unique, ignoring case") { store, expect in
            _ = try await store.createUser(profile("a", "Same@Contoso.com"), origin: .manual)
            try await expect.fails(with: .addressInUse, "creating a second user with the same email in other case") {
                try await store.createUser(profile("b", "same@contoso.COM"), origin: .manual)
            }
        },
        Check("aliases and emails share one namespace") { store, expect in
            _ = try await store.createUser(profile("a", "a@contoso.com", aliases: ["shared@contoso.com"]), origin: .manual)
            try await expect.fails(with: .addressInUse, "creating a user whose email is another's alias") {
                try await store.createUser(profile("b", "SHARED@contoso.com"), origin: .manual)
            }
            try await expect.fails(with: .addressInUse, "creating a user whose alias is another's email") {
                try await store.createUser(profile("c", "c@contoso.com", aliases: ["A@contoso.com"]), origin: .manual)
            }
        },
        Check("an update may keep its own addresses but not take another's") { store, expect in
            let a = try await store.createUser(profile("a", "a@contoso.com"), origin: .manual)
            _ = try await store.createUser(profile("b", "b@contoso.com"), origin: .manual)
            var changed = a.profile
            changed.name = "a renamed"
            changed.email = "A@contoso.com"
            let updated = try await store.updateUser(a.id, profile: changed, origin: .manual)
            try expect.that(updated.profile == changed, "update returned \(updated.profile)")
            changed.email = "b@contoso.com"
            try await expect.fails(with: .addressInUse, "updating a user to another user's email") {
                try await store.updateUser(a.id, profile: changed, origin: .manual)
            }
            let read = try await store.contents().users.first { $0.id == a.id }
            try expect.that(read?.profile.email == "A@contoso.com", "a failed update changed the user")
        },
        Check("freed addresses can be taken") { store, expect in
            let a = try await store.createUser(profile("a", "a@contoso.com", aliases: ["x@contoso.com"]), origin: .manual)
            var changed = a.profile
            changed.email = nil
            changed.aliases = []
            _ = try await store.updateUser(a.id, profile: changed, origin: .manual)
            let b = try await store.createUser(profile("b", "a@contoso.com", aliases: ["x@contoso.com"]), origin: .manual)
            try await store.deleteUser(b.id)
            _ = try await store.createUser(profile("c", "a@contoso.com"), origin: .manual)
        },
        Check("group names are unique, ignoring case") { store, expect in
            let sales = try await store.createGroup(GroupProfile(name: "Sales", description: "d"), origin: .manual)
            try await expect.fails(with: .groupNameInUse, "creating a second group named SALES") {
                try await store.createGroup(GroupProfile(name: "SALES"), origin: .manual)
            }
            let other = try await store.createGroup(GroupProfile(name: "Other"), origin: .manual)
            try await expect.fails(with: .groupNameInUse, "renaming a group to another's name") {
                try await store.updateGroup(other.id, profile: GroupProfile(name: "sales"), origin: .manual)
            }
            let renamed = try await store.updateGroup(sales.id, profile: GroupProfile(name: "sAles"), origin: .manual)
            try expect.that(renamed.profile.name == "sAles", "a group could not change the case of its own name")
        },
        Check("unknown identifiers are not found") { store, expect in
            let missing = IdentityID("does-not-exist")
            let user = try await store.createUser(profile("a", "a@contoso.com"), origin: .manual)
            let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
            try await expect.fails(with: .notFound, "updating an unknown user") {
                try await store.updateUser(missing, profile: profile("x", nil), origin: .manual)
            }
            try await expect.fails(with: .notFound, "deleting an unknown user") { try await store.deleteUser(missing) }
            try await expect.fails(with: .notFound, "updating an unknown group") {
                try await store.updateGroup(missing, profile: GroupProfile(name: "x"), origin: .manual)
            }
            try await expect.fails(with: .notFound, "deleting an unknown group") { try await store.deleteGroup(missing) }
            try await expect.fails(with: .notFound, "adding to an unknown group") {
                try await store.addMembers([user.id], to: missing)
            }
            try await expect.fails(with: .notFound, "adding an unknown user") {
                try await store.addMembers([user.id, missing], to: group.id)
            }
            let members = try await store.contents().groups.first { $0.id == group.id }?.memberIDs
            try expect.that(members == [], "a failed add left members \(String(describing: members))")
        },
        Check("only empty groups can be deleted") { store, expect in
            let user = try await store.createUser(profile("a", "a@contoso.com"), origin: .manual)
            let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
            try await store.addMembers([user.id], to: group.id)
            try await expect.fails(with: .groupNotEmpty, "deleting a group with a member") { try await store.deleteGroup(group.id) }
            try await store.removeMembers([user.id], from: group.id)
            try await store.deleteGroup(group.id)
            let groups = try await store.contents().groups
            try expect.that(groups.isEmpty, "the deleted group is still there")
            _ = try await store.createGroup(GroupProfile(name: "g"), origin: .manual)
        },
        Check("deleting a user removes its memberships") { store, expect in
            let a = try await store.createUser(profile("a", "a@contoso.com"), origin: .manual)
            let b = try await store.createUser(profile("b", "b@contoso.com"), origin: .manual)
            let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
            try await store.addMembers([a.id, b.id], to: group.id)
            try await store.deleteUser(a.id)
            let members = try await store.contents().groups.first { $0.id == group.id }?.memberIDs
            try expect.that(members == [b.id], "members after deleting a: \(String(describing: members))")
        },
        Check("membership changes are idempotent") { store, expect in
            let a = try await store.createUser(profile("a", "a@contoso.com"), origin: .manual)
            let b = try await store.createUser(profile("b", "b@contoso.com"), origin: .manual)
            let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
            try await store.addMembers([a.id], to: group.id)
            try await store.addMembers([a.id, b.id], to: group.id)
            try await store.removeMembers([b.id], from: group.id)
            try await store.removeMembers([b.id], from: group.id)
            let members = try await store.contents().groups.first { $0.id == group.id }?.memberIDs
            try expect.that(members == [a.id], "members: \(String(describing: members)), expected [\(a.id)]")
        },
        Check("updating a group keeps its members and changes its origin") { store, expect in
            let a = try await store.createUser(profile("a", "a@contoso.com"), origin: .manual)
            let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
            try await store.addMembers([a.id], to: group.id)
            let origin = IdentityOrigin.directory(sourceA, externalID: "g-1")
            _ = try await store.updateGroup(group.id, profile: GroupProfile(name: "G2", description: "now synced"), origin: origin)
            let read = try await store.contents().groups.first { $0.id == group.id }
            try expect.that(read?.memberIDs == [a.id], "members after update: \(String(describing: read?.memberIDs))")
            try expect.that(read?.origin == origin, "origin after update: \(String(describing: read?.origin))")
            // The contents say what the store holds: a description is kept exactly when it holds one.
            if try await store.contents().capabilities.groupDescriptions {
                try expect.that(read?.profile.description == "now synced", "description not updated")
            } else {
                try expect.that(read?.profile.description == nil, "the store says it holds no group description, yet returned one")
            }
        },
        Check("a query answered from indexes reads exactly the identities its keys name, after writes that move the keys") { store, expect in
            let sourceB: SourceID = "contract-b"
            let linked = try await store.createUser(
                UserProfile(name: "Linked", email: "Linked@Contoso.com", aliases: ["l2@contoso.com"], logins: ["CORP\\Linked"]),
                origin: .directory(sourceA, externalID: "AAAA-1"))
            let other = try await store.createUser(profile("other", "other@contoso.com"), origin: .directory(sourceB, externalID: "aaaa-1"))
            let manual = try await store.createUser(profile("manual", "manual@contoso.com"), origin: .manual)
            let moved = try await store.createUser(profile("moved", "old@contoso.com"), origin: .directory(sourceA, externalID: "bbbb-2"))
            let gone = try await store.createUser(profile("gone", "gone@contoso.com"), origin: .directory(sourceA, externalID: "cccc-3"))
            let group = try await store.createGroup(GroupProfile(name: "Staff"), origin: .directory(sourceA, externalID: "GGGG-1"))
            let renamed = try await store.createGroup(GroupProfile(name: "Old name"), origin: .manual)
            let deleted = try await store.createGroup(GroupProfile(name: "Deleted"), origin: .directory(sourceA, externalID: "gggg-2"))
            try await store.addMembers([linked.id, manual.id, gone.id], to: group.id)
            try await store.addMembers([moved.id], to: renamed.id)
            // Keys move: a new email and login and a new link, a deleted user, a renamed and a deleted group.
            _ = try await store.updateUser(
                moved.id, profile: UserProfile(name: "moved", email: "new@contoso.com", logins: ["moved@new"]), origin: .directory(sourceA, externalID: "dddd-4"))
            try await store.deleteUser(gone.id)
            _ = try await store.updateGroup(renamed.id, profile: GroupProfile(name: "New name"), origin: .manual)
            try await store.deleteGroup(deleted.id)
            let queries: [IdentityStoreQuery] = [
                IdentityStoreQuery(source: sourceA, addresses: ["LINKED@contoso.com", "l2@CONTOSO.com", "old@contoso.com", "new@contoso.com", "gone@contoso.com"]),
                IdentityStoreQuery(source: sourceA, logins: ["corp\\linked", "moved@login", "moved@new", "manual@login"]),
                IdentityStoreQuery(source: sourceA, externalIDs: ["aaaa-1", "BBBB-2", "dddd-4", "cccc-3", "gggg-1", "gggg-2"]),
                IdentityStoreQuery(source: sourceB, externalIDs: ["AAAA-1"]),
                IdentityStoreQuery(source: sourceA, ids: [linked.id, gone.id, group.id, deleted.id, IdentityID("nobody")]),
                IdentityStoreQuery(source: sourceA, groupNames: ["staff", "OLD NAME", "new name", "deleted"]),
                IdentityStoreQuery(source: sourceA, groupsOf: [manual.id, moved.id, gone.id, other.id]),
                IdentityStoreQuery(source: sourceA),
            ]
            func normalized(_ contents: IdentityStoreContents) -> IdentityStoreContents {
                var contents = contents
                contents.groups = contents.groups.map { group in
                    var group = group
                    group.memberIDs.sort()
                    return group
                }
                return contents
            }
            let all = try await store.contents()
            for query in queries {
                // A store without indexes says so; callers then read its contents.
                guard let answer = try await store.identities(query) else { continue }
                let found = normalized(answer)
                let expected = normalized(all.matching(query))
                try expect.that(found == expected, "\(query) read \(found.users.map(\.id)) and \(found.groups.map(\.id)), expected \(expected.users.map(\.id)) and \(expected.groups.map(\.id))")
            }
            // The reference itself: what each key names.
            let byAddress = all.matching(queries[0]).users.map(\.id)
            try expect.that(Set(byAddress) == [linked.id, moved.id], "addresses name \(byAddress)")
            let byLink = all.matching(queries[2])
            try expect.that(Set(byLink.users.map(\.id)) == [linked.id, moved.id] && byLink.groups.map(\.id) == [group.id], "links name \(byLink.users.map(\.id)), \(byLink.groups.map(\.id))")
            let byMembership = all.matching(queries[6]).groups.map(\.id)
            try expect.that(Set(byMembership) == [group.id, renamed.id], "memberships name \(byMembership)")
        },
        Check("invalid values are refused") { store, expect in
            try await expect.fails(with: .invalidValue, "a user without a name") {
                try await store.createUser(UserProfile(name: " "), origin: .manual)
            }
            try await expect.fails(with: .invalidValue, "a group without a name") {
                try await store.createGroup(GroupProfile(name: ""), origin: .manual)
            }
            let contents = try await store.contents()
            try expect.that(contents.users.isEmpty && contents.groups.isEmpty, "a refused write left something behind")
        },
    ]
}
