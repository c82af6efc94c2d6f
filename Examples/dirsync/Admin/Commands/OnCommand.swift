import DirectorySync

/// `dirsync --state DIR on --source NAME`: turns a source on (its schedule runs); carried out by
/// the folder's owner when another process holds it.
enum OnCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        return try await context.submit(AdminCommand.request(.on, source, context))
    }
}
