import DirectorySync

/// `dirsync --state DIR policy set --source NAME [--removal remove|disable|disable-then-remove|never]
/// [--grace 7d] [--missing-email sync|skip] [--guard-users N|P%] [--guard-groups N|P%]
/// [--guard-memberships N|P%]`: changes the given policies and keeps the others; carried out by the
/// folder's owner when another process holds it.
enum PolicySetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let change = try PolicyChange.parse(&arguments)
        try arguments.finish()
        return try await context.submit(AdminCommand.request(.policy, source, context) { $0.policy = change })
    }
}
