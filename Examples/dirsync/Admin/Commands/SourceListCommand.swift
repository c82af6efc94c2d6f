import DirectorySync

/// `dirsync --state DIR source list`: every source with its state, schedule and filter (reads only).
enum SourceListCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        let sources = await context.service.allSources()
        if context.json { try context.printJSON(sources); return 0 }
        if sources.isEmpty { print("No sources yet. Add one with: source add --name NAME --domain DOMAIN"); return 0 }
        print(Table.render(["NAME", "DOMAIN", "STATE", "SCHEDULE", "FILTER"], sources.map { [$0.name, $0.domain, $0.state.rawValue, "\($0.schedule)", "\($0.settings.filter)"] }))
        return 0
    }
}
