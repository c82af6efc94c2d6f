import DirectorySync

/// `dirsync --state DIR tracking reset --source NAME`: forgets the source's change tracking, so
/// its next run reads every user and group; refused while it synchronizes. Carried out by the
/// folder's owner when another process holds it.
enum TrackingResetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        return try await context.submit(AdminCommand.request(.trackingReset, source, context))
    }
}
