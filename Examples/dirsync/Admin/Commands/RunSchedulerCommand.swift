import DirectorySync
import Foundation

/// `dirsync --state DIR run-scheduler`: runs due synchronizations until SIGTERM or SIGINT, and
/// carries out other processes' requests meanwhile. Prints a line per run, quarantine and
/// release, secret-expiry warning and rise in conflicts.
enum RunSchedulerCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        try context.requireOwnership("run-scheduler")
        let signals = Signals.catchTermination()
        let events = context.service.events(includingOperations: false)
        await context.service.startScheduler()
        print("Running due synchronizations until interrupted (Ctrl-C).")
        fflush(nil)
        let printer = Task {
            for await event in events {
                switch event {
                case .runFinished(let id, let record):
                    print("\(record.endedAt.shortText) \(Terminal.safe("\(id)")): \(RunRecordText.outcome(record)), \(RunRecordText.readKind(record)), \(record.succeeded.grouped) applied")
                case .quarantined(let id, let quarantine):
                    let next = quarantine.nextAttempt.map { "next attempt \($0.shortText)" } ?? "no scheduled attempt"
                    print("\(quarantine.since.shortText) \(Terminal.safe("\(id)")): quarantined (\(next)): \(Terminal.safe(quarantine.reason))")
                case .released(let id):
                    print("\(Terminal.safe("\(id)")): released from quarantine")
                case .warning(let id, let warning) where warning.code == "secretExpiring" || warning.code == "conflictsIncreased":
                    print("\(Terminal.safe("\(id)")): \(Terminal.safe("\(warning)"))")
                default: continue
                }
                fflush(nil)
            }
        }
        await signals.waitForTermination()
        await context.service.stopScheduler()
        printer.cancel()
        print("Stopped.")
        return 0
    }
}
