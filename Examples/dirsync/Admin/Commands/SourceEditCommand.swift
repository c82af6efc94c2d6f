import DirectorySync

/// `dirsync --state DIR source edit --source NAME [--name NAME] [--description TEXT] [--domain DOMAIN]`:
/// renames a source, or changes its description or (while it is off) its domain, which its
/// credentials must then pass a connection test for again.
enum SourceEditCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("source edit")
        let source = try await context.source(&arguments)
        let name = try arguments.option("name")
        let description = try arguments.option("description")
        let domain = try arguments.option("domain")
        try arguments.finish()
        guard name != nil || description != nil || domain != nil else {
            throw UsageError("source edit needs at least one of --name NAME, --description TEXT and --domain DOMAIN")
        }
        let edited = try await context.service.editSource(source.id, name: name, description: description, domain: domain)
        if context.json { try context.printJSON(edited); return 0 }
        print("Changed '\(Terminal.safe(edited.name))' (\(edited.domain)).")
        if edited.domain != source.domain {
            print("Its credentials must pass a connection test for the new domain: test-connection --source \"\(Terminal.safe(edited.name))\"")
        }
        return 0
    }
}
