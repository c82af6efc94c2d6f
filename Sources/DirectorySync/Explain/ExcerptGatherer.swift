/// Reads the excerpt one object's fate depends on, round by round, until nothing new is named:
/// the directory users that share an address with a gathered user (duplicates, dropped aliases),
/// those linked to the store identities holding its addresses (released or kept), those that could
/// claim the same manual identity, and the users that want an address its identity holds now.
/// Each lookup also brings the groups that contain the users named.
///
/// The store is read the same way, a few identities at a time by their keys
/// (``IdentityStore/identities(_:)``, through ``KnownIdentities``), never whole: one user's
/// explanation costs what it reads, not what the store holds.
struct ExcerptGatherer {
    /// Rounds of lookups at most (each after the first follows what the previous one found).
    static let maximumRounds = 6
    /// Directory users gathered at most.
    static let maximumUsers = 64

    let source: SourceID
    let provider: any DirectoryProvider
    /// What was read of the store so far.
    private var known: KnownIdentities

    /// Creates a gatherer.
    /// - Parameters:
    ///   - source: The source.
    ///   - provider: Reads the directory.
    ///   - read: Reads the identities a query names (the store's ``IdentityStore/identities(_:)``,
    ///     under the store lock or inside it); `nil` from a store without indexes.
    ///   - whole: Reads the whole store, once, when `read` answers `nil`.
    init(
        source: SourceID, provider: any DirectoryProvider, read: @escaping @Sendable (IdentityStoreQuery) async throws -> IdentityStoreContents?,
        whole: @escaping @Sendable () async throws -> IdentityStoreContents
    ) {
        self.source = source
        self.provider = provider
        known = KnownIdentities(source: source, read: read, whole: whole)
    }

    /// The identities a plan for the excerpt's focused objects can read: those linked to what the
    /// excerpt holds or decides, those holding an address or a name it claims, the manual ones it
    /// could adopt, the source's groups its focused users are members of, and every member of a
    /// group it decides. Planning with the rest left out gives the same plan for the focused
    /// objects (seeded property tests hold explain to the whole plan) at the cost of what the
    /// excerpt holds, not of what the store holds.
    mutating func relevantContents(to excerpt: DirectoryExcerpt, focus: Set<String>) async throws -> IdentityStoreContents {
        let directoryIDs = excerpt.users.map(\.id) + excerpt.groups.map(\.id) + focus
        try await known.load(IdentityStoreQuery(
            source: source, addresses: Set(excerpt.users.flatMap(\.addresses)), logins: Set(excerpt.users.flatMap(\.loginMatchKeys)),
            externalIDs: Set(directoryIDs), groupNames: Set(excerpt.groups.map(\.displayName))))
        var users: Set<IdentityID> = []
        var groups: Set<IdentityID> = []
        for id in directoryIDs {
            users.formUnion(known.linkedUsers(id).map(\.id))
            groups.formUnion(known.linkedGroups(id).map(\.id))
        }
        for user in excerpt.users {
            for address in user.addresses {
                if let holder = known.holder(of: address) { users.insert(holder.id) }
                if let manual = known.manual(email: address) { users.insert(manual.id) }
            }
            for login in user.loginMatchKeys { known.manual(login: login).forEach { users.insert($0.id) } }
        }
        for group in excerpt.groups {
            if let holder = known.group(named: group.displayName) { groups.insert(holder.id) }
        }
        // The source's groups the focused users are members of, and the members of decided groups.
        let focused = Set(focus.flatMap { known.linkedUsers($0).map(\.id) })
        try await known.load(IdentityStoreQuery(source: source, groupsOf: focused))
        var members: Set<IdentityID> = []
        for group in known.sourceGroups {
            let decided = group.origin.externalID.map(focus.contains) ?? false
            guard decided || (!focused.isEmpty && group.memberIDs.contains(where: focused.contains)) else { continue }
            groups.insert(group.id)
            if decided { members.formUnion(group.memberIDs) }
        }
        try await known.load(IdentityStoreQuery(source: source, ids: members))
        users.formUnion(members)
        return known.contents(users: users, groups: groups)
    }

    /// Gathers around the users `key` names; when it names none in the directory, around the
    /// source's identities it names in the store (by id, email, alias or login), whose directory
    /// objects may have been deleted or renamed.
    mutating func gatherUsers(named key: String) async throws -> (excerpt: DirectoryExcerpt, targets: [String], missing: [String], focus: Set<String>, complete: Bool) {
        var excerpt = DirectoryExcerpt()
        // Users a key named (their groups were read with them), and groups read whole.
        var focus: Set<String> = []
        func note(_ part: DirectoryExcerpt, _ keys: [String]) {
            for user in part.users where keys.contains(where: { DirectoryLookup.key($0, names: user) }) { focus.insert(user.id) }
        }
        var asked: Set<String> = []
        var pending = [key]
        var rounds = 0
        var targets: [String] = []
        var missing: [String] = []
        while rounds < Self.maximumRounds, excerpt.users.count < Self.maximumUsers {
            let batch = pending.filter { !$0.trimmed.isEmpty && asked.insert($0.trimmed.lowercasedKey).inserted }
            pending = []
            guard !batch.isEmpty else { break }
            let part = try await provider.lookUp(DirectoryLookup(users: batch))
            excerpt.merge(part)
            note(part, batch)
            rounds += 1
            // A linked identity's directory id that names nobody: the object is gone, and the
            // identity's fate (and the addresses it frees) is decided.
            try await known.load(IdentityStoreQuery(source: source, externalIDs: Set(batch.map(\.trimmed))))
            for id in batch.map(\.trimmed) {
                guard let identity = known.linkedUsers(id).first, !part.users.contains(where: { $0.id.lowercasedKey == id.lowercasedKey }) else { continue }
                focus.insert(identity.origin.externalID ?? id)
            }
            if rounds == 1 {
                targets = part.users.filter { DirectoryLookup.key(key, names: $0) }.map(\.id)
                if targets.isEmpty {
                    // Not in the directory: perhaps the key names a synchronized identity whose object is gone.
                    let links = try await storeLinks(named: key)
                    let found = links.isEmpty ? DirectoryExcerpt() : try await provider.lookUp(DirectoryLookup(users: links))
                    excerpt.merge(found)
                    note(found, links)
                    links.forEach { asked.insert($0.lowercasedKey) }
                    targets = found.users.filter { user in links.contains { $0.lowercasedKey == user.id.lowercasedKey } }.map(\.id)
                    missing = links.filter { link in !targets.contains { $0.lowercasedKey == link.lowercasedKey } }
                    if targets.isEmpty && missing.isEmpty { break }
                }
            }
            for user in excerpt.users { pending += try await related(to: user) }
            try await known.load(IdentityStoreQuery(source: source, externalIDs: Set(missing)))
            for id in missing { pending += known.linkedUsers(id).flatMap(\.profile.addressKeys) }
        }
        let open = pending.contains { !$0.trimmed.isEmpty && !asked.contains($0.trimmed.lowercasedKey) }
        // The groups of the same names as the users' groups, and the source's groups the users are
        // members of in the store, without their members: whether a name is held twice in the
        // directory (a whole run then leaves the group alone), and the groups the users left.
        var names = excerpt.groups.map(\.displayName)
        let identities = Set(focus.flatMap { known.linkedUsers($0).map(\.id) })
        try await known.load(IdentityStoreQuery(source: source, groupsOf: identities))
        for group in known.sourceGroups where group.memberIDs.contains(where: identities.contains) {
            names.append(group.profile.name)
        }
        if !names.isEmpty { excerpt.merge(try await provider.lookUp(DirectoryLookup(groupNames: names))) }
        // The groups whose names the users' groups would take: read whole, so a name they give
        // up in the same run is known to be free.
        var askedGroups: Set<String> = []
        for _ in 0..<3 {
            let holders = try await nameHolders(of: excerpt.groups).filter { askedGroups.insert($0.lowercasedKey).inserted }
            guard !holders.isEmpty else { break }
            excerpt.merge(try await provider.lookUp(DirectoryLookup(groups: holders)))
            // Read whole, or gone: either way the excerpt decides them (a deleted holder gives its name up).
            focus.formUnion(holders)
        }
        let unread = try await nameHolders(of: excerpt.groups).contains { !askedGroups.contains($0.lowercasedKey) }
        return (excerpt, targets, missing, focus.union(missing), !open && !unread)
    }

    /// The directory ids of the source's store groups that hold the names of these groups, other
    /// than the groups' own identities.
    private mutating func nameHolders(of groups: [DirectoryGroup]) async throws -> [String] {
        try await known.load(IdentityStoreQuery(source: source, groupNames: Set(groups.map(\.displayName))))
        var holders: [String] = []
        for group in groups {
            guard let holder = known.group(named: group.displayName), holder.origin.sourceID == source,
                let externalID = holder.origin.externalID, externalID.lowercasedKey != group.id.lowercasedKey
            else { continue }
            holders.append(externalID)
        }
        return holders
    }

    /// Gathers the groups `key` names, every group of the same name (duplicates in the source), and
    /// the groups linked to store groups holding that name (`holders`: their directory ids, read
    /// whole or gone, so the excerpt decides them).
    mutating func gatherGroups(named key: String) async throws -> (excerpt: DirectoryExcerpt, targets: [String], missing: [String], holders: [String]) {
        var excerpt = try await provider.lookUp(DirectoryLookup(groups: [key]))
        var targets = excerpt.groups.filter { DirectoryLookup.key(key, names: $0) }.map(\.id)
        var missing: [String] = []
        if targets.isEmpty {
            try await known.load(IdentityStoreQuery(source: source, ids: [IdentityID(key)], externalIDs: [key], groupNames: [key]))
            let links = known.sourceGroups.filter { group in
                group.id.rawValue == key || group.profile.name.lowercasedKey == key.lowercasedKey || group.origin.externalID?.lowercasedKey == key.lowercasedKey
            }.compactMap(\.origin.externalID)
            if !links.isEmpty {
                excerpt.merge(try await provider.lookUp(DirectoryLookup(groups: links)))
                targets = excerpt.groups.filter { group in links.contains { DirectoryLookup.key($0, names: group) } }.map(\.id)
                missing = links.filter { link in !targets.contains { $0.lowercasedKey == link.lowercasedKey } }
            }
        }
        var more: [String] = []
        var holders: [String] = []
        for id in targets {
            guard let group = excerpt.groups.first(where: { $0.id == id }) else { continue }
            if group.displayName.lowercasedKey != key.lowercasedKey { more.append(group.displayName) }
            holders += try await nameHolders(of: [group])
        }
        more += holders
        if !more.isEmpty { excerpt.merge(try await provider.lookUp(DirectoryLookup(groups: more))) }
        return (excerpt, targets, missing, holders)
    }

    /// The source's identities in the store that `key` names (by identifier, directory id, email,
    /// alias or login), as directory ids.
    private mutating func storeLinks(named key: String) async throws -> [String] {
        let wanted = key.trimmed.lowercasedKey
        // Identifiers are compared ignoring case, as typed, lower- or upper-cased.
        let ids = Set([key.trimmed, wanted, key.trimmed.uppercased()].map { IdentityID($0) })
        try await known.load(IdentityStoreQuery(source: source, ids: ids, addresses: [wanted], logins: [wanted], externalIDs: [wanted]))
        var links: [String] = known.linkedUsers(wanted).first?.origin.externalID.map { [$0] } ?? []
        for user in known.sourceUsers {
            let profile = user.profile
            if user.id.rawValue.lowercasedKey == wanted || profile.addressKeys.contains(wanted)
                || profile.logins.contains(where: { $0.lowercasedKey == wanted }),
                let externalID = user.origin.externalID, !links.contains(externalID)
            {
                links.append(externalID)
            }
        }
        return links.sorted()
    }

    /// The keys of the directory users whose plan can change this user's.
    private mutating func related(to user: DirectoryUser) async throws -> [String] {
        let addresses = user.addresses
        try await known.load(IdentityStoreQuery(source: source, addresses: Set(addresses), logins: Set(user.loginMatchKeys), externalIDs: [user.id]))
        var keys = addresses
        func manual(_ identity: IdentityUser) {
            keys += [identity.profile.email].compactMap { $0 } + identity.profile.aliases + identity.profile.logins
        }
        for address in addresses {
            guard let holder = known.holder(of: address) else { continue }
            if holder.origin == .manual { manual(holder) }
            if holder.origin.sourceID == source, let externalID = holder.origin.externalID { keys.append(externalID) }
        }
        if let email = user.primaryEmail, let match = known.manual(email: email) { manual(match) }
        for login in user.loginMatchKeys { known.manual(login: login).forEach(manual) }
        for identity in known.linkedUsers(user.id) { keys += identity.profile.addressKeys }
        return keys
    }
}

extension DirectoryUser {
    /// The primary email and the aliases, as the directory gives them.
    fileprivate var addresses: [String] { [primaryEmail].compactMap { $0 } + emailAliases }
}
