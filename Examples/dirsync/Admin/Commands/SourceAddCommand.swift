import DirectorySync

/// `dirsync --state DIR source add --name NAME --domain DOMAIN [--description TEXT]`: adds a source, off.
enum SourceAddCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("source add")
        guard let name = try arguments.option("name"), let domain = try arguments.option("domain") else {
            throw UsageError("source add needs --name NAME and --domain DOMAIN")
        }
        let description = try arguments.option("description") ?? ""
        try arguments.finish()
        let source = try await context.service.addSource(name: name, domain: domain, description: description)
        if context.json { try context.printJSON(source) } else { print("Added '\(Terminal.safe(source.name))' (\(source.domain)), off. Next: credentials set --source \"\(Terminal.safe(source.name))\" …") }
        return 0
    }
}
