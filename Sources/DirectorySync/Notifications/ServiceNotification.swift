import Foundation

/// One thing a ``DirectoryService`` tells the people who run it, as one designed document: what
/// happened (``kind`` and a sentence, ``message``), to which source, in which run, and when.
/// ``Notifier``s receive these; the ``DirectoryService`` makes them from its ``ServiceEvent``s.
///
/// Its JSON (what a webhook receives) is
///
/// ```json
/// {"id": "0B6F…", "kind": "runFailed", "message": "The synchronization of 'Contoso' failed: …",
///  "runID": "9C1E…", "source": {"id": "contoso", "name": "Contoso"}, "time": "2026-03-01T08:00:00Z"}
/// ```
///
/// with `runID` left out when no run is concerned and `source` left out for a ``NotificationKind/test``.
/// No member ever holds a secret.
public struct ServiceNotification: Hashable, Sendable, Codable, Identifiable {
    /// The source a notification is about.
    public struct SourceReference: Hashable, Sendable, Codable {
        /// The source's identifier.
        public var id: SourceID
        /// The source's name when the notification was made.
        public var name: String

        /// Creates a reference.
        /// - Parameters:
        ///   - id: The source's identifier.
        ///   - name: Its name.
        public init(id: SourceID, name: String) {
            self.id = id
            self.name = name
        }
    }

    /// A unique identifier (a UUID): a receiver that gets the same one twice (a retry after an
    /// answer that was lost) can drop the second.
    public var id: String
    /// When it happened, from the service's clock.
    public var time: Date
    /// The source concerned (`nil` only for a ``NotificationKind/test``).
    public var source: SourceReference?
    /// What it is about.
    public var kind: NotificationKind
    /// What happened and what to do, in a sentence or two, for people (never a secret).
    public var message: String
    /// The run concerned, when there is one (its record is in the source's history, its report
    /// under `history --run ID`).
    public var runID: String?

    /// Creates a notification.
    /// - Parameters:
    ///   - id: A unique identifier (a new UUID by default).
    ///   - time: When it happened.
    ///   - source: The source concerned.
    ///   - kind: What it is about.
    ///   - message: What happened and what to do.
    ///   - runID: The run concerned.
    public init(id: String = UUID().uuidString, time: Date, source: SourceReference?, kind: NotificationKind, message: String, runID: String? = nil) {
        self.id = id
        self.time = time
        self.source = source
        self.kind = kind
        self.message = message
        self.runID = runID
    }

    /// A ``NotificationKind/test`` notification, to check that a receiver gets what is sent.
    /// - Parameter time: When it is sent.
    /// - Returns: The notification.
    public static func test(at time: Date) -> ServiceNotification {
        ServiceNotification(
            time: time, source: nil, kind: .test,
            message: "A test notification from DirectorySync: this receiver gets the service's notifications.")
    }

    private enum CodingKeys: String, CodingKey { case id, time, source, kind, message, runID }
}
