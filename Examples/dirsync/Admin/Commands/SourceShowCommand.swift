import DirectorySync

/// `dirsync --state DIR source show --source NAME`: one source's settings (reads only).
enum SourceShowCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        if context.json { try context.printJSON(source); return 0 }
        let credentials = source.credentials.map { "client \($0.clientID), tenant \($0.tenant)\($0.secretExpiration.map { ", secret expires \($0.shortText)" } ?? "")" }
        print("""
            Name:         \(Terminal.safe(source.name))
            Description:  \(Terminal.safe(source.description))
            Domain:       \(Terminal.safe(source.domain))
            State:        \(source.state)
            Credentials:  \(credentials.map(Terminal.safe(_:)) ?? "none")
            Tested:       \(source.credentialsTestedAt?.shortText ?? "no")
            Tenant:       \(source.tenant.map { Terminal.safe("\($0)") } ?? "not known (no passed connection test)")
            Filter:       \(Terminal.safe("\(source.settings.filter)"))
            Schedule:     \(source.schedule)
            """)
        return 0
    }
}
