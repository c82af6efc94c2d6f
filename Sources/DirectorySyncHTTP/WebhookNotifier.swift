import DirectorySync
import Foundation

/// A ``DirectorySync/Notifier`` that posts each ``DirectorySync/ServiceNotification`` as one JSON
/// document to a URL (a chat's incoming webhook, an alerting service, a host's own endpoint),
/// through any ``HTTPTransport``.
///
/// - **Never in a run's way.** ``notify(_:)`` puts the notification in a bounded queue and returns;
///   one delivery at a time, in order, happens in a task of its own. When
///   ``Configuration/queueCapacity`` notifications are already waiting, the oldest waiting one is
///   dropped for the new one (the newest say how things stand now) and ``Statistics/dropped``
///   counts it.
/// - **Retries.** A delivery is retried after 408, 429, 500, 502, 503 and 504 answers and after
///   connection failures and timeouts, honouring `Retry-After`, else with exponential backoff
///   (``RetryingTransport`` with ``Configuration/retry``, waiting on the injected clock), within
///   bounded attempts and time; then it is given up and ``Statistics/failed`` counts it. Each
///   attempt carries the same notification `id`, so a receiver can drop a repeat.
/// - **Secrets.** The URL must be `https` (plain `http` only to a loopback address). The URL is a
///   credential too (a chat's incoming webhook is its path): only its scheme, host and port
///   (`https://hooks.example.com/…`, `DirectorySync/NotificationSettings/shownWebhook(_:)`) appear
///   in a description, a `dump`, an error or ``Statistics/lastFailure``. An optional token goes in
///   `Authorization: Bearer …`; it never appears in any of them, nor in the document.
/// - **Before exiting**, a process calls ``flush(timeout:)`` (or
///   ``DirectorySync/DirectoryService/flushNotifications(timeout:)``) so what is queued is delivered.
///
/// ```swift
/// let webhook = try WebhookNotifier(configuration: .init(url: URL(string: "https://hooks.example.com/dirsync")!), token: token)
/// let service = try await DirectoryService.open(…, configuration: .init(notifiers: [webhook]))
/// …
/// _ = await service.flushNotifications(timeout: .seconds(10))
/// ```
///
/// The request is `POST`, `Content-Type: application/json`, with the document in the package's
/// JSON conventions (sorted keys, ISO 8601 dates); any 2xx answer is a delivery.
public final class WebhookNotifier: Notifier, CustomStringConvertible, CustomReflectable {
    /// Where and what a webhook sends.
    public struct Configuration: Sendable, CustomStringConvertible, CustomReflectable {
        /// The URL each notification is posted to (a credential: descriptions and `dump` show its
        /// scheme, host and port only).
        public var url: URL
        /// The kinds sent; others are ignored (a ``DirectorySync/NotificationKind/test`` is always sent).
        public var kinds: Set<NotificationKind>
        /// How many notifications may wait besides the one being delivered (at least 1): 1,000 by default.
        public var queueCapacity: Int
        /// When and how long a delivery is retried.
        public var retry: RetryPolicy

        /// The default retry rule: up to 5 attempts, backoff from 1 s to at most 60 s, 5 minutes
        /// in all, after 408, 429, 500, 502, 503, 504 and connection failures.
        public static var defaultRetry: RetryPolicy {
            RetryPolicy(
                maximumAttempts: 5, baseDelay: .seconds(1), maximumDelay: .seconds(60), maximumTotalTime: .seconds(300),
                retryableStatuses: [408, 429, 500, 502, 503, 504])
        }

        /// Creates a configuration.
        /// - Parameters:
        ///   - url: The URL notifications are posted to.
        ///   - kinds: The kinds sent (every one by default).
        ///   - queueCapacity: How many may wait (default 1,000).
        ///   - retry: The retry rule (``defaultRetry`` by default).
        public init(url: URL, kinds: Set<NotificationKind> = NotificationKind.allEvents, queueCapacity: Int = 1_000, retry: RetryPolicy = Self.defaultRetry) {
            self.url = url
            self.kinds = kinds
            self.queueCapacity = queueCapacity
            self.retry = retry
        }

        /// `Configuration(https://hooks.example.com/…, kinds: …)`: never the URL's path or query.
        public var description: String {
            "Configuration(\(NotificationSettings.shownWebhook(url)), kinds: \(NotificationKind.allCases.filter(kinds.contains).map(\.rawValue).joined(separator: ", ")))"
        }

        /// The URL as ``description`` shows it, the kinds, the queue's capacity and the retry rule.
        public var customMirror: Mirror {
            Mirror(
                self,
                children: [
                    "url": NotificationSettings.shownWebhook(url), "kinds": NotificationKind.allCases.filter(kinds.contains), "queueCapacity": queueCapacity,
                    "retry": retry,
                ], displayStyle: .struct)
        }
    }

    /// What the webhook has done so far.
    public struct Statistics: Hashable, Sendable {
        /// Notifications waiting or being delivered.
        public var pending: Int
        /// Notifications the receiver accepted (a 2xx answer).
        public var delivered: Int
        /// Notifications given up: a final answer that is not 2xx, or a transport failure after the retries.
        public var failed: Int
        /// Notifications dropped because the queue was full.
        public var dropped: Int
        /// Attempts that were repeated.
        public var retries: Int
        /// Why the latest failed delivery failed (an HTTP status, or the transport's error), never a secret.
        public var lastFailure: String?

        /// Creates statistics.
        /// - Parameters:
        ///   - pending: Notifications waiting or being delivered.
        ///   - delivered: Notifications the receiver accepted.
        ///   - failed: Notifications given up.
        ///   - dropped: Notifications dropped because the queue was full.
        ///   - retries: Attempts that were repeated.
        ///   - lastFailure: Why the latest failed delivery failed.
        public init(pending: Int, delivered: Int, failed: Int, dropped: Int, retries: Int, lastFailure: String? = nil) {
            self.pending = pending
            self.delivered = delivered
            self.failed = failed
            self.dropped = dropped
            self.retries = retries
            self.lastFailure = lastFailure
        }
    }

    private struct State {
        var queue: [ServiceNotification] = []
        var sending = false
        var statistics = Statistics(pending: 0, delivered: 0, failed: 0, dropped: 0, retries: 0)
        var idleWaiters: [UUID: CheckedContinuation<Void, Never>] = [:]
    }

    /// Where and what the webhook sends.
    public let configuration: Configuration
    private let token: Secret?
    private let transport: any HTTPTransport
    private let clock: SyncClock
    private let state = Locked(State())

    /// Creates a webhook.
    /// - Parameters:
    ///   - configuration: The URL, the kinds, the queue's capacity and the retry rule.
    ///   - token: A token sent as `Authorization: Bearer <token>`, or `nil` for none.
    ///   - transport: Sends the requests (a ``URLSessionTransport`` with a 10-second timeout by default).
    ///   - clock: Waits between attempts and bounds ``flush(timeout:)`` (inject a test clock to
    ///     move time instead of waiting).
    /// - Throws: `DirectorySync.DirectoryServiceError` (`invalidInput`) for a URL
    ///   `NotificationSettings.validate(webhookURL:)` refuses — plain `http` to a host that is not
    ///   loopback, not an absolute `https` URL, a user name or password in it, longer than 2,048
    ///   bytes — the error the service gives for the same URL.
    public init(
        configuration: Configuration, token: Secret? = nil, transport: any HTTPTransport = URLSessionTransport(configuration: .init(timeout: 10)),
        clock: SyncClock = .system
    ) throws {
        try NotificationSettings.validate(webhookURL: configuration.url)
        var configuration = configuration
        configuration.queueCapacity = max(1, configuration.queueCapacity)
        self.configuration = configuration
        self.token = token
        self.transport = transport
        self.clock = clock
    }

    /// Creates the webhook saved settings describe: its URL from the secret store (or from settings
    /// saved before the URL moved there, which hold it), its kinds, and the token from the secret
    /// store when they say there is one.
    /// - Parameters:
    ///   - settings: The saved settings (``DirectorySync/DirectoryService/notificationSettings()``).
    ///   - secrets: Where the URL and the token are (under ``DirectorySync/SecretKey/webhookURL``
    ///     and ``DirectorySync/SecretKey/webhookToken``).
    ///   - retry: The retry rule (``Configuration/defaultRetry`` by default; `.none` for a single
    ///     attempt, as `dirsync notify test` sends).
    ///   - transport: Sends the requests.
    ///   - clock: Waits between attempts and bounds ``flush(timeout:)``.
    /// - Throws: ``DirectorySync/SecretStoreError`` (`notFound` when the store has no URL, or no
    ///   token where the settings say there is one); `DirectorySync.DirectoryServiceError`
    ///   (`invalidInput`) for a URL the rule refuses.
    public convenience init(
        settings: NotificationSettings, secrets: any SecretStore, retry: RetryPolicy = Configuration.defaultRetry,
        transport: any HTTPTransport = URLSessionTransport(configuration: .init(timeout: 10)), clock: SyncClock = .system
    ) async throws {
        let url = try await settings.webhookURL(in: secrets)
        var token: Secret?
        if settings.hasToken {
            guard let saved = try await secrets.secret(for: .webhookToken) else {
                throw SecretStoreError(.notFound, key: .webhookToken, detail: "the notification settings say the webhook is sent with a token")
            }
            token = saved
        }
        try self.init(configuration: Configuration(url: url, kinds: settings.kinds, retry: retry), token: token, transport: transport, clock: clock)
    }

    /// What the webhook has done so far.
    public var statistics: Statistics { state.withLock { $0.statistics } }

    /// `WebhookNotifier(https://hooks.example.com/…, with a token)`: the URL's scheme, host and
    /// port only (its path is often its secret), and whether a token is sent.
    public var description: String {
        "WebhookNotifier(\(NotificationSettings.shownWebhook(configuration.url))\(token == nil ? "" : ", with a token"))"
    }

    /// The configuration (its URL shown as in ``description``) and the statistics only: `dump`
    /// never reaches the token, nor the transport (whose requests in flight carry the URL and the
    /// token).
    public var customMirror: Mirror {
        Mirror(self, children: ["configuration": configuration, "statistics": statistics], displayStyle: .class)
    }

    // MARK: Queue

    /// Queues the notification for delivery (when its kind is one of ``Configuration/kinds``) and
    /// returns at once; drops the oldest waiting one when the queue is full.
    /// - Parameter notification: The notification.
    public func notify(_ notification: ServiceNotification) {
        guard notification.kind == .test || configuration.kinds.contains(notification.kind) else { return }
        let capacity = configuration.queueCapacity
        let startsSending = state.withLock { state -> Bool in
            if state.queue.count >= capacity {
                let excess = state.queue.count - capacity + 1
                state.queue.removeFirst(excess)
                state.statistics.dropped += excess
                state.statistics.pending -= excess
            }
            state.queue.append(notification)
            state.statistics.pending += 1
            guard !state.sending else { return false }
            state.sending = true
            return true
        }
        if startsSending { Task.detached { await self.deliverQueued() } }
    }

    /// Delivers what is queued, one at a time, until the queue is empty.
    private func deliverQueued() async {
        while let next = takeNext() {
            let failure: String?
            do {
                let response = try await send(next)
                failure = response.isSuccess ? nil : "the receiver answered HTTP \(response.status)"
            } catch {
                failure = "\(error)"
            }
            state.withLock { state in
                state.statistics.pending -= 1
                if let failure {
                    state.statistics.failed += 1
                    state.statistics.lastFailure = failure
                } else {
                    state.statistics.delivered += 1
                }
            }
        }
    }

    /// The next notification, or `nil` when the queue is empty: then sending stops and whoever
    /// waits in ``flush(timeout:)`` is let go.
    private func takeNext() -> ServiceNotification? {
        let (next, waiters) = state.withLock { state -> (ServiceNotification?, [CheckedContinuation<Void, Never>]) in
            guard state.queue.isEmpty else { return (state.queue.removeFirst(), []) }
            state.sending = false
            defer { state.idleWaiters = [:] }
            return (nil, Array(state.idleWaiters.values))
        }
        for waiter in waiters { waiter.resume() }
        return next
    }

    /// Waits until every notification taken so far was delivered or given up, at most `timeout`
    /// (measured on the webhook's clock).
    /// - Parameter timeout: The longest wait.
    /// - Returns: Whether the queue was empty and nothing was being delivered when it returned.
    public func flush(timeout: Duration) async -> Bool {
        if state.withLock({ !$0.sending }) { return true }
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.waitUntilIdle()
                return true
            }
            group.addTask { [clock] in
                try? await clock.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first || state.withLock { !$0.sending }
        }
    }

    private func waitUntilIdle() async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    // Cancellation is marked before its handler runs: a waiter registered here is
                    // either found by the handler or never registered.
                    guard state.sending, !Task.isCancelled else { return true }
                    state.idleWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.idleWaiters.removeValue(forKey: id) }?.resume()
        }
    }

    // MARK: Sending

    /// Sends one notification now, outside the queue and whatever its kind, with the same retries,
    /// and returns the receiver's answer: what `dirsync notify test` reports.
    /// - Parameter notification: The notification.
    /// - Returns: The receiver's last answer, whatever its status (2xx is a delivery).
    /// - Throws: ``HTTPTransportError`` when no answer could be had after the retries (its detail
    ///   never holds the URL's path or query, nor the token, whatever the transport said);
    ///   `CancellationError`.
    public func send(_ notification: ServiceNotification) async throws -> HTTPResponse {
        do {
            return try await post(notification)
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPTransportError {
            // The transport's own underlying error is left out: a host transport's may name the URL.
            throw HTTPTransportError(error.code, detail: scrubbed(error.detail), underlying: error.underlying.flatMap { $0 is URLError ? $0 : nil })
        } catch {
            throw HTTPTransportError(.connectionFailed, detail: scrubbed("\(error)"))
        }
    }

    private func post(_ notification: ServiceNotification) async throws -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": "application/json"]
        if let token { headers["Authorization"] = "Bearer \(token.reveal())" }
        let body = try JSONEncoder.deterministic().encode(notification)
        // Repeating a post is safe: the receiver sees the same notification id again.
        let request = HTTPRequest(method: .post, url: configuration.url, headers: headers, body: body, isRetryable: true)
        let retrying = RetryingTransport(transport, policy: configuration.retry, clock: clock) { [state] _ in
            state.withLock { $0.statistics.retries += 1 }
        }
        return try await retrying.send(request)
    }

    /// The text with the URL cut to what may be shown and the token masked, for a transport whose
    /// error might repeat the request's URL or headers.
    private func scrubbed(_ text: String) -> String {
        var text = text
        let url = configuration.url
        let shown = NotificationSettings.shownWebhook(url)
        for whole in [url.absoluteString, Redactor.redact(url: url)] { text = text.replacingOccurrences(of: whole, with: shown) }
        let components = URLComponents(url: url, resolvingAgainstBaseURL: false)
        // The URL however it continues after its origin — redacted (`token=«redacted»`), cut or
        // re-encoded by the transport — up to white space or a quote.
        var origin = components
        origin?.percentEncodedPath = ""
        origin?.percentEncodedQuery = nil
        origin?.percentEncodedFragment = nil
        if let prefix = origin?.string, !prefix.isEmpty,
            let expression = try? NSRegularExpression(pattern: "(?i)" + NSRegularExpression.escapedPattern(for: prefix) + #"[^\s'"]*"#)
        {
            text = expression.stringByReplacingMatches(
                in: text, range: NSRange(text.startIndex..., in: text), withTemplate: NSRegularExpression.escapedTemplate(for: shown))
        }
        // The path and query alone, however the transport spelled them (redacted too).
        let parts = [components?.percentEncodedQuery, components?.query, components?.percentEncodedPath, components?.path].compactMap { $0 }
        for part in (parts + parts.map(Redactor.redact)).filter({ $0.count > 1 }).sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: part, with: "…")
        }
        return Redactor.mask([token], in: text)
    }
}
