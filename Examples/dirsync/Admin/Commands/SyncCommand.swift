import DirectorySync

/// `dirsync --state DIR sync --source NAME [--full] [--confirm-removals] | --user KEY]`: synchronizes
/// a source now — reading everything with `--full` —, or, with `--user`, one user on demand
/// (trigger `onDemand`); carried out by the folder's owner when another process holds it. Exit status 0 when the run succeeded, 1 when it
/// did not (partially failed, stopped by the deletion guard, cancelled, failed) or its history
/// could not be saved.
enum SyncCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let user = try arguments.option("user")
        let source = try await context.source(&arguments)
        let confirm = arguments.flag("confirm-removals")
        let full = arguments.flag("full")
        try arguments.finish()
        if user != nil && confirm {
            throw UsageError("--confirm-removals confirms a whole synchronization's removals and does not go with --user; run 'sync --source NAME --confirm-removals' on its own")
        }
        if user != nil && full {
            throw UsageError("--full reads the whole directory and does not go with --user (which looks up one user); run 'sync --source NAME --full' on its own")
        }
        let progress = context.carriesOutRequests ? context.showProgress() : nil
        defer {
            progress?.cancel()
            Terminal.endProgress()
        }
        return try await context.submit(AdminCommand.request(user != nil ? .syncUser : full ? .syncFull : .sync, source, context) {
            $0.confirmRemovals = confirm
            $0.user = user
        })
    }

    /// What `sync` prints: what happened first, then the counts, then what to do. `user` is the
    /// key of `sync --user KEY` (a run on demand), which adds where its report is.
    static func text(_ record: RunRecord, name: String, user: String? = nil) -> [String] {
        let name = Terminal.safe(name)
        let read = "read \(RunRecordText.readKind(record))"
        let counts = "\(read), \(record.succeeded.counted("operation")) applied, \(record.failed.grouped) failed; "
            + "\(record.usersSynchronized.counted("user")) and \(record.groupsSynchronized.counted("group")) synchronized"
        let what = user.map { "'\(Terminal.safe($0))' from '\(name)' on demand" } ?? "'\(name)'"
        var lines: [String]
        switch record.outcome {
        case .succeeded:
            lines = ["Synchronized \(what): \(counts)."]
        case .partiallyFailed:
            lines = ["Synchronized \(what) in part: \(counts). The next synchronization retries what failed."]
        case .needsConfirmation(let violations):
            lines = ["Stopped by the deletion guard: the synchronization of \(what) needs confirmation; nothing was changed (\(read))."]
                + violations.map { "  \(Terminal.safe($0))" }
                + [user == nil ? "Check the filter, or apply the removals with: sync --source \"\(name)\" --confirm-removals"
                    : "Check the filter; a whole synchronization confirmed with sync --source \"\(name)\" --confirm-removals applies them with everything else."]
        case .cancelled:
            lines = ["The synchronization of \(what) was cancelled: \(counts). The next synchronization completes it."]
        case .failed(let message):
            // A run can fail after applying changes (it lost its claim, or could not keep its tracking): say so.
            let applied = record.succeeded == 0
                ? "; nothing was applied" : " after \(record.succeeded.counted("operation")) \(record.succeeded == 1 ? "was" : "were") applied"
            lines = ["The synchronization of \(what) failed\(applied) (\(read)).", "  \(Terminal.safe(message))"]
        }
        guard let user else { return lines }
        if record.outcome == .succeeded, record.summary.operations.isEmpty, record.summary.issues.isEmpty {
            if case .lookup(objects: 0) = record.readKind {
                lines.append("No user in the directory has that id, user principal name or email address, and no identity of '\(name)' is linked to one: nothing to do.")
            } else {
                lines.append("Nothing to change for that user; explain --source \"\(name)\" --user \"\(Terminal.safe(user))\" says why.")
            }
        }
        if let waiting = record.summary.issues[.waitsForFullSynchronization], waiting > 0 {
            lines.append("Part of the change waits for the next whole synchronization (code waitsForFullSynchronization).")
        }
        lines.append("What it did to each object: history --source \"\(name)\" --run \(Terminal.safe(String(record.id.prefix(8))))")
        return lines
    }
}
