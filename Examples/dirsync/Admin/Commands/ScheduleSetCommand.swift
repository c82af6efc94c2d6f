import DirectorySync

/// `dirsync --state DIR schedule set --source NAME --kind KIND …`; carried out by the folder's
/// owner when another process holds it.
enum ScheduleSetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let schedule = try ScheduleOptions.parse(&arguments)
        try arguments.finish()
        return try await context.submit(AdminCommand.request(.schedule, source, context) { $0.schedule = schedule })
    }
}
