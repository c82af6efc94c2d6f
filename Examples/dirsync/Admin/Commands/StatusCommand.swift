import DirectorySync

/// `dirsync --state DIR status --source NAME`: a source's state, schedule, last run and warnings (reads only).
enum StatusCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        let status = try await context.service.status(source.id)
        if context.json { try context.printJSON(status) } else { print(text(status)) }
        return 0
    }

    private static func text(_ status: SourceStatus) -> String {
        let source = status.source
        var lines = [
            "\(Terminal.safe(source.name)) — \(status.type), \(Terminal.safe(source.domain))",
            "State:      \(source.state)",
            "Schedule:   \(source.schedule)\(status.nextRun.map { "; next run \($0.shortText)" } ?? "")",
            "Last run:   \(status.lastRun.map { "\($0.endedAt.shortText), \(RunRecordText.outcome($0)), \(RunRecordText.readKind($0))" } ?? "never")",
            "Imported:   \(status.usersSynchronized.counted("user")), \(status.groupsSynchronized.counted("group"))",
        ]
        lines += status.warnings.map { "Warning:    \(Terminal.safe("\($0)"))" }
        return lines.joined(separator: "\n")
    }
}
