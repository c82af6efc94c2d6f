/// Tells people outside the process what needs their attention: a failed run, a quarantined
/// source, removals waiting for confirmation, a secret about to expire. A ``DirectoryService``
/// hands each ``ServiceNotification`` to every notifier in its
/// ``DirectoryService/Configuration/notifiers``.
///
/// ``notify(_:)`` is called in the middle of a synchronization, so it must return at once: keep
/// the notification (in a bounded queue) and deliver it elsewhere, never wait for a receiver.
/// `DirectorySyncHTTP`'s `WebhookNotifier` posts each one to a URL; a host can bring its own
/// (mail, a chat, a pager) in a few lines:
///
/// ```swift
/// struct StandardErrorNotifier: Notifier {
///     func notify(_ notification: ServiceNotification) {
///         FileHandle.standardError.write(Data("\(notification.kind): \(notification.message)\n".utf8))
///     }
/// }
/// let service = try await DirectoryService.open(…, configuration: .init(notifiers: [StandardErrorNotifier()]))
/// ```
public protocol Notifier: Sendable {
    /// Takes one notification. Returns at once, without waiting for any delivery.
    /// - Parameter notification: The notification.
    func notify(_ notification: ServiceNotification)

    /// Waits until every notification taken so far was delivered or given up, at most `timeout`:
    /// a process that is about to exit calls it (through
    /// ``DirectoryService/flushNotifications(timeout:)``) so what it had to say is not lost.
    /// The default returns `true` at once (a notifier that delivers inside ``notify(_:)``).
    /// - Parameter timeout: The longest wait.
    /// - Returns: Whether nothing was left to deliver when it returned.
    func flush(timeout: Duration) async -> Bool
}

extension Notifier {
    /// Returns `true` at once: nothing is waiting.
    /// - Parameter timeout: Not used.
    /// - Returns: `true`.
    public func flush(timeout: Duration) async -> Bool { true }
}
