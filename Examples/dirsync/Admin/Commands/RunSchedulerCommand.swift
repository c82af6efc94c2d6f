import DirectorySync
import Foundation

/// `dirsync --state DIR run-scheduler`: runs due synchronizations until SIGTERM or SIGINT, and
/// carries out other processes' requests meanwhile.
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
                if case .runFinished(let id, let record) = event {
                    print("\(record.endedAt.shortText) \(Terminal.safe("\(id)")): \(RunRecordText.outcome(record)), \(RunRecordText.readKind(record)), \(record.succeeded.grouped) applied")
                    fflush(nil)
                }
            }
        }
        await signals.waitForTermination()
        await context.service.stopScheduler()
        printer.cancel()
        print("Stopped.")
        return 0
    }
}
