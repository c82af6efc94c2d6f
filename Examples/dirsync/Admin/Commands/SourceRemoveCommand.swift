import DirectorySync

/// `dirsync --state DIR source remove --source NAME`: removes a source; its users and groups stay in the store.
enum SourceRemoveCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("source remove")
        let source = try await context.source(&arguments)
        try arguments.finish()
        try await context.service.removeSource(source.id)
        if context.json { try context.printJSON(source); return 0 }
        print("Removed '\(Terminal.safe(source.name))'. Its users and groups stay in the store.")
        return 0
    }
}
