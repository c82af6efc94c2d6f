import Foundation

/// Where a host's notifications go, as saved in the ``SyncStateStore`` (under
/// ``StateKey/notificationSettings``) so that every process that synchronizes can attach the same
/// webhook: its URL, whether it is sent with a token, and which kinds are sent. The token itself
/// is in the ``SecretStore`` under ``SecretKey/webhookToken``, never here.
///
/// Saved with ``DirectoryService/setNotificationSettings(_:token:)``; `DirectorySyncHTTP`'s
/// `WebhookNotifier` is made from it. JSON:
/// `{"webhookURL": "https://…", "hasToken": true, "kinds": ["runFailed", "quarantined"]}`.
public struct NotificationSettings: Hashable, Sendable, Codable {
    /// The URL each notification is posted to: `https`, or plain `http` to a loopback address.
    public var webhookURL: URL
    /// Whether a token is sent (as `Authorization: Bearer …`); it is kept in the secret store.
    public var hasToken: Bool
    /// The kinds sent (a ``NotificationKind/test`` is always sent).
    public var kinds: Set<NotificationKind>

    /// Creates settings.
    /// - Parameters:
    ///   - webhookURL: The URL notifications are posted to.
    ///   - hasToken: Whether a token from the secret store is sent.
    ///   - kinds: The kinds sent (every one by default).
    public init(webhookURL: URL, hasToken: Bool = false, kinds: Set<NotificationKind> = NotificationKind.allEvents) {
        self.webhookURL = webhookURL
        self.hasToken = hasToken
        self.kinds = kinds
    }

    /// Checks the settings before they are saved: an absolute `https` URL (plain `http` only to
    /// loopback) without a user name or password, and at least one kind.
    /// - Throws: ``DirectoryServiceError`` with code `invalidInput`, never echoing the URL (a
    ///   webhook's path is often its secret).
    public func validate() throws(DirectoryServiceError) {
        if webhookURL.user != nil || webhookURL.password != nil {
            throw DirectoryServiceError(.invalidInput, "The webhook URL carries a user name or password", fix: "Enter its https URL without them; a token goes in the secret store.")
        }
        if let port = webhookURL.port, !(1...65_535).contains(port) {
            throw DirectoryServiceError(.invalidInput, "The webhook URL's port \(port) is not a port (1 to 65535)", fix: "Enter its https URL.")
        }
        if let problem = SecureURL.problem(with: webhookURL) {
            let reason = switch problem {
            case .notAbsolute: "is not an absolute URL"
            case .insecure(let host): "uses plain http to '\(host)', which is allowed only for loopback addresses"
            case .unsupportedScheme(let scheme): "uses '\(scheme)', not https"
            }
            throw DirectoryServiceError(.invalidInput, "The webhook URL \(reason)", fix: "Enter its https URL.")
        }
        guard !kinds.subtracting([.test]).isEmpty else {
            throw DirectoryServiceError(.invalidInput, "No kind of notification is chosen", fix: "Choose at least one, or remove the notification settings.")
        }
    }

    private enum CodingKeys: String, CodingKey { case webhookURL, hasToken, kinds }

    /// Decodes the saved settings.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for another shape or an unknown kind.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        webhookURL = try container.decode(URL.self, forKey: .webhookURL)
        hasToken = try container.decode(Bool.self, forKey: .hasToken)
        kinds = Set(try container.decode([NotificationKind].self, forKey: .kinds))
    }

    /// Encodes `{"webhookURL", "hasToken", "kinds"}`, the kinds in
    /// the order of `NotificationKind.allCases`, so the same settings always give the same bytes.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhookURL, forKey: .webhookURL)
        try container.encode(hasToken, forKey: .hasToken)
        try container.encode(NotificationKind.allCases.filter(kinds.contains), forKey: .kinds)
    }
}

extension StateKey {
    /// The key of the saved ``NotificationSettings`` (the service's own state: `service/notifications`).
    public static var notificationSettings: StateKey { .service("notifications") }
}

extension SecretKey {
    /// The key of the token a webhook is sent with (`notifications.webhook-token`).
    public static var webhookToken: SecretKey { SecretKey("notifications.webhook-token") }
}
