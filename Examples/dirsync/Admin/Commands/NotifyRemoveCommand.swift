import DirectorySync

/// `dirsync --state DIR notify remove`: removes the notification settings and the webhook's URL
/// and token from the secret store; processes started afterwards send no notifications. With etcd
/// state, the settings go from etcd; the URL and token stay in the replicas' environment.
enum NotifyRemoveCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("notify remove")
        try arguments.finish()
        do {
            try await context.service.removeNotificationSettings()
        } catch let error as SecretStoreError where error.code == .readOnly && context.secrets is EnvironmentSecretStore {
            throw UsageError(
                "with --state etcd://…, the webhook's URL and token come from the environment: unset DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL and DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_TOKEN here and run notify remove again (once the settings are gone from etcd, no replica sends notifications)")
        }
        if !context.json { print("Removed the notification settings: no notifications are sent.") }
        return 0
    }
}
