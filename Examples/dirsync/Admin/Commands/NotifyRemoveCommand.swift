import DirectorySync

/// `dirsync --state DIR notify remove`: removes the notification settings and the webhook's URL
/// and token from the secret store; processes started afterwards send no notifications.
enum NotifyRemoveCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("notify remove")
        try arguments.finish()
        try await context.service.removeNotificationSettings()
        if !context.json { print("Removed the notification settings: no notifications are sent.") }
        return 0
    }
}
