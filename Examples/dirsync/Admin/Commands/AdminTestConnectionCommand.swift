import DirectorySync

/// `dirsync --state DIR test-connection --source NAME`: the connection test on a source's saved
/// credentials (the standalone `dirsync test-connection` tests unsaved ones).
enum AdminTestConnectionCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("test-connection")
        let source = try await context.source(&arguments)
        try arguments.finish()
        let result: ConnectionTestResult
        do {
            result = try await context.service.testConnection(source.id)
        } catch let error as DirectoryServiceError {
            throw AdminContext.namingVariable(error, source: source, secrets: context.secrets)
        }
        if context.json { try context.printJSON(result) } else { print(Terminal.safe(lines: "\(result)")) }
        if result.isSuccessful, !context.json { print("The connection works; turn the source on with: on --source \"\(Terminal.safe(source.name))\"") }
        return result.isSuccessful ? 0 : 1
    }
}
