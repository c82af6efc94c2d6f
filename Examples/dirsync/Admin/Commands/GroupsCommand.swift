import DirectorySync

/// `dirsync --state DIR groups --source NAME`: the store's groups from a source, with their member counts (reads only).
enum GroupsCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        let contents = try await context.store.contents()
        let selected = contents.groups.filter { $0.origin.sourceID == source.id }.sorted { $0.profile.name < $1.profile.name }
        let rows = selected.map { group in
            IdentityRow(id: group.id.rawValue, name: group.profile.name, origin: group.origin, members: group.memberIDs.count)
        }
        if context.json { try context.printJSON(rows); return 0 }
        print(Table.render(["ID", "NAME", "MEMBERS"], rows.map { [$0.id, $0.name, ($0.members ?? 0).grouped] }))
        print("\(rows.count.counted("group")) from '\(Terminal.safe(source.name))'.")
        return 0
    }
}
