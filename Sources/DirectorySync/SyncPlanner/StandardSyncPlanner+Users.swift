import Foundation

/// Lower-cased values numbered once per plan: counting and comparing them is then integer work.
struct KeyTable {
    private var ids: [String: Int32] = [:]
    /// Each key's text.
    private(set) var texts: [String] = []

    /// The key's number, numbering it if it is new.
    mutating func intern(_ key: String) -> Int32 {
        if let id = ids[key] { return id }
        let id = Int32(texts.count)
        ids[key] = id
        texts.append(key)
        return id
    }

    subscript(id: Int32) -> String { texts[Int(id)] }
}

/// What a plan needs of one in-scope user and its linked identity, worked out for every user at
/// once (``PlanBuilder/workOutUserFacts()``, on every core): where its addresses are, and — for a linked
/// user — which of them the identity holds and whether it needs any change.
///
/// Sixteen bytes and no reference: most users' email is their `mail` as it is (trimmed and
/// lower-case already), and their aliases, if any, are their own keys too, so their facts point at
/// the snapshot instead of holding strings, and a plan that changes little touches no user's
/// strings after this pass.
struct UserFacts: Sendable {
    /// The linked identity (the first by identifier), or -1.
    var linked: Int32 = -1
    /// The user's addresses in ``PlanBuilder/userAddresses`` when they are not read from the
    /// snapshot (its `mail` as it is, and ``Flags/aliasesInPlace``); -1 otherwise.
    var addresses: Int32 = -1
    var flags: Flags = []
    /// How many aliases the user has (``PlanBuilder/aliasCount(_:)``): kept here, in the padding
    /// after ``flags``, so that numbering the aliases of a million users reads no addresses.
    /// ``manyAliases`` when the count does not fit.
    var aliasCount: UInt16 = 0
    /// Whether the linked identity holds each alias (bit `n` for alias `n`, the first ``aliasBits``; the
    /// others are asked of the identity).
    var ownsAliases: UInt32 = 0
    /// How many aliases ``ownsAliases`` covers.
    static let aliasBits = UInt32.bitWidth
    /// ``aliasCount`` of a user with this many aliases or more: ask its addresses.
    static let manyAliases = UInt16.max

    struct Flags: OptionSet, Sendable {
        var rawValue: UInt8
        /// The user has an email (its `mail`, unless ``UserFacts/addresses`` says otherwise).
        static let hasEmail = Flags(rawValue: 1)
        /// The linked identity holds the email.
        static let ownsPrimary = Flags(rawValue: 2)
        /// The linked identity is already what the user asks for, with every alias.
        static let unchanged = Flags(rawValue: 4)
        /// The user's email is its `mail` and its aliases are read from its bytes when asked
        /// (``UserAddresses/withPlainBytes(of:_:)``): all its addresses are their own keys.
        static let aliasesInPlace = Flags(rawValue: 8)
    }

    /// Whether the linked identity holds alias `n`; `nil` beyond the first ``aliasBits``.
    func ownsAlias(_ n: Int) -> Bool? { n < Self.aliasBits ? ownsAliases & 1 << UInt32(n) != 0 : nil }
}

/// The addresses the source's users claim, counted for rule 3 (an email must be unique within the
/// source; an alias another user also lists is dropped), with the store's holder of each.
///
/// Most claims are on an address the claimant's own identity already holds: the store keeps
/// addresses unique, so no other identity holds it, and any other claim on it is held by someone
/// else. Such own claims are neither numbered nor looked up; the others are numbered, counted and
/// looked up once, and an own claim on one of their addresses is found through its holder. A plan
/// with nothing to change hashes no address at all.
struct AddressClaims {
    /// Each user's email key number; -1 for an email its own identity holds that no other user claims.
    private(set) var primaryIDs: [Int32]
    /// Each alias's key number (by place in ``PlanBuilder/planUsers()``'s aliases); -1 likewise.
    private(set) var aliasIDs: [Int32]
    /// The numbered keys.
    private(set) var keys = KeyTable()
    /// Per key: the users claiming it as their email, and as an alias.
    private var primaries: [Int32] = []
    private var others: [Int32] = []
    /// Per key: the store user holding it, or -1.
    private var holders: [Int32] = []

    /// - Parameters:
    ///   - linked: Whether each user's target is its linked identity (whose holdings the user's
    ///     facts tell); other targets are asked.
    init(_ builder: PlanBuilder, targets: [Int32], linked: [Bool], excluded: [Bool], aliasStart: [Int32]) {
        let facts = builder.userFacts
        /// Whether the user's target holds its email (`alias` nil) or alias `n`, whose key `key` makes.
        func owns(_ index: Int, _ alias: Int?, key: () -> String) -> Bool {
            if linked[index], let owned = alias.map(facts[index].ownsAlias) ?? facts[index].flags.contains(.ownsPrimary) { return owned }
            return builder.holds(targets[index], key())
        }
        primaryIDs = Array(repeating: -1, count: targets.count)
        aliasIDs = Array(repeating: -1, count: Int(aliasStart.last ?? 0))
        var ownPrimary = [Bool](repeating: false, count: targets.count)
        var ownAlias = [Bool](repeating: false, count: aliasIDs.count)
        for index in targets.indices where !excluded[index] {
            let hasTarget = targets[index] >= 0
            if facts[index].flags.contains(.hasEmail) {
                if hasTarget, owns(index, nil, key: { builder.emailKey(index)! }) {
                    ownPrimary[index] = true
                } else {
                    primaryIDs[index] = number(builder.emailKey(index)!)
                    primaries[Int(primaryIDs[index])] += 1
                }
            }
            // The user's alias keys are made once, and only when needed: a linked user's facts
            // tell which aliases its identity holds, so most users need none.
            var keys: [String]?
            func key(_ n: Int) -> String {
                if keys == nil { keys = builder.aliasKeys(index) }
                return keys![n]
            }
            for alias in Int(aliasStart[index])..<Int(aliasStart[index + 1]) {
                let n = alias - Int(aliasStart[index])
                if hasTarget, owns(index, n, key: { key(n) }) {
                    ownAlias[alias] = true
                } else {
                    aliasIDs[alias] = number(key(n))
                    others[Int(aliasIDs[alias])] += 1
                }
            }
        }
        guard !keys.texts.isEmpty else { return }
        // Holders of the numbered keys; a holder that is a claimant's own identity is that
        // claimant's own claim on the key, counted with the others.
        var claimantOf = [Int32](repeating: -1, count: builder.store.userSlotCount)
        for index in targets.indices where !excluded[index] && targets[index] >= 0 { claimantOf[Int(targets[index])] = Int32(index) }
        for (id, key) in keys.texts.enumerated() {
            let holder = builder.store.addressHolder(key) ?? -1
            holders[id] = holder
            guard holder >= 0, case let claimant = Int(claimantOf[Int(holder)]), claimant >= 0 else { continue }
            if ownPrimary[claimant] && builder.emailKey(claimant) == key {
                primaryIDs[claimant] = Int32(id)
                primaries[id] += 1
                continue
            }
            for (n, aliasKey) in builder.aliasKeys(claimant).enumerated() where ownAlias[Int(aliasStart[claimant]) + n] && aliasKey == key {
                aliasIDs[Int(aliasStart[claimant]) + n] = Int32(id)
                others[id] += 1
            }
        }
    }

    private mutating func number(_ key: String) -> Int32 {
        let id = keys.intern(key)
        if Int(id) == primaries.count {
            primaries.append(0)
            others.append(0)
            holders.append(-1)
        }
        return id
    }

    /// How many users claim the user's email as theirs.
    func primaryCount(ofUser index: Int) -> Int32 { primaryIDs[index] < 0 ? 1 : primaries[Int(primaryIDs[index])] }

    /// How many users claim the alias's address as their email, and how many as an alias.
    func counts(ofAlias alias: Int) -> (primaries: Int32, aliases: Int32) {
        let id = aliasIDs[alias]
        return id < 0 ? (0, 1) : (primaries[Int(id)], others[Int(id)])
    }

    /// The store user holding the user's email, unless it is `target`: -1 for none.
    func holder(ofPrimary index: Int, target: Int32) -> Int32 { holder(primaryIDs[index], target) }

    /// The store user holding the alias's address, unless it is `target`: -1 for none.
    func holder(ofAlias alias: Int, target: Int32) -> Int32 { holder(aliasIDs[alias], target) }

    private func holder(_ id: Int32, _ target: Int32) -> Int32 {
        guard id >= 0 else { return -1 }
        let holder = holders[Int(id)]
        return holder == target ? -1 : holder
    }
}

extension PlanBuilder {
    /// How a directory user found its identity in the store (rule 2).
    enum Match: UInt8 {
        case none
        case linked
        case byEmail
        case byLogin
    }

    /// Each in-scope user's ``UserFacts`` and the addresses they point at, worked out in
    /// parallel: a pure read of the snapshot and the store that touches each user's strings once
    /// (a user whose aliases are read in place is read again only if a later step asks for them).
    func workOutUserFacts() -> (facts: [UserFacts], addresses: [UserAddresses]) {
        let (scope, store, links) = (scope, store, userLinks.first)
        let parts = ParallelChunks.chunks(scope.userCount) { range in
            var facts: [UserFacts] = []
            facts.reserveCapacity(range.count)
            var extra: [(user: Int, addresses: UserAddresses)] = []
            scope.snapshotUsers.withUnsafeBufferPointer { users in
                store.users.withUnsafeBufferPointer { stored in
                    scope.userIndices.withUnsafeBufferPointer { positions in
                        scope.userOrder.withUnsafeBufferPointer { order in
                            // Reads of the strings about to be compared, a batch at a time,
                            // so that the processor waits for them together, not one by one.
                            var touched: UInt8 = 0
                            for start in stride(from: range.lowerBound, to: range.upperBound, by: 128) {
                                let batch = start..<min(start + 128, range.upperBound)
                                for index in batch {
                                    let position = Int(positions[index])
                                    let user = order.isEmpty ? position : Int(order[position])
                                    touched &+= users[user].leadingByte
                                    let linked = Int(links[position])
                                    guard linked >= 0, let profile = stored[linked]?.profile else { continue }
                                    touched &+= profile.fields.firstByte
                                }
                                for index in batch {
                                    facts.append(fact(of: index))
                                }
                            }
                            keepReads(touched)
                            func fact(of index: Int) -> UserFacts {
                                let position = Int(positions[index])
                                let user = order.isEmpty ? position : Int(order[position])
                                var fact = UserFacts(linked: links[position])
                                let directory = users.baseAddress! + user
                                let identity = fact.linked >= 0 ? stored.baseAddress! + Int(fact.linked) : nil
                                // The usual user: a plain `mail`, read where it lies.
                                let plain = directory.pointee.fields.withBytes(.mail) { mail -> Bool in
                                    guard let mail, Self.isPlain(mail, directory.pointee.fields) else { return false }
                                    fact.flags.insert(.hasEmail)
                                    guard let profile = identity?.pointee?.profile else { return true }
                                    if profile.fields.holdsAddress(key: mail) { fact.flags.insert(.ownsPrimary) }
                                    let sameEmail = profile.fields.withBytes(.email) { DirectoryUser.Fields.equivalent(mail, $0) }
                                    if sameEmail && Self.isUnchanged(profile, directory, aliases: []) { fact.flags.insert(.unchanged) }
                                    return true
                                }
                                guard !plain else { return fact }
                                // Addresses that are their own keys, judged where they lie. With a
                                // plain `mail` (most users with aliases) they are read there again
                                // whenever a plan step asks; others are copied.
                                var copy: UserAddresses?
                                let ownKeys = UserAddresses.withPlainBytes(of: directory.pointee.fields) { primary, primaryIsMail, aliases -> Void in
                                    judge(primary: primary, primaryKey: primary, aliases: aliases, aliasKeys: aliases)
                                    if !primaryIsMail { copy = UserAddresses(plainPrimary: primary, aliases: aliases) }
                                } != nil
                                if ownKeys && copy == nil {
                                    fact.flags.insert(.aliasesInPlace)
                                    return fact
                                }
                                // Any other user's addresses are worked out from its strings.
                                let addresses = copy ?? UserAddresses(DirectoryUser.emailAddresses(mail: directory.pointee.mail, proxyAddresses: directory.pointee.proxyAddresses))
                                fact.addresses = Int32(extra.count)
                                extra.append((index, addresses))
                                if !ownKeys { addresses.withBytes(judge) }
                                return fact

                                /// The facts of a user with these addresses.
                                func judge(
                                    primary: UnsafeBufferPointer<UInt8>?, primaryKey: UnsafeBufferPointer<UInt8>?,
                                    aliases: [UnsafeBufferPointer<UInt8>], aliasKeys: [UnsafeBufferPointer<UInt8>]
                                ) {
                                    if primary != nil { fact.flags.insert(.hasEmail) }
                                    fact.aliasCount = UInt16(min(aliases.count, Int(UserFacts.manyAliases)))
                                    guard let profile = identity?.pointee?.profile else { return }
                                    if let primaryKey, profile.fields.holdsAddress(key: primaryKey) { fact.flags.insert(.ownsPrimary) }
                                    for (n, key) in aliasKeys.prefix(UserFacts.aliasBits).enumerated() where profile.fields.holdsAddress(key: key) { fact.ownsAliases |= 1 << UInt32(n) }
                                    let sameEmail = profile.fields.withBytes(.email) { DirectoryUser.Fields.equivalent($0, primary) }
                                    if sameEmail && Self.isUnchanged(profile, directory, aliases: aliases) { fact.flags.insert(.unchanged) }
                                }
                            }
                        }
                    }
                }
            }
            return (facts, extra)
        }
        var facts: [UserFacts] = []
        facts.reserveCapacity(scope.userCount)
        var addresses: [UserAddresses] = []
        for (part, extra) in parts {
            let offset = Int32(addresses.count)
            facts.append(contentsOf: part.lazy.map { fact in
                var fact = fact
                if fact.addresses >= 0 { fact.addresses += offset }
                return fact
            })
            addresses.append(contentsOf: extra.lazy.map(\.addresses))
        }
        return (facts, addresses)
    }

    /// Whether a `mail` (its bytes) is the user's email and key as it is, with no alias: its own
    /// key (``UserAddresses/isOwnKey(_:)``), and no proxy address but its own (the user's
    /// `fields`' entries, read in place).
    private static func isPlain(_ mail: UnsafeBufferPointer<UInt8>, _ fields: DirectoryUser.Fields) -> Bool {
        guard UserAddresses.isOwnKey(mail) else { return false }
        var count = 0
        var own = true
        fields.forEachEntry(.proxyAddresses) { entry in
            count += 1
            own = own && DirectoryUser.isSMTPEntry(entry, of: mail)
        }
        return count <= 1 && own
    }

    /// The user's email (by scope number).
    func email(_ index: Int) -> String? {
        let fact = userFacts[index]
        if fact.addresses >= 0 { return userAddresses[Int(fact.addresses)].primary }
        return fact.flags.contains(.hasEmail) ? scope.snapshotUsers[scope.snapshotIndex(ofUser: index)].mail : nil
    }

    /// The user's email, lower-cased.
    func emailKey(_ index: Int) -> String? {
        let fact = userFacts[index]
        return fact.addresses >= 0 ? userAddresses[Int(fact.addresses)].primaryKey : email(index)
    }

    /// The user's aliases.
    func aliases(_ index: Int) -> [String] {
        let fact = userFacts[index]
        if fact.flags.contains(.aliasesInPlace) { return inPlaceAliases(index) }
        return fact.addresses >= 0 ? userAddresses[Int(fact.addresses)].aliases : []
    }

    /// The aliases of a user whose facts read them in place (``UserFacts/Flags/aliasesInPlace``),
    /// read again from the same bytes: each is its own key.
    private func inPlaceAliases(_ index: Int) -> [String] {
        let fields = scope.snapshotUsers[scope.snapshotIndex(ofUser: index)].fields
        // The facts found the user plain, and its bytes have not changed since.
        return UserAddresses.withPlainBytes(of: fields) { _, _, aliases in aliases.map { String(decoding: $0, as: UTF8.self) } }!
    }

    /// How many aliases the user has.
    func aliasCount(_ index: Int) -> Int {
        let fact = userFacts[index]
        guard fact.aliasCount == UserFacts.manyAliases else { return Int(fact.aliasCount) }
        // Only a copy holds that many: aliases read in place are 16 at most.
        assert(fact.addresses >= 0, "a count beyond the facts is in a copy")
        return userAddresses[Int(fact.addresses)].aliasCount
    }

    /// The user's aliases, lower-cased.
    func aliasKeys(_ index: Int) -> [String] {
        let fact = userFacts[index]
        // Aliases read in place are their own keys.
        if fact.flags.contains(.aliasesInPlace) { return inPlaceAliases(index) }
        return fact.addresses >= 0 ? userAddresses[Int(fact.addresses)].aliasKeys : []
    }

    /// How an in-scope user is named in operations and issues: its email, else its UPN.
    func userLabel(ofScopeUser index: Int) -> String {
        email(index) ?? scope.snapshotUsers[scope.snapshotIndex(ofUser: index)].userPrincipalName
    }

    /// Correlates, creates, adopts, updates, removes and disables the source's users (rules 2–5).
    mutating func planUsers() {
        let count = scope.userCount
        (userFacts, userAddresses) = workOutUserFacts()
        let facts = userFacts
        userStates = Array(repeating: .absent, count: count)

        // Correlate: linked, else manual by email, else manual by login. Aliases are numbered
        // across users (`aliasStart` by scope number).
        var matches = [Match](repeating: .none, count: count)
        var targets = [Int32](repeating: -1, count: count)
        var aliasStart = [Int32](repeating: 0, count: count + 1)
        var excluded = [Bool](repeating: false, count: count)
        var claimsOnManual: [Int32: [Int]] = [:]
        for index in 0..<count {
            let fact = facts[index]
            aliasStart[index + 1] = aliasStart[index] + Int32(aliasCount(index))
            let linked = fact.linked
            if !fact.flags.contains(.hasEmail) {
                let (externalID, subject) = (scope.userID(index), userLabel(ofScopeUser: index))
                if settings.missingEmail == .skip {
                    report(.skipped, .missingEmail, .user, externalID: externalID, subject: subject,
                        "The user has no email address (neither mail nor an SMTP proxy address) and the policy skips such users; give the user a mailbox or an address in Entra ID.")
                    excluded[index] = true
                    if linked >= 0 { userStates[index] = PlannedState(kind: .untouched, slot: linked) }
                    continue
                }
                report(.warning, .missingEmail, .user, externalID: externalID, subject: subject,
                    "The user has no email address (neither mail nor an SMTP proxy address); it is synchronized, but workflows that need an address will not reach it.")
            }
            if linked >= 0 {
                (matches[index], targets[index]) = (.linked, linked)
                continue
            }
            if let key = emailKey(index), let manual = manualUser(withEmailKey: key) {
                (matches[index], targets[index]) = (.byEmail, manual)
                claimsOnManual[manual, default: []].append(index)
                continue
            }
            var candidates: Set<Int32> = []
            let user = scope.snapshotUsers[scope.snapshotIndex(ofUser: index)]
            for key in user.loginMatchKeys {
                store.forEachLoginHolder(key) { slot in
                    if store.users[Int(slot)]!.origin == .manual { candidates.insert(slot) }
                }
            }
            if candidates.count > 1 {
                let related = candidates.map { storeUser($0).id }.sorted()
                report(.conflict, .ambiguousMatch, .user, externalID: user.id, subject: userLabel(ofScopeUser: index),
                    "Several manual users (\(related.map(\.rawValue).joined(separator: ", "))) have a login matching \(user.userPrincipalName); keep the login on one of them.",
                    related: related)
                excluded[index] = true
            } else if let manual = candidates.first {
                (matches[index], targets[index]) = (.byLogin, manual)
                claimsOnManual[manual, default: []].append(index)
            }
        }
        for (manual, claimants) in claimsOnManual where claimants.count > 1 {
            let id = storeUser(manual).id
            for index in claimants {
                report(.conflict, .contestedMatch, .user, externalID: scope.userID(index), subject: userLabel(ofScopeUser: index),
                    "The manual user \(id) matches \(claimants.count) directory users; change its email or logins so it matches one.",
                    related: [id])
                excluded[index] = true
                (matches[index], targets[index]) = (.none, -1)
            }
        }

        let claims = AddressClaims(self, targets: targets, linked: matches.map { $0 == .linked }, excluded: excluded, aliasStart: aliasStart)
        var kept = [Bool](repeating: true, count: Int(aliasStart[count]))
        var resolver = UniqueValueResolver(count: count)
        var values: [UniqueValueResolver.Value] = []
        for index in 0..<count where !excluded[index] {
            let target = targets[index]
            if claims.primaryCount(ofUser: index) > 1, let email = email(index) {
                report(.conflict, .duplicateEmailInSource, .user, externalID: scope.userID(index), subject: userLabel(ofScopeUser: index),
                    "\(claims.primaryCount(ofUser: index)) directory users have the email \(email), which must be unique in the store; correct the address in Entra ID.")
                leaveUntouched(userAt: index, match: matches[index], target: target)
                continue
            }
            (resolver.targets[index], resolver.active[index]) = (target, true)
            values.removeAll(keepingCapacity: true)
            if facts[index].flags.contains(.hasEmail), case let holder = claims.holder(ofPrimary: index, target: target), holder >= 0 {
                values.append(.init(key: claims.primaryIDs[index], holder: holder, isPrimary: true))
            }
            // Aliases by number: their texts are made only for a report.
            var texts: [String] = []
            for alias in Int(aliasStart[index])..<Int(aliasStart[index + 1]) {
                let (primaries, others) = claims.counts(ofAlias: alias)
                if primaries > 0 || others > 1 {
                    if texts.isEmpty { texts = aliases(index) }
                    let text = texts[alias - Int(aliasStart[index])]
                    report(.warning, .aliasDropped, .user, externalID: scope.userID(index), subject: userLabel(ofScopeUser: index),
                        "The alias \(text) also belongs to another directory user of this source, so it is left out; remove it from one of them in Entra ID.")
                    kept[alias] = false
                    continue
                }
                let holder = claims.holder(ofAlias: alias, target: target)
                if holder >= 0 { values.append(.init(key: claims.aliasIDs[alias], holder: holder, isPrimary: false)) }
            }
            resolver.claim(index, values)
        }

        let removals = plannedUserRemovals()
        let marks = userMarks
        let resolution = resolver.resolve(slots: store.userSlotCount) { marks[Int($0)].contains(.removed) }
        // Room for the users' operations at most (one a user that may change — all but those the
        // loop below finds unchanged, and one more a user with an alias held elsewhere — a second
        // one a user that releases an address, one a removal), so that a few thousand of them
        // after the groups' hundreds of thousands do not double the plan's array: at a million
        // users that is 20 MB less when the memberships' operations are added, the moment the plan peaks.
        let changing = (0..<count).count { index in
            resolver.active[index]
                && !(matches[index] == .linked && facts[index].flags.contains(.unchanged)
                    && (Int(aliasStart[index])..<Int(aliasStart[index + 1])).allSatisfy { kept[$0] })
        }
        let room = operations.count + changing + resolution.dropped.count + resolution.releasers.count + removals.removed.count + removals.disabled.count
        operations.reserveCapacity(room)
        orderKeys.reserveCapacity(room)
        for index in 0..<count where resolver.active[index] {
            if let (_, holder) = resolution.blocked[index] {
                let held = storeUser(holder)
                report(.conflict, .emailInUse, .user, externalID: scope.userID(index), subject: userLabel(ofScopeUser: index),
                    "The email is held by \(describeHolder(origin: held.origin, name: held.profile.name, id: held.id, kind: "user")); emails are unique in the store, so remove it from one of the two.",
                    related: [held.id])
                leaveUntouched(userAt: index, match: matches[index], target: targets[index])
                continue
            }
            let dropped = resolution.dropped[index] ?? []
            for (key, holder) in dropped {
                let held = storeUser(holder)
                report(.warning, .aliasDropped, .user, externalID: scope.userID(index), subject: userLabel(ofScopeUser: index),
                    "The alias \(claims.keys[key]) is held by \(describeHolder(origin: held.origin, name: held.profile.name, id: held.id, kind: "user")), so it is left out.",
                    related: [held.id])
            }
            let range = Int(aliasStart[index])..<Int(aliasStart[index + 1])
            let allKept = dropped.isEmpty && range.allSatisfy { kept[$0] }
            if matches[index] == .linked, allKept, facts[index].flags.contains(.unchanged) {
                // The identity is already what the user asks for: nothing to build or compare.
                userStates[index] = PlannedState(kind: .existing, slot: targets[index])
                unchangedUsers += 1
                if listsUnchanged {
                    unchanged.append(
                        .init(objectKind: .user, externalID: scope.userID(index), identityID: storeUser(targets[index]).id, subject: userLabel(ofScopeUser: index)))
                }
                continue
            }
            let droppedKeys = Set(dropped.map(\.key))
            let all = aliases(index)
            let userAliases = allKept ? all : range.filter { kept[$0] && !droppedKeys.contains(claims.aliasIDs[$0]) }.map { all[$0 - range.lowerBound] }
            let deferred = Set((resolution.deferred[index] ?? []).map { claims.keys[$0] })
            planUser(
                at: index, match: matches[index], target: targets[index], email: email(index), aliases: userAliases, deferred: deferred,
                releasesForOthers: resolution.releasers.contains(index))
        }
        applyUserRemovals(removals)
    }

    /// The manual user whose primary email has this key.
    private func manualUser(withEmailKey key: String) -> Int32? {
        guard let slot = store.addressHolder(key) else { return nil }
        let user = storeUser(slot)
        return user.origin == .manual && user.profile.email?.lowercasedKey == key ? slot : nil
    }

    /// Whether the store user holds the address `key` (as email or alias).
    func holds(_ slot: Int32, _ key: String) -> Bool {
        store.users.withUnsafeBufferPointer { users in Self.holds(users.baseAddress! + Int(slot), key) }
    }

    /// Whether the identity holds the address `key` (as email or alias). Read in place: a copy
    /// of the identity would retain its strings.
    static func holds(_ identity: UnsafePointer<IdentityUser?>, _ key: String) -> Bool {
        identity.pointee?.profile.holdsAddress(key) ?? false
    }

    private mutating func leaveUntouched(userAt index: Int, match: Match, target: Int32) {
        if match == .linked { userStates[index] = PlannedState(kind: .untouched, slot: target) }
    }

    private mutating func planUser(
        at index: Int, match: Match, target: Int32, email: String?, aliases: [String], deferred: Set<String>, releasesForOthers: Bool
    ) {
        let subject = labelText(.scopeUser(index))
        let user = scope.snapshotUsers[scope.snapshotIndex(ofUser: index)]
        let name = user.displayName.flatMap { $0.trimmed.isEmpty ? nil : $0 } ?? user.userPrincipalName
        var desired = UserProfile(
            name: name, firstName: user.givenName, lastName: user.surname, email: email, aliases: aliases, logins: user.logins,
            isEnabled: user.accountEnabled)
        guard match != .none else {
            let phase: SyncPhase = deferred.isEmpty ? .users : .deferredUsers
            add(phase, .createUser(externalID: user.id, profile: desired), label: .scopeUser(index), .newInScope)
            userStates[index] = PlannedState(kind: deferred.isEmpty ? .created : .createdDeferred, slot: -1)
            return
        }
        userStates[index] = PlannedState(kind: .existing, slot: target)
        let existing = storeUser(target)
        let externalID = user.id
        // Logins an administrator added stay: synchronized users may be given extra logins.
        var seen = Set(desired.logins.map { $0.lowercasedKey })
        for login in existing.profile.logins where seen.insert(login.lowercasedKey).inserted { desired.logins.append(login) }

        let reason: SyncReason =
            switch match {
            case .linked, .none: wasPending(existing.id) ? .returnedInScope : .attributesChanged
            case .byEmail: .matchedByEmail
            case .byLogin: .matchedByLogin
            }
        let adopting = match != .linked
        if !adopting && existing.profile == desired {
            unchangedUsers += 1
            if listsUnchanged {
                unchanged.append(.init(objectKind: .user, externalID: externalID, identityID: existing.id, subject: subject))
            }
            return
        }
        func action(_ from: UserProfile, _ to: UserProfile, adopt: Bool) -> SyncAction {
            let changes = FieldChange.between(from, to)
            return adopt
                ? .adoptUser(existing.id, externalID: externalID, profile: to, changes: changes)
                : .updateUser(existing.id, externalID: externalID, profile: to, changes: changes)
        }
        guard !deferred.isEmpty else {
            add(.users, action(existing.profile, desired, adopt: adopting), label: .scopeUser(index), reason)
            return
        }
        guard releasesForOthers else {
            add(.deferredUsers, action(existing.profile, desired, adopt: adopting), label: .scopeUser(index),
                adopting ? reason : .takesReleasedValue)
            return
        }
        // This user frees an address another user takes, and takes one freed by another: step
        // aside first (without the contested addresses), then take the final values.
        var interim = desired
        if let email = interim.email, deferred.contains(email.lowercasedKey) { interim.email = nil }
        interim.aliases.removeAll { deferred.contains($0.lowercasedKey) }
        add(.users, action(existing.profile, interim, adopt: adopting), label: .scopeUser(index), .releasesValueForAnother)
        add(.deferredUsers, action(interim, desired, adopt: false), label: .scopeUser(index), .takesReleasedValue)
    }

    /// Whether a linked user's profile already is what the directory user asks for with every
    /// alias, its logins exactly the directory's (the usual case); the caller compares the email.
    /// `false` sends the user to the full comparison, which also keeps logins an administrator added.
    private static func isUnchanged(_ profile: UserProfile, _ user: UnsafePointer<DirectoryUser>, aliases: [UnsafeBufferPointer<UInt8>]) -> Bool {
        guard profile.isEnabled == user.pointee.accountEnabled else { return false }
        // Both sides' strings compared where they lie, each read in one pass, none copied.
        typealias Fields = DirectoryUser.Fields
        return profile.fields.read { stored -> Bool in
            let name = stored.bytes(.name)
            var logins: (count: Int, first: UnsafeBufferPointer<UInt8>?, second: UnsafeBufferPointer<UInt8>?) = (0, nil, nil)
            stored.forEachEntry(.logins) { login in
                if logins.count == 0 { logins.first = login } else if logins.count == 1 { logins.second = login }
                logins.count += 1
            }
            let (firstName, lastName) = (stored.bytes(.firstName), stored.bytes(.lastName))
            var (aliasCount, sameAliases) = (0, true)
            stored.forEachEntry(.aliases) { alias in
                sameAliases = sameAliases && aliasCount < aliases.count && Fields.equivalent(alias, aliases[aliasCount])
                aliasCount += 1
            }
            guard sameAliases, aliasCount == aliases.count, let first = logins.first else { return false }
            guard logins.count <= 2 else { return false }
            // The second login, if any, is the NetBIOS login (decided from the bytes when they are plain).
            let (same, netBIOS) = user.pointee.fields.read { fields -> (Bool, Bool?) in
                let login = fields.bytes(.userPrincipalName)
                // The name: the display name unless blank, else the UPN.
                let displayName = fields.bytes(.displayName).flatMap { Fields.isBlank($0) ? nil : $0 } ?? login
                guard Fields.equivalent(fields.bytes(.givenName), firstName), Fields.equivalent(fields.bytes(.surname), lastName),
                    Fields.equivalent(login, first), Fields.equivalent(displayName, name)
                else { return (false, false) }
                let found = DirectoryUser.netBIOSLogin(
                    matches: logins.second, samAccountName: fields.bytes(.onPremisesSamAccountName), domainName: fields.bytes(.onPremisesDomainName))
                return (true, found.map { logins.count == 2 ? $0 : !$0 })
            }
            guard same else { return false }
            if let netBIOS { return netBIOS }
            let (sam, domain) = (user.pointee.onPremisesSamAccountName, user.pointee.onPremisesDomainName)
            return logins.count == 2
                ? DirectoryUser.isNetBIOSLogin(bytes: logins.second!, samAccountName: sam, domainName: domain)
                : !DirectoryUser.hasNetBIOSLogin(samAccountName: sam, domainName: domain)
        }
    }

    /// The source's users that leave the scope in this run, and what happens to each.
    struct UserRemovals {
        var removed: [(slot: Int32, reason: SyncReason)] = []
        /// Users disabled: for good (`leftScope`) or while their removal is pending (`removalPending`).
        var disabled: [(slot: Int32, reason: SyncReason)] = []
        /// Users whose removal is pending after this run.
        var pending: [(slot: Int32, until: Date, isNew: Bool)] = []
    }

    /// The removals of this run; marks the users removed (their addresses become free) and those kept out of scope.
    private mutating func plannedUserRemovals() -> UserRemovals {
        var removals = UserRemovals()
        userLinks.forEachGroup { position, first, others in
            let inScope = position.map { scope.userScopeNumbers[Int($0)] >= 0 } ?? false
            // Most links are of users in scope and have no second link: nothing to read.
            if inScope && others.isEmpty { return }
            let externalID = storeUser(first).origin.externalID ?? ""
            guard decides(externalID) else { return }
            guard !inScope else {
                for slot in others { removals.removed.append((slot, .duplicateLink)) }
                return
            }
            defer { for slot in others { removals.removed.append((slot, .leftScope)) } }
            let user = storeUser(first)
            switch fate(ofOutOfScope: .user, user.id, externalID: externalID) {
            case .remove(let reason): removals.removed.append((first, reason))
            case .disable: if user.profile.isEnabled { removals.disabled.append((first, .leftScope)) }
            case .keep: userMarks[Int(first)].insert(.keptOutOfScope)
            case .pending(let until, let isNew):
                userMarks[Int(first)].insert(.keptOutOfScope)
                if user.profile.isEnabled { removals.disabled.append((first, .removalPending)) }
                removals.pending.append((first, until, isNew))
            }
        }
        for (slot, _) in removals.removed { userMarks[Int(slot)].insert(.removed) }
        return removals
    }

    private mutating func applyUserRemovals(_ removals: UserRemovals) {
        for (slot, reason) in removals.removed {
            let user = storeUser(slot)
            add(.userRemovals, .removeUser(user.id, externalID: user.origin.externalID ?? ""),
                label: .storeUser(slot), reason)
        }
        for (slot, reason) in removals.disabled {
            let user = storeUser(slot)
            var profile = user.profile
            profile.isEnabled = false
            add(.userRemovals, .disableUser(user.id, externalID: user.origin.externalID ?? "", profile: profile),
                label: .storeUser(slot), reason)
        }
        for (slot, until, isNew) in removals.pending {
            let user = storeUser(slot)
            reportPending(
                .user, user.id, externalID: user.origin.externalID ?? "", subject: user.profile.email ?? user.profile.name, until: until,
                isNew: isNew, disabledNow: user.profile.isEnabled)
        }
        // The guard counts a staged removal once, in the run where it becomes pending (and the
        // user is disabled), not again when its grace ends.
        removedUserCount = removals.removed.count { $0.reason != .gracePeriodEnded } + removals.disabled.count { $0.reason == .leftScope }
            + removals.pending.count { $0.isNew }
    }
}
