import DirectorySync
import Foundation

/// `dirsync --state DIR notify show`: the saved notification settings — the webhook's scheme and
/// host, whether a token is sent, the kinds — never the whole URL nor the token (reads only).
enum NotifyShowCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        let settings = try await context.service.notificationSettings()
        if context.json {
            try context.printJSON(settings)
            return 0
        }
        guard let settings else {
            print("No notifications are set. Set them with: notify set --webhook URL [--token-env VAR] [--events LIST]")
            return 0
        }
        print("""
            Webhook:  \(Terminal.safe(settings.webhook))\(settings.keepsURLInDocument ? " (saved by an earlier version: notify set moves its URL to the secret store)" : "")
            Token:    \(settings.hasToken ? "yes (in the secret store)" : "no")
            Events:   \(NotificationKind.allCases.filter(settings.kinds.contains).map(\.rawValue).joined(separator: ", "))
            """)
        return 0
    }
}
