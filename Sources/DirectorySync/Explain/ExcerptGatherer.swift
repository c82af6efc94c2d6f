/// Reads the excerpt one object's fate depends on, round by round, until nothing new is named:
/// the directory users that share an address with a gathered user (duplicates, dropped aliases),
/// those linked to the store identities holding its addresses (released or kept), those that could
/// claim the same manual identity, and the users that want an address its identity holds now.
/// Each lookup also brings the groups that contain the users named.
struct ExcerptGatherer {
    /// Rounds of lookups at most (each after the first follows what the previous one found).
    static let maximumRounds = 6
    /// Directory users gathered at most.
    static let maximumUsers = 64

    let source: SourceID
    let provider: any DirectoryProvider
    let store: IdentityStoreContents
    private let holders: [String: IdentityUser]
    private let manualByEmail: [String: IdentityUser]
    private let manualByLogin: [String: [IdentityUser]]
    private let linked: [String: [IdentityUser]]
    private let groupsByName: [String: IdentityGroup]
    private let linkedGroups: [String: [IdentityGroup]]

    init(source: SourceID, provider: any DirectoryProvider, store: IdentityStoreContents) {
        self.source = source
        self.provider = provider
        self.store = store
        var holders: [String: IdentityUser] = [:]
        var manualByEmail: [String: IdentityUser] = [:]
        var manualByLogin: [String: [IdentityUser]] = [:]
        var linked: [String: [IdentityUser]] = [:]
        holders.reserveCapacity(store.users.count)
        for user in store.users {
            if let email = user.profile.email { holders[email.lowercasedKey] = user }
            for alias in user.profile.aliases { holders[alias.lowercasedKey] = user }
            if user.origin == .manual {
                if let email = user.profile.email { manualByEmail[email.lowercasedKey] = user }
                for login in user.profile.logins { manualByLogin[login.lowercasedKey, default: []].append(user) }
            } else if user.origin.sourceID == source, let externalID = user.origin.externalID {
                linked[externalID.lowercasedKey, default: []].append(user)
            }
        }
        self.holders = holders
        self.manualByEmail = manualByEmail
        self.manualByLogin = manualByLogin
        self.linked = linked
        var groupsByName: [String: IdentityGroup] = [:]
        var linkedGroups: [String: [IdentityGroup]] = [:]
        for group in store.groups {
            groupsByName[group.profile.name.lowercasedKey] = group
            if group.origin.sourceID == source, let externalID = group.origin.externalID { linkedGroups[externalID.lowercasedKey, default: []].append(group) }
        }
        self.groupsByName = groupsByName
        self.linkedGroups = linkedGroups
    }

    /// The identities a plan for the excerpt's focused objects can read: those linked to what the
    /// excerpt holds or decides, those holding an address or a name it claims, the manual ones it
    /// could adopt, the source's groups its focused users are members of, and every member of a
    /// group it decides. Planning with the rest left out gives the same plan for the focused
    /// objects (seeded property tests hold explain to the whole plan) at the cost of what the
    /// excerpt holds, not of what the store holds.
    func relevantContents(to excerpt: DirectoryExcerpt, focus: Set<String>) -> IdentityStoreContents {
        var users: Set<IdentityID> = []
        var groups: [IdentityID: IdentityGroup] = [:]
        let directoryIDs = excerpt.users.map(\.id) + excerpt.groups.map(\.id) + focus
        for id in directoryIDs {
            for user in linked[id.lowercasedKey] ?? [] { users.insert(user.id) }
            for group in linkedGroups[id.lowercasedKey] ?? [] { groups[group.id] = group }
        }
        for user in excerpt.users {
            for address in [user.primaryEmail].compactMap({ $0 }) + user.emailAliases {
                if let holder = holders[address.lowercasedKey] { users.insert(holder.id) }
                if let manual = manualByEmail[address.lowercasedKey] { users.insert(manual.id) }
            }
            for login in user.loginMatchKeys { manualByLogin[login]?.forEach { users.insert($0.id) } }
        }
        for group in excerpt.groups {
            if let holder = groupsByName[group.displayName.lowercasedKey] { groups[holder.id] = holder }
        }
        // The source's groups the focused users are members of, and the members of decided groups.
        let focused = Set(focus.flatMap { linked[$0.lowercasedKey]?.map(\.id) ?? [] })
        for list in linkedGroups.values {
            for group in list {
                let decided = group.origin.externalID.map(focus.contains) ?? false
                guard decided || (!focused.isEmpty && group.memberIDs.contains(where: focused.contains)) else { continue }
                groups[group.id] = group
                if decided { users.formUnion(group.memberIDs) }
            }
        }
        return IdentityStoreContents(
            users: store.users.filter { users.contains($0.id) }, groups: store.groups.filter { groups[$0.id] != nil }, capabilities: store.capabilities)
    }

    /// Gathers around the users `key` names; when it names none in the directory, around the
    /// source's identities it names in the store (by id, email, alias or login), whose directory
    /// objects may have been deleted or renamed.
    func gatherUsers(named key: String) async throws -> (excerpt: DirectoryExcerpt, targets: [String], missing: [String], focus: Set<String>, complete: Bool) {
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
            for id in batch where linked[id.trimmed.lowercasedKey] != nil && !part.users.contains(where: { $0.id.lowercasedKey == id.trimmed.lowercasedKey }) {
                focus.insert(linked[id.trimmed.lowercasedKey]?.first?.origin.externalID ?? id)
            }
            if rounds == 1 {
                targets = part.users.filter { DirectoryLookup.key(key, names: $0) }.map(\.id)
                if targets.isEmpty {
                    // Not in the directory: perhaps the key names a synchronized identity whose object is gone.
                    let links = storeLinks(named: key)
                    let found = links.isEmpty ? DirectoryExcerpt() : try await provider.lookUp(DirectoryLookup(users: links))
                    excerpt.merge(found)
                    note(found, links)
                    links.forEach { asked.insert($0.lowercasedKey) }
                    targets = found.users.filter { user in links.contains { $0.lowercasedKey == user.id.lowercasedKey } }.map(\.id)
                    missing = links.filter { link in !targets.contains { $0.lowercasedKey == link.lowercasedKey } }
                    if targets.isEmpty && missing.isEmpty { break }
                }
            }
            for user in excerpt.users { pending += related(to: user) }
            for id in missing { pending += linked[id.lowercasedKey]?.flatMap(\.profile.addressKeys) ?? [] }
        }
        var open = pending.contains { !$0.trimmed.isEmpty && !asked.contains($0.trimmed.lowercasedKey) }
        // The groups of the same names as the users' groups, and the source's groups the users are
        // members of in the store, without their members: whether a name is held twice in the
        // directory (a whole run then leaves the group alone), and the groups the users left.
        var names = excerpt.groups.map(\.displayName)
        let identities = Set(focus.flatMap { linked[$0.lowercasedKey]?.map(\.id) ?? [] })
        for group in linkedGroups.values.joined() where group.memberIDs.contains(where: identities.contains) {
            names.append(group.profile.name)
        }
        if !names.isEmpty { excerpt.merge(try await provider.lookUp(DirectoryLookup(groupNames: names))) }
        // The groups whose names the users' groups would take: read whole, so a name they give
        // up in the same run is known to be free.
        var askedGroups: Set<String> = []
        for _ in 0..<3 {
            let holders = nameHolders(of: excerpt.groups).filter { askedGroups.insert($0.lowercasedKey).inserted }
            guard !holders.isEmpty else { break }
            excerpt.merge(try await provider.lookUp(DirectoryLookup(groups: holders)))
            // Read whole, or gone: either way the excerpt decides them (a deleted holder gives its name up).
            focus.formUnion(holders)
        }
        open = open || !nameHolders(of: excerpt.groups).allSatisfy { askedGroups.contains($0.lowercasedKey) }
        return (excerpt, targets, missing, focus.union(missing), !open)
    }

    /// The directory ids of the source's store groups that hold the names of these groups, other
    /// than the groups' own identities.
    private func nameHolders(of groups: [DirectoryGroup]) -> [String] {
        var holders: [String] = []
        for group in groups {
            guard let holder = groupsByName[group.displayName.lowercasedKey], holder.origin.sourceID == source,
                let externalID = holder.origin.externalID, externalID.lowercasedKey != group.id.lowercasedKey
            else { continue }
            holders.append(externalID)
        }
        return holders
    }

    /// Gathers the groups `key` names, every group of the same name (duplicates in the source), and
    /// the groups linked to store groups holding that name (`holders`: their directory ids, read
    /// whole or gone, so the excerpt decides them).
    func gatherGroups(named key: String) async throws -> (excerpt: DirectoryExcerpt, targets: [String], missing: [String], holders: [String]) {
        var excerpt = try await provider.lookUp(DirectoryLookup(groups: [key]))
        var targets = excerpt.groups.filter { DirectoryLookup.key(key, names: $0) }.map(\.id)
        var missing: [String] = []
        if targets.isEmpty {
            let links = store.groups.filter { group in
                group.origin.sourceID == source && (group.id.rawValue == key || group.profile.name.lowercasedKey == key.lowercasedKey
                    || group.origin.externalID?.lowercasedKey == key.lowercasedKey)
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
            holders += nameHolders(of: [group])
        }
        more += holders
        if !more.isEmpty { excerpt.merge(try await provider.lookUp(DirectoryLookup(groups: more))) }
        return (excerpt, targets, missing, holders)
    }

    /// The source's identities in the store that `key` names, as directory ids.
    private func storeLinks(named key: String) -> [String] {
        let wanted = key.trimmed.lowercasedKey
        var links: [String] = linked[wanted]?.first?.origin.externalID.map { [$0] } ?? []
        for users in linked.values {
            for user in users {
                let profile = user.profile
                if user.id.rawValue.lowercasedKey == wanted || profile.addressKeys.contains(wanted)
                    || profile.logins.contains(where: { $0.lowercasedKey == wanted }),
                    let externalID = user.origin.externalID, !links.contains(externalID)
                {
                    links.append(externalID)
                }
            }
        }
        return links.sorted()
    }

    /// The keys of the directory users whose plan can change this user's.
    private func related(to user: DirectoryUser) -> [String] {
        var keys: [String] = []
        let addresses = ([user.primaryEmail].compactMap { $0 } + user.emailAliases)
        keys += addresses
        func manual(_ identity: IdentityUser) {
            keys += [identity.profile.email].compactMap { $0 } + identity.profile.aliases + identity.profile.logins
        }
        for address in addresses {
            guard let holder = holders[address.lowercasedKey] else { continue }
            if holder.origin == .manual { manual(holder) }
            if holder.origin.sourceID == source, let externalID = holder.origin.externalID { keys.append(externalID) }
        }
        if let email = user.primaryEmail, let match = manualByEmail[email.lowercasedKey] { manual(match) }
        for login in user.loginMatchKeys { manualByLogin[login]?.forEach(manual) }
        for identity in linked[user.id.lowercasedKey] ?? [] { keys += identity.profile.addressKeys }
        return keys
    }
}
