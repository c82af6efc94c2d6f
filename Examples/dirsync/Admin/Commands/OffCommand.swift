import DirectorySync

/// `dirsync --state DIR off --source NAME [--cancel]`: turns a source off, letting a running
/// synchronization finish or, with `--cancel`, stopping it; carried out by the folder's owner when
/// another process holds it.
enum OffCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let cancel = arguments.flag("cancel")
        try arguments.finish()
        return try await context.submit(AdminCommand.request(.off, source, context) { $0.cancel = cancel })
    }
}
