import DirectorySync

/// The rules every ``DirectorySync/DirectoryProvider`` must keep, as checks to run against any implementation.
///
/// Each check generates a small tenant and asks a factory for a provider that serves it (for
/// the in-memory provider, the tenant's users and groups; for Graph, an emulator loaded with it).
/// ```swift
/// @Test(arguments: DirectoryProviderContract.checks)
/// func inMemory(_ check: DirectoryProviderContract.Check) async throws {
///     try await check.run { tenant in InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups) }
/// }
/// ```
public enum DirectoryProviderContract {
    /// Makes a provider that serves the given tenant.
    public typealias Factory = @Sendable (GeneratedTenant) async throws -> any DirectoryProvider

    /// One named rule.
    public typealias Check = ContractCheck<Factory>

    static let tenant = TenantGenerator(
        configuration: .init(users: 240, groups: 30, seed: 99, withoutEmailShare: 0.05, proxyOnlyEmailShare: 0.1)
    ).generate()

    private static func sortedUsers(_ users: [DirectoryUser]) -> [DirectoryUser] { users.sorted { $0.id < $1.id } }

    private static func normalizedGroups(_ groups: [DirectoryGroup]) -> [DirectoryGroup] {
        groups.map { group in
            var group = group
            group.memberUserIDs.sort()
            group.memberGroupIDs.sort()
            return group
        }.sorted { $0.id < $1.id }
    }

    /// Keys of every kind against ``tenant``: ids (one upper-cased), user principal names, `mail`,
    /// an SMTP primary of a user without `mail`, an alias, a `DOMAIN\name` login, a user in nested
    /// groups, a group id, a group name in other case, unknown keys, and several keys at once.
    static let sampleLookups: [DirectoryLookup] = {
        let users = tenant.users
        let groups = tenant.groups
        var lookups: [DirectoryLookup] = []
        // A user in a nested group: its path goes through more than one level.
        let nestedMember = groups.first { !$0.memberGroupIDs.isEmpty }.flatMap { parent in
            groups.first { parent.memberGroupIDs.contains($0.id) && !$0.memberUserIDs.isEmpty }?.memberUserIDs.first
        }
        if let id = nestedMember { lookups.append(DirectoryLookup(users: [id])) }
        if let user = users.first(where: { $0.mail != nil }) {
            lookups.append(DirectoryLookup(users: [user.id.uppercased()]))
            lookups.append(DirectoryLookup(users: [user.userPrincipalName]))
            lookups.append(DirectoryLookup(users: [user.mail!.uppercased()]))
        }
        if let user = users.first(where: { $0.mail == nil && $0.primaryEmail != nil }), let email = user.primaryEmail {
            lookups.append(DirectoryLookup(users: [email]))
        }
        if let user = users.first(where: { !$0.emailAliases.isEmpty }) { lookups.append(DirectoryLookup(users: [user.emailAliases[0]])) }
        if let user = users.first(where: { $0.onPremisesSamAccountName != nil }) {
            lookups.append(DirectoryLookup(users: ["CORP\\\(user.onPremisesSamAccountName!.uppercased())"]))
        }
        if let group = groups.first(where: { !$0.memberGroupIDs.isEmpty }) { lookups.append(DirectoryLookup(groups: [group.id])) }
        if let group = groups.last { lookups.append(DirectoryLookup(groups: [group.displayName.lowercased()])) }
        lookups.append(DirectoryLookup(users: ["nobody@nowhere.example", "00000000-0000-4000-8000-000000000000", "CORP\\nobody"], groups: ["No such group"]))
        lookups.append(DirectoryLookup(users: [users[3].userPrincipalName, users[7].id], groups: [groups[1].id, groups[2].displayName]))
        // Groups by name only (without members), beside a user whose groups are also read.
        lookups.append(DirectoryLookup(users: [users[3].id], groupNames: [groups[0].displayName.uppercased(), groups[4].displayName, "No such group"]))
        return lookups
    }()

    /// Every check.
    public static let checks: [Check] = [
        Check("a read returns every user with its attributes") { factory, expect in
            let snapshot = try await factory(tenant).read()
            try expect.that(snapshot.isComplete, "the snapshot is not marked complete")
            let read = sortedUsers(snapshot.users)
            let expected = sortedUsers(tenant.users)
            try expect.that(read.count == expected.count, "read \(read.count) users, the tenant has \(expected.count)")
            for (got, want) in zip(read, expected) where got != want {
                throw ContractViolation(check: expect.check, message: "user \(want.id) read as \(got), expected \(want)")
            }
        },
        Check("a read returns every group with its direct members") { factory, expect in
            let snapshot = try await factory(tenant).read()
            let read = normalizedGroups(snapshot.groups)
            let expected = normalizedGroups(tenant.groups)
            try expect.that(read.count == expected.count, "read \(read.count) groups, the tenant has \(expected.count)")
            for (got, want) in zip(read, expected) where got != want {
                throw ContractViolation(check: expect.check, message: "group \(want.id) read as \(got), expected \(want)")
            }
        },
        Check("two reads of an unchanged directory are equal") { factory, expect in
            let provider = try await factory(tenant)
            let first = try await provider.read()
            let second = try await provider.read()
            try expect.that(
                sortedUsers(first.users) == sortedUsers(second.users)
                    && normalizedGroups(first.groups) == normalizedGroups(second.groups),
                "two reads differ")
        },
        Check("change tracking starts with the whole directory, and an unchanged directory reports no effective change") { factory, expect in
            let provider = try await factory(tenant)
            let full = DirectoryMirror(try await provider.read()).snapshot
            guard case .full(let snapshot, let cursor) = try await provider.readChanges(since: nil, filter: .all) else {
                throw ContractViolation(check: expect.check, message: "a read without a cursor returned changes instead of everything")
            }
            let mirror = DirectoryMirror(snapshot)
            try expect.that(mirror.snapshot.users == full.users && mirror.snapshot.groups == full.groups, "the tracking read differs from a full read")
            guard let cursor else { return }
            guard case .changes(let changes, _, _) = try await provider.readChanges(since: cursor, filter: .all) else { return }
            var replayed = mirror
            replayed.apply(changes)
            try expect.that(replayed == mirror, "changes of an unchanged directory changed the mirror")
        },
        Check("a lookup returns what the whole directory gives for the same keys") { factory, expect in
            let provider = try await factory(tenant)
            let full = try await provider.read()
            for lookup in sampleLookups {
                let got = try await provider.lookUp(lookup)
                let want = DirectoryExcerpt(full, lookup)
                try expect.that(
                    sortedUsers(got.users) == sortedUsers(want.users),
                    "users looked up for \(lookup): \(got.users.map(\.id).sorted()), expected \(want.users.map(\.id).sorted())")
                let gotGroups = normalizedGroups(got.groups)
                let wantGroups = normalizedGroups(want.groups)
                try expect.that(gotGroups.map(\.id) == wantGroups.map(\.id), "groups looked up for \(lookup): \(gotGroups.map(\.id)), expected \(wantGroups.map(\.id))")
                for (gotGroup, wantGroup) in zip(gotGroups, wantGroups) where gotGroup != wantGroup {
                    throw ContractViolation(check: expect.check, message: "group \(wantGroup.id) looked up for \(lookup) as \(gotGroup), expected \(wantGroup)")
                }
            }
        },
        Check("a cancelled read never returns a partial snapshot marked complete") { factory, expect in
            let provider = try await factory(tenant)
            let task = Task { try await provider.read() }
            task.cancel()
            guard let snapshot = try? await task.value else { return }
            if snapshot.isComplete {
                try expect.that(
                    snapshot.users.count == tenant.users.count && snapshot.groups.count == tenant.groups.count,
                    "a cancelled read returned \(snapshot.users.count) users marked complete")
            }
        },
    ]
}
