import DirectorySync

/// `dirsync --state DIR users --source NAME`: the store's users from a source, with their groups;
/// `users --manual-unmatched`: the store's manual users that no source matched (reads only).
///
/// A manual user is *matched* when a source's applied run found it as the identity of one of its
/// directory users (by email, or by a login such as the user principal name) and adopted it: it
/// is then that source's (origin `directory`). A user whose origin is still `manual` is unmatched:
/// no directory user of any source matches it, or the run that would adopt it has not been applied
/// yet (a source that is off, or waits for confirmation), or two directory users match it (the
/// conflict `ambiguousMatch`, which leaves it alone). These are the users administrators manage by hand.
enum UsersCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let unmatched = arguments.flag("manual-unmatched")
        if unmatched, try arguments.option("source") != nil {
            throw UsageError("--manual-unmatched lists the manual users of the whole store, which no source matched; leave out --source")
        }
        let source = unmatched ? nil : try await context.source(&arguments)
        try arguments.finish()
        let contents = try await context.store.contents()
        var groupsOfUser: [IdentityID: [String]] = [:]
        for group in contents.groups { for member in group.memberIDs { groupsOfUser[member, default: []].append(group.profile.name) } }
        let selected = contents.users.filter { user in
            if let source { return user.origin.sourceID == source.id }
            return user.origin == .manual
        }.sorted { $0.profile.name < $1.profile.name }
        let rows = selected.map { user in
            IdentityRow(id: user.id.rawValue, name: user.profile.name, origin: user.origin, email: user.profile.email, logins: user.profile.logins,
                        enabled: user.profile.isEnabled, memberOf: (groupsOfUser[user.id] ?? []).sorted())
        }
        if context.json { try context.printJSON(rows); return 0 }
        print(Table.render(["ID", "NAME", "EMAIL", "LOGINS", "ENABLED", "GROUPS"], rows.map {
            [$0.id, $0.name, $0.email ?? "-", ($0.logins ?? []).joined(separator: ", "), $0.enabled == true ? "yes" : "no", ($0.memberOf ?? []).joined(separator: ", ")]
        }))
        if let source {
            print("\(rows.count.counted("user")) from '\(Terminal.safe(source.name))'.")
        } else {
            print("\(rows.count.counted("manual user")) that no source matched: managed by hand.")
        }
        return 0
    }
}
