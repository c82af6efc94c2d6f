import DirectorySync

/// `dirsync --state DIR sync --source NAME [--confirm-removals]`: synchronizes a source now;
/// carried out by the folder's owner when another process holds it.
enum SyncCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let confirm = arguments.flag("confirm-removals")
        try arguments.finish()
        let progress = context.ownership == nil ? nil : context.showProgress()
        defer {
            progress?.cancel()
            Terminal.endProgress()
        }
        return try await context.submit(AdminCommand.request(.sync, source, context) { $0.confirmRemovals = confirm })
    }

    /// What `sync` prints: what happened first, then the counts, then what to do.
    static func text(_ record: RunRecord, name: String) -> [String] {
        let name = Terminal.safe(name)
        let read = "read \(RunRecordText.readKind(record))"
        let counts = "\(read), \(record.succeeded.counted("operation")) applied, \(record.failed.grouped) failed; "
            + "\(record.usersSynchronized.counted("user")) and \(record.groupsSynchronized.counted("group")) synchronized"
        switch record.outcome {
        case .succeeded:
            return ["Synchronized '\(name)': \(counts)."]
        case .partiallyFailed:
            return ["Synchronized '\(name)' in part: \(counts). The next synchronization retries what failed."]
        case .needsConfirmation(let violations):
            return ["Stopped by the deletion guard: the synchronization of '\(name)' needs confirmation; nothing was changed (\(read))."]
                + violations.map { "  \(Terminal.safe($0))" }
                + ["Check the filter, or apply the removals with: sync --source \"\(name)\" --confirm-removals"]
        case .cancelled:
            return ["The synchronization of '\(name)' was cancelled: \(counts). The next synchronization completes it."]
        case .failed(let message):
            return ["The synchronization of '\(name)' failed; nothing was applied (\(read)).", "  \(Terminal.safe(message))"]
        }
    }
}
