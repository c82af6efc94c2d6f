import DirectorySync

/// A ``DirectorySync/Notifier`` that keeps every notification it is handed, in order, for tests
/// to inspect: what a host's notifier would have been told.
///
/// ```swift
/// let notifier = RecordingNotifier()
/// let service = try await DirectoryService.open(…, configuration: .init(notifiers: [notifier]))
/// _ = try await service.synchronize(source.id)
/// #expect(notifier.notifications.map(\.kind) == [.runFailed])
/// ```
public final class RecordingNotifier: Notifier {
    private let received = Locked<[ServiceNotification]>([])

    /// Creates a notifier that has received nothing.
    public init() {}

    /// Keeps the notification.
    /// - Parameter notification: The notification.
    public func notify(_ notification: ServiceNotification) { received.withLock { $0.append(notification) } }

    /// Every notification received so far, oldest first.
    public var notifications: [ServiceNotification] { received.withLock { $0 } }

    /// Forgets what was received so far.
    public func removeAll() { received.withLock { $0.removeAll() } }
}
