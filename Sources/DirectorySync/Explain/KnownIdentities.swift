/// The part of the store an ``ExcerptGatherer`` has read, a query at a time, with the lookups it
/// needs over it. Every lookup answers for the keys loaded before it: a user, once read, comes
/// whole, so the holder of an address it has is known; whether nobody holds an address is only
/// known after that address was queried — the gatherer loads every key before it looks it up.
struct KnownIdentities {
    let source: SourceID
    private let read: @Sendable (IdentityStoreQuery) async throws -> IdentityStoreContents?
    private let whole: @Sendable () async throws -> IdentityStoreContents
    /// The whole store, once read for a store without indexes; later queries look here.
    private var snapshot: IdentityStoreContents?
    private var users: [IdentityID: IdentityUser] = [:]
    private var groups: [IdentityID: IdentityGroup] = [:]
    private var capabilities = IdentityStoreCapabilities.all
    /// Keys already queried, so each is read once.
    private var asked: Set<Asked> = []

    private enum Asked: Hashable {
        case id(IdentityID), address(String), login(String), externalID(String), groupName(String), groupsOf(IdentityID)
    }

    /// - Parameters:
    ///   - source: The source.
    ///   - read: The store's ``IdentityStore/identities(_:)``.
    ///   - whole: The store's ``IdentityStore/contents()``, read once when `read` answers `nil`.
    init(
        source: SourceID, read: @escaping @Sendable (IdentityStoreQuery) async throws -> IdentityStoreContents?,
        whole: @escaping @Sendable () async throws -> IdentityStoreContents
    ) {
        self.source = source
        self.read = read
        self.whole = whole
    }

    /// Reads what `query` names that was not read before.
    mutating func load(_ query: IdentityStoreQuery) async throws {
        let fresh = IdentityStoreQuery(
            source: source, ids: query.ids.filter { asked.insert(.id($0)).inserted },
            addresses: query.addresses.filter { asked.insert(.address($0)).inserted }, logins: query.logins.filter { asked.insert(.login($0)).inserted },
            externalIDs: query.externalIDs.filter { asked.insert(.externalID($0)).inserted },
            groupNames: query.groupNames.filter { asked.insert(.groupName($0)).inserted }, groupsOf: query.groupsOf.filter { asked.insert(.groupsOf($0)).inserted })
        guard !fresh.isEmpty else { return }
        let found: IdentityStoreContents
        if let snapshot {
            found = snapshot.matching(fresh)
        } else if let answer = try await read(fresh) {
            found = answer
        } else {
            let contents = try await whole()
            snapshot = contents
            found = contents.matching(fresh)
        }
        capabilities = found.capabilities
        for user in found.users { users[user.id] = user }
        for group in found.groups { groups[group.id] = group }
    }

    /// The user holding an address (email or alias).
    func holder(of address: String) -> IdentityUser? {
        let key = address.lowercasedKey
        return users.values.first { $0.profile.addressKeys.contains(key) }
    }

    /// The manual user whose primary email this is.
    func manual(email: String) -> IdentityUser? {
        guard let holder = holder(of: email), holder.origin == .manual, holder.profile.email?.lowercasedKey == email.lowercasedKey else { return nil }
        return holder
    }

    /// The manual users with this login.
    func manual(login: String) -> [IdentityUser] {
        let key = login.lowercasedKey
        return users.values.filter { $0.origin == .manual && $0.profile.logins.contains { $0.lowercasedKey == key } }.sorted { $0.id < $1.id }
    }

    /// The source's users linked to a directory object (as every store matches links: the
    /// source, the directory id ignoring case), by identifier.
    func linkedUsers(_ externalID: String) -> [IdentityUser] {
        let link = IdentityStoreQuery(source: source, externalIDs: [externalID])
        return users.values.filter { link.links($0.origin) }.sorted { $0.id < $1.id }
    }

    /// The source's groups linked to a directory object, by identifier.
    func linkedGroups(_ externalID: String) -> [IdentityGroup] {
        let link = IdentityStoreQuery(source: source, externalIDs: [externalID])
        return groups.values.filter { link.links($0.origin) }.sorted { $0.id < $1.id }
    }

    /// The group with this name.
    func group(named name: String) -> IdentityGroup? {
        let key = name.lowercasedKey
        return groups.values.first { $0.profile.name.lowercasedKey == key }
    }

    /// The source's users read so far, by identifier.
    var sourceUsers: [IdentityUser] { users.values.filter { $0.origin.sourceID == source }.sorted { $0.id < $1.id } }

    /// The source's groups read so far, by identifier.
    var sourceGroups: [IdentityGroup] { groups.values.filter { $0.origin.sourceID == source }.sorted { $0.id < $1.id } }

    /// The users and groups with these identifiers, as contents.
    func contents(users wanted: Set<IdentityID>, groups wantedGroups: Set<IdentityID>) -> IdentityStoreContents {
        IdentityStoreContents(
            users: wanted.compactMap { users[$0] }, groups: wantedGroups.compactMap { groups[$0] }, capabilities: capabilities)
    }
}
