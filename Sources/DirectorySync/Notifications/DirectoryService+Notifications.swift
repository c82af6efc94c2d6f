import Foundation

extension DirectoryService {
    /// The saved notification settings, or `nil` when none are saved.
    ///
    /// They hold what is safe to show of the webhook's URL (the whole URL is in the secret store).
    /// They take effect where a host attaches a notifier made from them when it opens a service
    /// (`WebhookNotifier(settings:secrets:)` in `DirectorySyncHTTP`, as `dirsync` does in every
    /// process that synchronizes); a service already open keeps the ``Configuration/notifiers`` it
    /// was opened with.
    /// - Returns: The settings.
    /// - Throws: ``SyncStateError`` when they cannot be read.
    public func notificationSettings() async throws -> NotificationSettings? {
        try await state.load(NotificationSettings.self, for: .notificationSettings)
    }

    /// Saves the notification settings, replacing any saved before: the whole URL and the token
    /// (if any) go to the ``SecretStore`` under ``SecretKey/webhookURL`` and
    /// ``SecretKey/webhookToken``, the settings — only what is safe to show of the URL
    /// (``NotificationSettings/webhook``), whether there is a token, the kinds — to the state store.
    /// `token` `nil` saves settings without a token and removes a token saved before.
    ///
    /// A secret that already holds its value is not written again, so a read-only store
    /// (``EnvironmentSecretStore``) that already holds the URL (and token) takes the change; one
    /// that does not refuses it before anything changed. When a later step fails, the secrets
    /// written before it are put back: the saved settings and the secrets always go together.
    /// Settings saved before the URL moved to the secret store are replaced by the new form.
    /// - Parameters:
    ///   - webhookURL: The URL notifications are posted to (``NotificationSettings/validate(webhookURL:)``).
    ///   - kinds: The kinds sent (every one by default; at least one besides ``NotificationKind/test``).
    ///   - token: The token sent with each notification, or `nil` for none; taken as it is (trim a
    ///     value read from a file or the environment first).
    /// - Returns: The settings saved.
    /// - Throws: ``DirectoryServiceError`` (`invalidInput`) for a URL
    ///   ``NotificationSettings/validate(webhookURL:)`` refuses, no kind, an empty token or a token
    ///   with a control character (a line break, carriage return, tab, NUL: no header can carry it);
    ///   ``SecretStoreError`` (`readOnly` from a store that cannot take the URL or token);
    ///   ``SyncStateError``.
    @discardableResult
    public func setNotificationSettings(webhookURL: URL, kinds: Set<NotificationKind> = NotificationKind.allEvents, token: Secret?) async throws -> NotificationSettings {
        try NotificationSettings.validate(webhookURL: webhookURL)
        guard !kinds.subtracting([.test]).isEmpty else {
            throw DirectoryServiceError(.invalidInput, "No kind of notification is chosen", fix: "Choose at least one, or remove the notification settings.")
        }
        if let token, token.isEmpty { throw DirectoryServiceError(.invalidInput, "The webhook token is empty", fix: "Give the token's value, or no token.") }
        // No header can carry one: the token would silently never be sent (or end the header early).
        if let token, token.reveal().unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw DirectoryServiceError(
                .invalidInput, "The webhook token holds a control character (a line break, carriage return, tab or NUL)",
                fix: "Give the token alone, without surrounding white space or line breaks.")
        }
        let settings = NotificationSettings(webhookURL: webhookURL, hasToken: token != nil, kinds: kinds)
        // The secrets first: saved settings never name a URL or a token the store does not hold.
        let written = try await replaceSecrets([(.webhookURL, Secret(webhookURL.absoluteString)), (.webhookToken, token)])
        do {
            try await state.save(settings, for: .notificationSettings)
        } catch {
            await restoreSecrets(written)
            throw error
        }
        return settings
    }

    /// Removes the notification settings with the webhook's URL and token from the secret store:
    /// processes opened afterwards send no notifications. Secrets the store does not hold are not
    /// touched, so a read-only store without them takes the change; one that holds them refuses it
    /// before anything changed (remove them where it reads them from first).
    /// - Throws: ``SecretStoreError``; ``SyncStateError``.
    public func removeNotificationSettings() async throws {
        let written = try await replaceSecrets([(.webhookURL, nil), (.webhookToken, nil)])
        do {
            try await state.remove(.notificationSettings)
        } catch {
            await restoreSecrets(written)
            throw error
        }
    }

    /// Sets each secret that differs from what the store holds, in order, and returns what each
    /// written key held before. Every value is read before anything is written, and a secret that
    /// already holds its value is never written; when a write fails, those written before it are
    /// put back and the error is rethrown — so a store that refuses (read-only) changes nothing.
    private func replaceSecrets(_ wanted: [(key: SecretKey, value: Secret?)]) async throws -> [(key: SecretKey, value: Secret?)] {
        var held: [Secret?] = []
        for (key, _) in wanted { held.append(try await secrets.secret(for: key)) }
        var written: [(key: SecretKey, value: Secret?)] = []
        for ((key, value), before) in zip(wanted, held) where value != before {
            do {
                try await secrets.setSecret(value, for: key)
            } catch {
                await restoreSecrets(written)
                throw error
            }
            written.append((key, before))
        }
        return written
    }

    /// Puts back secrets ``replaceSecrets(_:)`` wrote, newest first. Best effort: it runs only on
    /// the way out of a failure, which is what gets reported.
    private func restoreSecrets(_ written: [(key: SecretKey, value: Secret?)]) async {
        for (key, value) in written.reversed() { try? await secrets.setSecret(value, for: key) }
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
