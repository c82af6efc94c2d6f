import DirectorySync

/// `dirsync --state DIR run-due`: runs the synchronizations that are due now, once, and exits — the
/// scheduler's pass for cron or a systemd timer. Quarantined sources back off and secret-expiry
/// warnings are announced (once per lead time) as under `run-scheduler`, which a `sync` from cron
/// would not do: `sync` is an administrator's run and releases a quarantine. Prints a line per
/// run, quarantine and release, secret-expiry warning and rise in conflicts (`--json`: the records
/// of the runs, as an array). Exit status 0 when every run succeeded (or none was due), 1 when one
/// did not.
enum RunDueCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        try context.requireOwnership("run-due")
        let events = context.service.events(includingOperations: false)
        let json = context.json
        let printer = Task {
            for await event in events {
                if !json, let line = RunSchedulerCommand.line(for: event) { print(line) }
            }
        }
        let records = await context.service.runDueSynchronizations()
        // The events are all emitted by now: the printer takes what is left, then ends.
        printer.cancel()
        await printer.value
        if context.json {
            try context.printJSON(records)
        } else if records.isEmpty {
            print("No synchronization was due.")
        }
        return records.allSatisfy(\.isSuccess) ? 0 : 1
    }
}
