import DirectorySync

/// `dirsync --state DIR filter set --source NAME (--all | --groups EXPR | --users EXPR)`; carried
/// out by the folder's owner when another process holds it.
enum FilterSetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let all = arguments.flag("all")
        let groups = try arguments.option("groups")
        let users = try arguments.option("users")
        try arguments.finish()
        let filter: SyncFilter
        switch (all, groups, users) {
        case (true, nil, nil): filter = .all
        case (false, let text?, nil): filter = .usersByGroup(try FilterExpression(parsing: text))
        case (false, nil, let text?): filter = .usersByUser(try FilterExpression(parsing: text))
        default: throw UsageError("give exactly one of --all, --groups EXPR and --users EXPR")
        }
        return try await context.submit(AdminCommand.request(.filter, source, context) { $0.filter = filter })
    }
}
