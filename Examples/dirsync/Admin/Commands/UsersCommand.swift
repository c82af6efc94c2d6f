import DirectorySync

/// `dirsync --state DIR users --source NAME`: the store's users from a source, with their groups (reads only).
enum UsersCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        let contents = try await context.store.contents()
        var groupsOfUser: [IdentityID: [String]] = [:]
        for group in contents.groups { for member in group.memberIDs { groupsOfUser[member, default: []].append(group.profile.name) } }
        let selected = contents.users.filter { $0.origin.sourceID == source.id }.sorted { $0.profile.name < $1.profile.name }
        let rows = selected.map { user in
            IdentityRow(id: user.id.rawValue, name: user.profile.name, origin: user.origin, email: user.profile.email, logins: user.profile.logins,
                        enabled: user.profile.isEnabled, memberOf: (groupsOfUser[user.id] ?? []).sorted())
        }
        if context.json { try context.printJSON(rows); return 0 }
        print(Table.render(["ID", "NAME", "EMAIL", "LOGINS", "ENABLED", "GROUPS"], rows.map {
            [$0.id, $0.name, $0.email ?? "-", ($0.logins ?? []).joined(separator: ", "), $0.enabled == true ? "yes" : "no", ($0.memberOf ?? []).joined(separator: ", ")]
        }))
        print("\(rows.count.counted("user")) from '\(Terminal.safe(source.name))'.")
        return 0
    }
}
