import DirectorySync
import DirectorySyncHTTP
import Foundation

/// `dirsync --state DIR notify test`: sends one `test` notification to the saved webhook now, in
/// one attempt, and reports the receiver's answer — its HTTP status, or why none came. Exit status 0 for a 2xx
/// answer, 1 otherwise (reads only).
enum NotifyTestCommand {
    /// What `notify test --json` prints: `{"delivered": true, "status": 204}`, or
    /// `{"delivered": false, "status": 500}`, or `{"delivered": false, "error": "connectionFailed: …"}`.
    struct Outcome: Encodable {
        var delivered: Bool
        var status: Int?
        var error: String?
    }

    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        guard let settings = try await context.service.notificationSettings() else {
            Terminal.error("dirsync: no webhook is set; set one with: notify set --webhook URL [--token-env VAR]")
            return 1
        }
        // One attempt: the answer shown is the receiver's own, at once.
        let webhook = try await WebhookNotifier(settings: settings, secrets: context.secrets, retry: .none)
        let target = Terminal.safe(settings.webhook)
        let outcome: Outcome
        do {
            let response = try await webhook.send(.test(at: Date()))
            outcome = Outcome(delivered: response.isSuccess, status: response.status)
        } catch {
            outcome = Outcome(delivered: false, error: "\(error)")
        }
        if context.json {
            try context.printJSON(outcome)
        } else if let status = outcome.status {
            print("Sent a test notification to \(target): the receiver answered HTTP \(status)\(outcome.delivered ? "." : "; it did not accept it.")")
        } else {
            print("The test notification to \(target) was not delivered: \(Terminal.safe(outcome.error ?? ""))")
        }
        return outcome.delivered ? 0 : 1
    }
}
