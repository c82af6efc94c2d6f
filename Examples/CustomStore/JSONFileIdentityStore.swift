import DirectorySync
import Foundation

/// An `IdentityStore` over a JSON file: every write rewrites the file atomically.
/// Small and slow on purpose — a host's database would use its own indexes and transactions.
actor JSONFileIdentityStore: IdentityStore {
    private let file: URL
    private var contents: IdentityStoreContents
    private var nextNumber: Int

    init(file: URL) throws {
        self.file = file
        if let data = try? Data(contentsOf: file) {
            contents = try JSONDecoder().decode(IdentityStoreContents.self, from: data)
        } else {
            contents = IdentityStoreContents()
        }
        nextNumber = contents.users.count + contents.groups.count + 1
    }

    func contents() async throws -> IdentityStoreContents { contents }

    func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try check(profile, for: nil)
        let user = IdentityUser(id: newID("user"), origin: origin, profile: profile)
        contents.users.append(user)
        try save()
        return user
    }

    func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        guard let index = contents.users.firstIndex(where: { $0.id == id }) else { throw notFound(id) }
        try check(profile, for: id)
        contents.users[index] = IdentityUser(id: id, origin: origin, profile: profile)
        try save()
        return contents.users[index]
    }

    func deleteUser(_ id: IdentityID) async throws {
        guard let index = contents.users.firstIndex(where: { $0.id == id }) else { throw notFound(id) }
        contents.users.remove(at: index)
        for group in contents.groups.indices { contents.groups[group].memberIDs.removeAll { $0 == id } }
        try save()
    }

    func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try check(profile, for: nil)
        let group = IdentityGroup(id: newID("group"), origin: origin, profile: profile)
        contents.groups.append(group)
        try save()
        return group
    }

    func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        guard let index = contents.groups.firstIndex(where: { $0.id == id }) else { throw notFound(id) }
        try check(profile, for: id)
        contents.groups[index].profile = profile
        contents.groups[index].origin = origin
        try save()
        return contents.groups[index]
    }

    func deleteGroup(_ id: IdentityID) async throws {
        guard let index = contents.groups.firstIndex(where: { $0.id == id }) else { throw notFound(id) }
        guard contents.groups[index].memberIDs.isEmpty else {
            throw IdentityStoreError(.groupNotEmpty, detail: "the group has members", identityID: id)
        }
        contents.groups.remove(at: index)
        try save()
    }

    func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        guard let index = contents.groups.firstIndex(where: { $0.id == groupID }) else { throw notFound(groupID) }
        let known = Set(contents.users.map(\.id))
        if let missing = userIDs.first(where: { !known.contains($0) }) { throw notFound(missing) }
        contents.groups[index].memberIDs = Array(Set(contents.groups[index].memberIDs).union(userIDs)).sorted()
        try save()
    }

    func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        guard let index = contents.groups.firstIndex(where: { $0.id == groupID }) else { throw notFound(groupID) }
        let removed = Set(userIDs)
        contents.groups[index].memberIDs.removeAll { removed.contains($0) }
        try save()
    }

    // MARK: The store's rules

    private func newID(_ kind: String) -> IdentityID {
        defer { nextNumber += 1 }
        return IdentityID("\(kind)-\(nextNumber)")
    }

    private func notFound(_ id: IdentityID) -> IdentityStoreError {
        IdentityStoreError(.notFound, detail: "nothing has the identifier \(id)", identityID: id)
    }

    private func check(_ profile: UserProfile, for id: IdentityID?) throws {
        guard !profile.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw IdentityStoreError(.invalidValue, detail: "a user needs a name")
        }
        let keys = profile.addressKeys
        guard Set(keys).count == keys.count else { throw IdentityStoreError(.invalidValue, detail: "an address is listed twice") }
        for user in contents.users where user.id != id {
            if let clash = user.profile.addressKeys.first(where: keys.contains) {
                throw IdentityStoreError(.addressInUse, detail: "\(clash) is used", identityID: id, conflictingIdentityID: user.id)
            }
        }
    }

    private func check(_ profile: GroupProfile, for id: IdentityID?) throws {
        guard !profile.name.isEmpty else { throw IdentityStoreError(.invalidValue, detail: "a group needs a name") }
        if let clash = contents.groups.first(where: { $0.id != id && $0.profile.name.lowercased() == profile.name.lowercased() }) {
            throw IdentityStoreError(.groupNameInUse, detail: "\(profile.name) is used", identityID: id, conflictingIdentityID: clash.id)
        }
    }

    private func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(contents).write(to: file, options: .atomic)
    }
}
