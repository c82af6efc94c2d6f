import DirectorySync
import Foundation

/// `dirsync --state DIR run-scheduler`: runs due synchronizations until SIGTERM or SIGINT, and
/// carries out other processes' requests meanwhile. With etcd state, as one replica among others
/// (`--replica NAME`): each scheduled run runs on one of them. Prints a line per run, quarantine and
/// release, secret-expiry warning and rise in conflicts.
enum RunSchedulerCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        try context.requireOwnership("run-scheduler")
        let signals = Signals.catchTermination()
        let events = context.service.events(includingOperations: false)
        await context.service.startScheduler()
        print("Running due synchronizations\(context.replica.map { " as replica \(Terminal.safe($0))" } ?? "") until interrupted (Ctrl-C).")
        fflush(nil)
        let printer = Task {
            for await event in events {
                guard let line = line(for: event) else { continue }
                print(line)
                fflush(nil)
            }
        }
        await signals.waitForTermination()
        // Takes no more requests while the scheduler's runs end; those taken are carried out.
        context.stopTakingRequests()
        await context.service.stopScheduler()
        printer.cancel()
        print("Stopped.")
        return 0
    }

    /// The line `run-scheduler` and `run-due` print for an event: a finished run, a quarantine, a
    /// release, a secret-expiry warning or a rise in conflicts; `nil` for every other event.
    static func line(for event: ServiceEvent) -> String? {
        switch event {
        case .runFinished(let id, let record):
            "\(record.endedAt.shortText) \(Terminal.safe("\(id)")): \(RunRecordText.outcome(record)), \(RunRecordText.readKind(record)), \(record.succeeded.grouped) applied"
        case .quarantined(let id, let quarantine):
            "\(quarantine.since.shortText) \(Terminal.safe("\(id)")): quarantined (\(quarantine.nextAttempt.map { "next attempt \($0.shortText)" } ?? "no scheduled attempt")): \(Terminal.safe(quarantine.reason))"
        case .released(let id):
            "\(Terminal.safe("\(id)")): released from quarantine"
        case .warning(let id, let warning) where warning.code == "secretExpiring" || warning.code == "conflictsIncreased":
            "\(Terminal.safe("\(id)")): \(Terminal.safe("\(warning)"))"
        default: nil
        }
    }
}
