/// What a ``ServiceNotification`` is about. Its raw value is the `kind` of the notification
/// document and the name `dirsync notify set --events` takes.
public enum NotificationKind: String, Hashable, Sendable, Codable, CaseIterable, CustomStringConvertible {
    /// A synchronization ended with the outcome `failed`: usually before anything was applied (the
    /// read or the plan failed); a run that applied its changes and then could not keep its change
    /// tracking fails too, and its message says how many changes were applied. (A run whose
    /// operations failed in part is `partiallyFailed`, not a failed run; status and history show it.)
    case runFailed
    /// A source was quarantined after failing again and again (or at once, for credentials that
    /// cannot heal by themselves): scheduled attempts back off.
    case quarantined
    /// A source left quarantine.
    case released
    /// A synchronization stopped at the deletion guard and waits for its removals to be confirmed.
    case needsConfirmation
    /// A source's client secret expires within 30, 7 or 1 days (sent once per lead time).
    case secretExpiring
    /// A source's client secret has expired.
    case secretExpired
    /// A whole run reported more conflicts than the whole run before it.
    case conflictsIncreased
    /// A test sent on request (`dirsync notify test`); it concerns no source and is never filtered out.
    case test

    /// Every kind a service sends by itself: all but ``test``.
    public static var allEvents: Set<NotificationKind> { Set(allCases.filter { $0 != .test }) }

    /// The kind's name, such as `runFailed`.
    public var description: String { rawValue }
}
