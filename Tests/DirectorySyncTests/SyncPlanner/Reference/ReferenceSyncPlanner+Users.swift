// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

extension ReferencePlanBuilder {
    /// How a directory user found its identity in the store (rule 2).
    private enum Match {
        case linked(IdentityID)
        case byEmail(IdentityID)
        case byLogin(IdentityID)

        var id: IdentityID {
            switch self {
            case .linked(let id), .byEmail(let id), .byLogin(let id): id
            }
        }
    }

    /// Correlates, creates, adopts, updates, removes and disables the source's users (rules 2–5).
    mutating func planUsers() {
        let users = scope.users
        userStates = Array(repeating: .absent, count: users.count)
        var manualByEmail: [String: IdentityID] = [:]
        var manualByLogin: [String: [IdentityID]] = [:]
        var addressHolders: [String: IdentityID] = [:]
        addressHolders.reserveCapacity(usersByID.count)
        for user in usersByID.values {
            for key in user.profile.addressKeys { addressHolders[key] = user.id }
            guard user.origin == .manual else { continue }
            if let email = user.profile.email { manualByEmail[email.lowercasedKey] = user.id }
            for login in user.profile.logins { manualByLogin[login.lowercasedKey, default: []].append(user.id) }
        }

        // Correlate: linked, else manual by email, else manual by login.
        var matches = [Match?](repeating: nil, count: users.count)
        var emails = [String?](repeating: nil, count: users.count)
        var excluded = [Bool](repeating: false, count: users.count)
        userLabels = []
        userLabels.reserveCapacity(users.count)
        var claimsOnManual: [IdentityID: [Int]] = [:]
        for (index, user) in users.enumerated() {
            let email = user.primaryEmail
            emails[index] = email
            let subject = email ?? user.userPrincipalName
            userLabels.append(subject)
            if email == nil {
                if settings.missingEmail == .skip {
                    report(.skipped, .missingEmail, .user, externalID: user.id, subject: subject,
                        "The user has no email address (neither mail nor an SMTP proxy address) and the policy skips such users; give the user a mailbox or an address in Entra ID.")
                    excluded[index] = true
                    if let linked = linkedUsers[user.id]?.first { userStates[index] = .untouched(linked.id) }
                    continue
                }
                report(.warning, .missingEmail, .user, externalID: user.id, subject: subject,
                    "The user has no email address (neither mail nor an SMTP proxy address); it is synchronized, but workflows that need an address will not reach it.")
            }
            if let linked = linkedUsers[user.id]?.first {
                matches[index] = .linked(linked.id)
                continue
            }
            if let email, let manual = manualByEmail[email.lowercasedKey] {
                matches[index] = .byEmail(manual)
                claimsOnManual[manual, default: []].append(index)
                continue
            }
            var candidates: Set<IdentityID> = []
            for key in user.loginMatchKeys { candidates.formUnion(manualByLogin[key] ?? []) }
            if candidates.count > 1 {
                let related = candidates.sorted()
                report(.conflict, .ambiguousMatch, .user, externalID: user.id, subject: subject,
                    "Several manual users (\(related.map(\.rawValue).joined(separator: ", "))) have a login matching \(user.userPrincipalName); keep the login on one of them.",
                    related: related)
                excluded[index] = true
            } else if let manual = candidates.first {
                matches[index] = .byLogin(manual)
                claimsOnManual[manual, default: []].append(index)
            }
        }
        for (manual, claimants) in claimsOnManual where claimants.count > 1 {
            for index in claimants {
                report(.conflict, .contestedMatch, .user, externalID: users[index].id,
                    subject: emails[index] ?? users[index].userPrincipalName,
                    "The manual user \(manual) matches \(claimants.count) directory users; change its email or logins so it matches one.",
                    related: [manual])
                excluded[index] = true
                matches[index] = nil
            }
        }

        // Emails must be unique within the source; an alias another user of the source also lists is dropped.
        var primaryCount: [String: Int] = [:]
        var aliasCount: [String: Int] = [:]
        var aliasLists = [[String]](repeating: [], count: users.count)
        for index in users.indices where !excluded[index] {
            if let email = emails[index] { primaryCount[email.lowercasedKey, default: 0] += 1 }
            aliasLists[index] = users[index].emailAliases
            for alias in aliasLists[index] { aliasCount[alias.lowercasedKey, default: 0] += 1 }
        }
        var claimants = [ReferenceUniqueValueResolver.Claimant?](repeating: nil, count: users.count)
        for (index, user) in users.enumerated() where !excluded[index] {
            let subject = emails[index] ?? user.userPrincipalName
            if let email = emails[index], primaryCount[email.lowercasedKey, default: 0] > 1 {
                report(.conflict, .duplicateEmailInSource, .user, externalID: user.id, subject: subject,
                    "\(primaryCount[email.lowercasedKey]!) directory users have the email \(email), which must be unique in the store; correct the address in Entra ID.")
                leaveUntouched(userAt: index, match: matches[index])
                continue
            }
            var values: [ReferenceUniqueValueResolver.Value] = []
            if let email = emails[index] { values.append(.init(key: email.lowercasedKey, isPrimary: true)) }
            var kept: [String] = []
            for alias in aliasLists[index] {
                let key = alias.lowercasedKey
                if primaryCount[key] != nil || aliasCount[key, default: 0] > 1 {
                    report(.warning, .aliasDropped, .user, externalID: user.id, subject: subject,
                        "The alias \(alias) also belongs to another directory user of this source, so it is left out; remove it from one of them in Entra ID.")
                    continue
                }
                kept.append(alias)
                values.append(.init(key: key, isPrimary: false))
            }
            aliasLists[index] = kept
            claimants[index] = .init(target: matches[index]?.id, values: values)
        }

        let removals = plannedUserRemovals()
        let outcomes = ReferenceUniqueValueResolver.resolve(claimants, holders: addressHolders, released: removals.released)
        for (index, outcome) in outcomes.enumerated() {
            guard let outcome else { continue }
            let user = users[index]
            let subject = emails[index] ?? user.userPrincipalName
            switch outcome {
            case .blocked(_, let holder):
                let held = usersByID[holder]!
                report(.conflict, .emailInUse, .user, externalID: user.id, subject: subject,
                    "The email is held by \(describeHolder(origin: held.origin, name: held.profile.name, id: holder, kind: "user")); emails are unique in the store, so remove it from one of the two.",
                    related: [holder])
                leaveUntouched(userAt: index, match: matches[index])
            case .proceed(let dropped, let deferred, let releasesForOthers):
                let droppedKeys = Set(dropped.map(\.key))
                for (key, holder) in dropped {
                    let held = usersByID[holder]!
                    report(.warning, .aliasDropped, .user, externalID: user.id, subject: subject,
                        "The alias \(key) is held by \(describeHolder(origin: held.origin, name: held.profile.name, id: holder, kind: "user")), so it is left out.",
                        related: [holder])
                }
                let aliases = aliasLists[index].filter { !droppedKeys.contains($0.lowercasedKey) }
                planUser(at: index, match: matches[index], email: emails[index], aliases: aliases,
                    deferred: deferred, releasesForOthers: releasesForOthers)
            }
        }
        applyUserRemovals(removals)
    }

    private mutating func leaveUntouched(userAt index: Int, match: Match?) {
        if case .linked(let id) = match { userStates[index] = .untouched(id) }
    }

    private mutating func planUser(
        at index: Int, match: Match?, email: String?, aliases: [String], deferred: Set<String>, releasesForOthers: Bool
    ) {
        let user = scope.users[index]
        let subject = email ?? user.userPrincipalName
        var desired = UserProfile(
            name: user.displayName.flatMap { $0.trimmed.isEmpty ? nil : $0 } ?? user.userPrincipalName,
            firstName: user.givenName, lastName: user.surname, email: email, aliases: aliases,
            logins: user.logins, isEnabled: user.accountEnabled)
        guard let match, let existing = usersByID[match.id] else {
            let phase: SyncPhase = deferred.isEmpty ? .users : .deferredUsers
            add(phase, .createUser(externalID: user.id, profile: desired), subject: subject, .newInScope)
            userStates[index] = .proceeds(.created(externalID: user.id), deferredCreate: !deferred.isEmpty)
            return
        }
        userStates[index] = .proceeds(.existing(existing.id), deferredCreate: false)
        // Logins an administrator added stay: synchronized users may be given extra logins.
        var seen = Set(desired.logins.map { $0.lowercasedKey })
        for login in existing.profile.logins where seen.insert(login.lowercasedKey).inserted { desired.logins.append(login) }

        let reason: SyncReason
        switch match {
        case .linked: reason = wasPending(existing.id) ? .returnedInScope : .attributesChanged
        case .byEmail: reason = .matchedByEmail
        case .byLogin: reason = .matchedByLogin
        }
        let adopting = if case .linked = match { false } else { true }
        if !adopting && existing.profile == desired {
            unchangedUsers += 1
            if listsUnchanged {
                unchanged.append(.init(objectKind: .user, externalID: user.id, identityID: existing.id, subject: subject))
            }
            return
        }
        func action(_ from: UserProfile, _ to: UserProfile, adopt: Bool) -> SyncAction {
            let changes = FieldChange.between(from, to)
            return adopt
                ? .adoptUser(existing.id, externalID: user.id, profile: to, changes: changes)
                : .updateUser(existing.id, externalID: user.id, profile: to, changes: changes)
        }
        guard !deferred.isEmpty else {
            add(.users, action(existing.profile, desired, adopt: adopting), subject: subject, reason)
            return
        }
        guard releasesForOthers else {
            add(.deferredUsers, action(existing.profile, desired, adopt: adopting), subject: subject,
                adopting ? reason : .takesReleasedValue)
            return
        }
        // This user frees an address another user takes, and takes one freed by another: step
        // aside first (without the contested addresses), then take the final values.
        var interim = desired
        if let email = interim.email, deferred.contains(email.lowercasedKey) { interim.email = nil }
        interim.aliases.removeAll { deferred.contains($0.lowercasedKey) }
        add(.users, action(existing.profile, interim, adopt: adopting), subject: subject, .releasesValueForAnother)
        add(.deferredUsers, action(interim, desired, adopt: false), subject: subject, .takesReleasedValue)
    }

    /// The source's users that leave the scope in this run, and what happens to each.
    struct UserRemovals {
        var removed: [(IdentityUser, SyncReason)] = []
        /// Users disabled: for good (`leftScope`) or while their removal is pending (`removalPending`).
        var disabled: [(IdentityUser, SyncReason)] = []
        /// Users whose removal is pending after this run.
        var pending: [(user: IdentityUser, until: Date, isNew: Bool)] = []
        /// Identities whose addresses become free (deleted ones; disabled and pending users keep theirs).
        var released: Set<IdentityID> { Set(removed.map(\.0.id)) }
    }

    private mutating func plannedUserRemovals() -> UserRemovals {
        let inScope = Set(scope.users.map { ObjectKey($0.id) })
        var removals = UserRemovals()
        for (externalID, users) in linkedUsers where decides(externalID) {
            for (position, user) in users.enumerated() {
                if inScope.contains(ObjectKey(externalID)) {
                    if position > 0 { removals.removed.append((user, .duplicateLink)) }
                    continue
                }
                guard position == 0 else {
                    removals.removed.append((user, .leftScope))
                    continue
                }
                switch fate(ofOutOfScope: .user, user.id, externalID: externalID) {
                case .remove(let reason): removals.removed.append((user, reason))
                case .disable: if user.profile.isEnabled { removals.disabled.append((user, .leftScope)) }
                case .keep: keptOutOfScopeUserIDs.insert(user.id)
                case .pending(let until, let isNew):
                    keptOutOfScopeUserIDs.insert(user.id)
                    if user.profile.isEnabled { removals.disabled.append((user, .removalPending)) }
                    removals.pending.append((user, until, isNew))
                }
            }
        }
        return removals
    }

    private mutating func applyUserRemovals(_ removals: UserRemovals) {
        for (user, reason) in removals.removed {
            add(.userRemovals, .removeUser(user.id, externalID: user.origin.externalID ?? ""),
                subject: user.profile.email ?? user.profile.name, reason)
            deletedUserIDs.insert(user.id)
        }
        for (user, reason) in removals.disabled {
            var profile = user.profile
            profile.isEnabled = false
            add(.userRemovals, .disableUser(user.id, externalID: user.origin.externalID ?? "", profile: profile),
                subject: user.profile.email ?? user.profile.name, reason)
        }
        for (user, until, isNew) in removals.pending {
            reportPending(
                .user, user.id, externalID: user.origin.externalID ?? "", subject: user.profile.email ?? user.profile.name, until: until,
                isNew: isNew, disabledNow: user.profile.isEnabled)
        }
        // The guard counts a staged removal once, in the run where it becomes pending (and the
        // user is disabled), not again when its grace ends.
        removedUserCount = removals.removed.count { $0.1 != .gracePeriodEnded } + removals.disabled.count { $0.1 == .leftScope }
            + removals.pending.count { $0.isNew }
    }
}
