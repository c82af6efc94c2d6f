import DirectorySync

/// `dirsync --state DIR history --source NAME`: a source's runs, one a line (reads only).
enum HistoryCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        let history = try await context.service.history(source.id)
        if context.json { try context.printJSON(history); return 0 }
        print(Table.render(["STARTED", "TRIGGER", "READ", "OUTCOME", "APPLIED", "FAILED", "USERS", "GROUPS"], history.map {
            [$0.startedAt.shortText, $0.trigger.rawValue, RunRecordText.readKind($0), RunRecordText.outcome($0), $0.succeeded.grouped, $0.failed.grouped,
             $0.usersSynchronized.grouped, $0.groupsSynchronized.grouped]
        }))
        return 0
    }
}
