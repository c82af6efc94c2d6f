import Foundation

/// Turns the service's events into ``ServiceNotification``s and hands each to every notifier, in
/// the emitting code's own turn: a notifier only queues, so nothing here ever waits.
///
/// It keeps the sources' names (the service tells it whenever it saves its sources), because an
/// event names a source by its id and is emitted where the service's state cannot be awaited.
/// What a run's end makes — a quarantine, a release, more conflicts — is emitted before the run's
/// record is: from ``runEnding(_:)`` on, those notifications are held until `.runFinished` names
/// the run, then sent after the run's own — with its id when the run made them. A release while
/// the run is still going (an administrator's change) is not the run's doing: it is sent at once,
/// without a run id.
final class NotificationDispatcher: Sendable {
    private struct State {
        var names: [SourceID: String] = [:]
        /// Sources whose run is ending, and what their run's end made so far.
        var held: [SourceID: [ServiceNotification]] = [:]
    }

    let notifiers: [any Notifier]
    private let clock: SyncClock
    private let state = Locked(State())

    init(notifiers: [any Notifier], clock: SyncClock) {
        self.notifiers = notifiers
        self.clock = clock
    }

    /// Remembers the sources' current names.
    func remember(_ sources: some Sequence<Source>) {
        let current = Dictionary(sources.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
        state.withLock { $0.names = current }
    }

    /// Marks the start of a run's end (the service calls it first thing when a run finishes): what
    /// the source's events make from now until `.runFinished` is held for the run's record.
    func runEnding(_ id: SourceID) {
        guard !notifiers.isEmpty else { return }
        state.withLock { $0.held[id] = [] }
    }

    /// Hands the event's notification, if it makes one, to every notifier (held until the run's
    /// record when the source's run is ending and the notification is about its end).
    func handle(_ event: ServiceEvent) {
        guard !notifiers.isEmpty else { return }
        let ready: [ServiceNotification]
        switch event {
        case .runFinished(let id, let record):
            let held = state.withLock { $0.held.removeValue(forKey: id) } ?? []
            // The run releases a quarantine only where its outcome does, and before anything it
            // waits for: a release held after a run that failed came from an administrator's
            // change made while the run was saving its record.
            let runReleases = switch record.outcome {
            case .succeeded, .partiallyFailed, .needsConfirmation: record.trigger != .onDemand
            case .failed, .cancelled: false
            }
            ready = [notification(for: event)].compactMap { $0 } + held.map { held in
                var notification = held
                if notification.kind != .released || runReleases { notification.runID = record.id }
                return notification
            }
        default:
            guard let notification = notification(for: event) else { return }
            let isRunOutcome = [.quarantined, .released, .conflictsIncreased].contains(notification.kind)
            let heldBack = state.withLock { state -> Bool in
                guard isRunOutcome, let id = notification.source?.id, state.held[id] != nil else { return false }
                state.held[id]?.append(notification)
                return true
            }
            if heldBack { return }
            ready = [notification]
        }
        for notification in ready {
            for notifier in notifiers { notifier.notify(notification) }
        }
    }

    /// The notification an event makes, if any: the one place that says which events notify.
    func notification(for event: ServiceEvent) -> ServiceNotification? {
        let made: (id: SourceID, kind: NotificationKind, message: (String) -> String, runID: String?)
        switch event {
        case .runFinished(let id, let record):
            switch record.outcome {
            case .failed(let message):
                // A run can fail after applying changes (committing change tracking): say so.
                let applied = record.succeeded == 0
                    ? "; nothing was applied"
                    : " after \(record.succeeded) change\(record.succeeded == 1 ? " was" : "s were") applied"
                made = (id, .runFailed, { "The synchronization of '\($0)' failed\(applied): \(message)" }, record.id)
            case .needsConfirmation(let violations) where record.trigger != .onDemand:
                // The guard's own sentences say what would happen: removed, disabled or set pending removal.
                let over = violations.isEmpty ? "" : ": \(violations.joined(separator: "; "))"
                made = (
                    id, .needsConfirmation,
                    {
                        "The synchronization of '\($0)' stopped at the deletion guard; nothing was changed\(over). "
                            + "Review the removals and confirm them, or correct the filter."
                    }, record.id
                )
            default:
                return nil
            }
        case .quarantined(let id, let quarantine):
            let after = quarantine.consecutiveFailures > 1 ? " after \(quarantine.consecutiveFailures) failed runs" : ""
            let next = quarantine.nextAttempt.map { "The next scheduled attempt is at \(Self.text($0)); " } ?? "No scheduled attempt is made; "
            made = (
                id, .quarantined,
                {
                    "'\($0)' is quarantined\(after): \(quarantine.reason)"
                        .followed(bySentence: next + "a manual synchronization, a credential change or a settings change releases it.")
                }, nil
            )
        case .released(let id):
            made = (id, .released, { "'\($0)' left quarantine: scheduled synchronizations run as usual again." }, nil)
        case .warning(let id, .secretExpiring(let days)) where days <= 0:
            made = (id, .secretExpired, { "The client secret of '\($0)' has expired: create a new one and save it (credentials set)." }, nil)
        case .warning(let id, .secretExpiring(let days)):
            made = (
                id, .secretExpiring,
                { "The client secret of '\($0)' expires in \(days) day\(days == 1 ? "" : "s"): create a new one and save it before then (credentials set)." }, nil
            )
        case .warning(let id, .conflictsIncreased(let from, let to)):
            made = (
                id, .conflictsIncreased,
                { "'\($0)' reported \(to) conflict\(to == 1 ? "" : "s") (shared emails or names), up from \(from) in the run before: objects are left unsynchronized." },
                nil
            )
        default:
            return nil
        }
        let name = state.withLock { $0.names[made.id] } ?? made.id.rawValue
        return ServiceNotification(
            time: clock.now(), source: .init(id: made.id, name: name), kind: made.kind, message: made.message(name), runID: made.runID)
    }

    private static func text(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}
