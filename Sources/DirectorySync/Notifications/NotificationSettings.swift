import Foundation

/// Where a host's notifications go, as saved in the ``SyncStateStore`` (under
/// ``StateKey/notificationSettings``) so that every process that synchronizes can attach the same
/// webhook: what is safe to show of its URL, whether it is sent with a token, and which kinds are
/// sent.
///
/// A webhook's URL is a credential (the path and query of a chat's incoming webhook are its
/// secret), so the whole URL is kept in the ``SecretStore`` under ``SecretKey/webhookURL``, and the
/// token under ``SecretKey/webhookToken``; the settings keep only the URL's scheme, host and port
/// (``webhook``: `https://hooks.example.com/…`).
///
/// Saved with ``DirectoryService/setNotificationSettings(webhookURL:kinds:token:)``;
/// `DirectorySyncHTTP`'s `WebhookNotifier(settings:secrets:)` is made from it and the secret store.
/// JSON: `{"webhookURL": "https://hooks.example.com/…", "hasToken": true, "kinds": ["runFailed", "quarantined"]}`.
/// Settings saved before the URL moved to the secret store hold the whole URL in `webhookURL`;
/// they are read as before (their URL is used, never shown) until they are saved again.
public struct NotificationSettings: Hashable, Sendable, Codable, CustomReflectable {
    /// The webhook as it is safe to show: its URL's scheme, host and port, then `/…`
    /// (`https://hooks.example.com/…`; ``shownWebhook(_:)``). The whole URL is in the secret store.
    public var webhook: String
    /// Whether a token is sent (as `Authorization: Bearer …`); it is kept in the secret store.
    public var hasToken: Bool
    /// The kinds sent (a ``NotificationKind/test`` is always sent).
    public var kinds: Set<NotificationKind>
    /// The whole URL of settings saved before it moved to the secret store; `nil` for settings
    /// saved since. Never encoded, shown or reflected.
    private var urlInDocument: URL?

    /// Creates the settings of a webhook: only what ``shownWebhook(_:)`` shows of its URL is kept.
    /// - Parameters:
    ///   - webhookURL: The URL notifications are posted to.
    ///   - hasToken: Whether a token from the secret store is sent.
    ///   - kinds: The kinds sent (every one by default).
    public init(webhookURL: URL, hasToken: Bool = false, kinds: Set<NotificationKind> = NotificationKind.allEvents) {
        webhook = Self.shownWebhook(webhookURL)
        self.hasToken = hasToken
        self.kinds = kinds
    }

    /// What is safe to show of a webhook's URL: its scheme, host and port, then `/…` — never its
    /// path or query, which are often its secret. `https://hooks.example.com/services/T0/B0/XYZ`
    /// shows as `https://hooks.example.com/…`, `http://127.0.0.1:8080/hook` as `http://127.0.0.1:8080/…`.
    /// - Parameter url: The webhook's URL.
    /// - Returns: The text to show.
    public static func shownWebhook(_ url: URL) -> String {
        let host = url.host ?? "?"
        let port = url.port.map { ":\($0)" } ?? ""
        return "\(url.scheme?.lowercased() ?? "?")://\(host.contains(":") ? "[\(host)]" : host)\(port)/…"
    }

    /// The longest webhook URL taken, in bytes (UTF-8 of its text): 2,048.
    public static let maximumWebhookURLBytes = 2_048

    /// Checks a webhook's URL: absolute `https` (plain `http` only to a loopback address), without a
    /// user name or password, on a port that exists, at most ``maximumWebhookURLBytes`` long.
    /// ``DirectoryService`` checks it before saving settings, `WebhookNotifier` before posting anything.
    /// - Parameter webhookURL: The URL.
    /// - Throws: ``DirectoryServiceError`` with code `invalidInput`, naming the host at most, never
    ///   the path or query (often the webhook's secret).
    public static func validate(webhookURL: URL) throws(DirectoryServiceError) {
        if webhookURL.absoluteString.utf8.count > maximumWebhookURLBytes {
            throw DirectoryServiceError(.invalidInput, "The webhook URL is longer than 2,048 bytes", fix: "Enter the webhook's own URL (at most 2,048 bytes).")
        }
        if webhookURL.user != nil || webhookURL.password != nil {
            throw DirectoryServiceError(.invalidInput, "The webhook URL carries a user name or password", fix: "Enter its https URL without them; a token goes in the secret store.")
        }
        if let port = webhookURL.port, !(1...65_535).contains(port) {
            throw DirectoryServiceError(.invalidInput, "The webhook URL's port \(port) is not a port (1 to 65535)", fix: "Enter its https URL.")
        }
        // A port written but too large to read (`:99999999999999999999`) reads as none: refused too.
        if webhookURL.port == nil, writesPort(webhookURL) {
            throw DirectoryServiceError(.invalidInput, "The webhook URL's port is not a port (1 to 65535)", fix: "Enter its https URL.")
        }
        if let problem = SecureURL.problem(with: webhookURL) {
            let reason = switch problem {
            case .notAbsolute: "is not an absolute URL"
            case .insecure(let host): "uses plain http to '\(host)', which is allowed only for loopback addresses"
            case .unsupportedScheme(let scheme): "uses '\(scheme)', not https"
            }
            throw DirectoryServiceError(.invalidInput, "The webhook URL \(reason)", fix: "Enter its https URL.")
        }
    }

    /// Whether the URL's authority ends in `:port` (after an IPv6 address's closing bracket).
    private static func writesPort(_ url: URL) -> Bool {
        guard let start = url.absoluteString.range(of: "://")?.upperBound else { return false }
        let rest = url.absoluteString[start...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let hostAndPort = authority.split(separator: "@").last.map(Substring.init) ?? authority
        let afterHost = hostAndPort.lastIndex(of: "]").map { hostAndPort[hostAndPort.index(after: $0)...] } ?? hostAndPort
        return afterHost.contains(":")
    }

    /// The whole URL notifications are posted to: from the secret store (``SecretKey/webhookURL``),
    /// or from the document of settings saved before it moved there.
    /// - Parameter secrets: The secret store the settings were saved with.
    /// - Returns: The URL.
    /// - Throws: ``SecretStoreError`` (`notFound` when the store has none); ``DirectoryServiceError``
    ///   (`invalidInput`) when what it holds is not a URL.
    package func webhookURL(in secrets: any SecretStore) async throws -> URL {
        if let urlInDocument { return urlInDocument }
        guard let saved = try await secrets.secret(for: .webhookURL) else {
            throw SecretStoreError(.notFound, key: .webhookURL, detail: "the notification settings keep the webhook's URL there")
        }
        guard let url = URL(string: saved.reveal()) else {
            throw DirectoryServiceError(.invalidInput, "The webhook URL in the secret store is not a URL", fix: "Save the notification settings again (notify set).")
        }
        return url
    }

    /// Whether the saved document holds the whole URL: settings saved before the URL moved to the
    /// secret store, until they are saved again (which moves it there).
    public var keepsURLInDocument: Bool { urlInDocument != nil }

    /// What is safe to show: ``webhook``, ``hasToken`` and ``kinds`` (`dump` never reaches the
    /// whole URL of settings saved before it moved to the secret store).
    public var customMirror: Mirror {
        Mirror(self, children: ["webhook": webhook, "hasToken": hasToken, "kinds": NotificationKind.allCases.filter(kinds.contains)], displayStyle: .struct)
    }

    private enum CodingKeys: String, CodingKey { case webhookURL, hasToken, kinds }

    /// Decodes saved settings: `webhookURL` is what ``shownWebhook(_:)`` shows (it ends in `/…`),
    /// or, in settings saved before the URL moved to the secret store, the whole URL.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for another shape, an unknown kind, or a `webhookURL` that is
    ///   neither (never repeating it).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let text = try container.decode(String.self, forKey: .webhookURL)
        // A URL's text never holds "…" (non-ASCII is percent-encoded): the shown form is unmistakable.
        if text.hasSuffix("/…") {
            webhook = text
        } else if let url = URL(string: text), url.scheme != nil {
            webhook = Self.shownWebhook(url)
            urlInDocument = url
        } else {
            throw DecodingError.dataCorruptedError(forKey: .webhookURL, in: container, debugDescription: "webhookURL is neither a shown webhook nor a URL")
        }
        hasToken = try container.decode(Bool.self, forKey: .hasToken)
        kinds = Set(try container.decode([NotificationKind].self, forKey: .kinds))
    }

    /// Encodes `{"webhookURL", "hasToken", "kinds"}` — `webhookURL` being ``webhook``, never the
    /// whole URL — the kinds in the order of `NotificationKind.allCases`, so the same settings
    /// always give the same bytes.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(webhook, forKey: .webhookURL)
        try container.encode(hasToken, forKey: .hasToken)
        try container.encode(NotificationKind.allCases.filter(kinds.contains), forKey: .kinds)
    }
}

extension StateKey {
    /// The key of the saved ``NotificationSettings`` (the service's own state: `service/notifications`).
    public static var notificationSettings: StateKey { .service("notifications") }
}

extension SecretKey {
    /// The key of the whole URL a webhook is posted to (`notifications.webhook-url`): a credential
    /// like the token, so never in the saved settings.
    public static var webhookURL: SecretKey { SecretKey("notifications.webhook-url") }

    /// The key of the token a webhook is sent with (`notifications.webhook-token`).
    public static var webhookToken: SecretKey { SecretKey("notifications.webhook-token") }
}
