import DirectorySync

/// `dirsync --state DIR status --source NAME`: a source's state, the replica running it now (with
/// etcd state, or a run of this process), schedule, last run, quarantine (since when, why, next
/// attempt) and warnings (reads only).
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
            "Schedule:   \(source.schedule)\(status.quarantine == nil ? status.nextRun.map { "; next run \($0.shortText)" } ?? "" : "")",
            "Last run:   \(status.lastRun.map { "\($0.endedAt.shortText), \(RunRecordText.outcome($0)), \(RunRecordText.readKind($0))" } ?? "never")",
            "Imported:   \(status.usersSynchronized.counted("user")), \(status.groupsSynchronized.counted("group"))",
        ]
        if let holder = status.runningOn {
            lines.insert("Running:    on replica \(Terminal.safe(holder.replica)) since \(holder.since.shortText) (run \(Terminal.safe(String(holder.runID.prefix(8)))))", at: 2)
        }
        if let quarantine = status.quarantine {
            let failures = quarantine.consecutiveFailures == 1 ? "a failed run" : "\(quarantine.consecutiveFailures) failed runs in a row"
            lines.append("Quarantine: since \(quarantine.since.shortText), after \(failures): \(Terminal.safe(quarantine.reason))")
            lines.append(
                "            "
                    + (quarantine.nextAttempt.map { "next attempt \($0.shortText)" } ?? "no scheduled attempt")
                    + "; sync, credentials set, filter set, policy set or schedule set releases it now")
        } else if status.consecutiveFailures > 0 {
            lines.append("Failures:   \(status.consecutiveFailures.counted("failed run")) in a row")
        }
        if let pending = status.pendingRemovals {
            lines.append(
                "Removals:   \(pending.users.counted("user")), \(pending.groups.counted("group")) pending (disabled or kept until their grace ends); "
                    + "the first on \(pending.earliestUntil.shortText) unless it returns to the scope")
        }
        lines += status.warnings.map { "Warning:    \(Terminal.safe("\($0)"))" }
        return lines.joined(separator: "\n")
    }
}
