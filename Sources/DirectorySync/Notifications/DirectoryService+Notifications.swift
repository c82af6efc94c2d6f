extension DirectoryService {
    /// The saved notification settings, or `nil` when none are saved.
    ///
    /// They take effect where a host attaches a notifier made from them when it opens a service
    /// (`WebhookNotifier(settings:secrets:)` in `DirectorySyncHTTP`, as `dirsync` does in every
    /// process that synchronizes); a service already open keeps the ``Configuration/notifiers`` it
    /// was opened with.
    /// - Returns: The settings.
    /// - Throws: ``SyncStateError`` when they cannot be read.
    public func notificationSettings() async throws -> NotificationSettings? {
        try await state.load(NotificationSettings.self, for: .notificationSettings)
    }

    /// Saves the notification settings, replacing any saved before, with the token (if any) in the
    /// ``SecretStore`` under ``SecretKey/webhookToken``. ``NotificationSettings/hasToken`` is set
    /// from `token`: `nil` saves settings without a token and removes a token saved before.
    /// - Parameters:
    ///   - settings: Where notifications go and which kinds.
    ///   - token: The token sent with each notification, or `nil` for none.
    /// - Throws: ``DirectoryServiceError`` (`invalidInput`) for settings
    ///   ``NotificationSettings/validate()`` refuses or an empty token; ``SecretStoreError``;
    ///   ``SyncStateError``.
    public func setNotificationSettings(_ settings: NotificationSettings, token: Secret?) async throws {
        var settings = settings
        try settings.validate()
        settings.hasToken = token != nil
        if let token {
            guard !token.isEmpty else { throw DirectoryServiceError(.invalidInput, "The webhook token is empty", fix: "Give the token's value, or no token.") }
            // The token first: saved settings never say there is a token that is not there.
            try await secrets.setSecret(token, for: .webhookToken)
            try await state.save(settings, for: .notificationSettings)
        } else {
            try await state.save(settings, for: .notificationSettings)
            try await secrets.setSecret(nil, for: .webhookToken)
        }
    }

    /// Removes the notification settings and the webhook token: processes opened afterwards send
    /// no notifications.
    /// - Throws: ``SyncStateError``; ``SecretStoreError``.
    public func removeNotificationSettings() async throws {
        try await state.remove(.notificationSettings)
        try await secrets.setSecret(nil, for: .webhookToken)
    }

    /// Waits until every notifier delivered (or gave up) what it was handed, at most `timeout`
    /// for all of them together: call it before a short-lived process exits.
    /// - Parameter timeout: The longest wait.
    /// - Returns: Whether every notifier was done in time (`true` without notifiers).
    public nonisolated func flushNotifications(timeout: Duration) async -> Bool {
        let notifiers = configuration.notifiers
        return await withTaskGroup(of: Bool.self) { group in
            for notifier in notifiers { group.addTask { await notifier.flush(timeout: timeout) } }
            var done = true
            for await flushed in group { done = done && flushed }
            return done
        }
    }
}
