import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// A loopback HTTP receiver (the Graph emulator's server with a handler of its own): it keeps every
/// request, tells a waiting test each arrival, and answers what `answer` says for the n-th request
/// (0-based) — or holds the answer until ``release()`` when told to hang.
final class WebhookReceiver: Sendable {
    let server: LoopbackHTTPServer
    private let received = Locked<[HTTPRequest]>([])
    private let released = DispatchSemaphore(value: 0)
    private let hangs: Bool
    let arrivals: AsyncStream<HTTPRequest>

    init(hangs: Bool = false, answer: @escaping @Sendable (Int) -> HTTPResponse = { _ in HTTPResponse(status: 204) }) throws {
        let (arrivals, continuation) = AsyncStream<HTTPRequest>.makeStream()
        self.arrivals = arrivals
        self.hangs = hangs
        let received = received
        let released = released
        server = LoopbackHTTPServer { request in
            let index = received.withLock { requests in
                requests.append(request)
                return requests.count - 1
            }
            continuation.yield(request)
            if hangs { released.wait() }
            return GraphEmulator.Reply(response: answer(index))
        }
        try server.start()
    }

    var url: URL { server.baseURL.appendingPathComponent("hooks/dirsync") }
    var requests: [HTTPRequest] { received.withLock { $0 } }

    /// Lets every held (and every later) request be answered.
    func release() { for _ in 0..<64 { released.signal() } }

    func stop() {
        if hangs { release() }
        server.stop()
    }

    /// The notifications received, decoded.
    func notifications() throws -> [ServiceNotification] {
        try requests.map { try JSONDecoder.deterministic().decode(ServiceNotification.self, from: $0.body ?? Data()) }
    }
}

/// A transport whose requests wait at a gate the test opens, and which tells each arrival.
final class GatedTransport: HTTPTransport {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>], sent: [HTTPRequest])>((false, [], []))
    let arrivals: AsyncStream<HTTPRequest>
    private let continuation: AsyncStream<HTTPRequest>.Continuation

    init() { (arrivals, continuation) = AsyncStream<HTTPRequest>.makeStream() }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        state.withLock { $0.sent.append(request) }
        continuation.yield(request)
        await withCheckedContinuation { waiter in
            let go = state.withLock { state -> Bool in
                if state.open { return true }
                state.waiters.append(waiter)
                return false
            }
            if go { waiter.resume() }
        }
        return HTTPResponse(status: 200)
    }

    var sent: [HTTPRequest] { state.withLock { $0.sent } }

    func open() {
        let waiters = state.withLock { state in
            state.open = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A clock whose sleeps are recorded and return at once (the backoff), on the system's time.
final class RecordingSleeps: Sendable {
    private let sleeps = Locked<[Duration]>([])
    var recorded: [Duration] { sleeps.withLock { $0 } }
    var clock: SyncClock {
        let system = SyncClock.system
        return SyncClock(now: { system.now() }, elapsed: { system.elapsed() }, sleep: { [sleeps] duration in sleeps.withLock { $0.append(duration) } })
    }
}

@Suite("WebhookNotifier: one JSON document per notification to a loopback receiver, retries, a bounded queue, secrets kept")
struct WebhookNotifierTests {
    static let time = Date(timeIntervalSince1970: 1_790_000_000)
    static let token = "canary-W3bh00k-T0ken-7f3a"

    static func notification(_ kind: NotificationKind, _ index: Int = 0) -> ServiceNotification {
        ServiceNotification(
            id: "n-\(kind)-\(index)", time: time, source: kind == .test ? nil : .init(id: "contoso", name: "Contoso"), kind: kind,
            message: "message \(index) about \(kind)", runID: kind == .runFailed ? "run-\(index)" : nil)
    }

    /// A transport that waits 120 s, not the notifier's default 10 s: a retry after a timeout on a
    /// loaded machine would break the tests that count requests and retries.
    static let patient = URLSessionTransport(configuration: .init(timeout: 120, connectTimeout: 120))

    /// How long a test lets a flush take: long enough to bound a hang, never a speed check. On a
    /// loaded 2-core machine running every suite at once, eight deliveries have taken over 30 s.
    static let patience = Duration.seconds(180)

    /// Retries at once, so a test never waits for a backoff.
    static let quickRetry = RetryPolicy(maximumAttempts: 3, baseDelay: .milliseconds(1), retryableStatuses: [429, 500, 502, 503, 504], jitter: { 0 })

    @Test("every kind is posted as one JSON document of the documented shape, in order, with the token as a bearer header")
    func deliversEveryKind() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let webhook = try WebhookNotifier(configuration: .init(url: receiver.url), token: Secret(Self.token), transport: Self.patient)
        let sent = NotificationKind.allCases.enumerated().map { Self.notification($1, $0) }
        for notification in sent { webhook.notify(notification) }
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(try receiver.notifications() == sent)
        for (request, notification) in zip(receiver.requests, sent) {
            #expect(request.method == .post)
            #expect(request.url.path == "/hooks/dirsync")
            #expect(request.headers["Content-Type"] == "application/json")
            #expect(request.headers["Authorization"] == "Bearer \(Self.token)")
            let object = try #require(try JSONSerialization.jsonObject(with: request.body ?? Data()) as? [String: Any])
            var keys: Set<String> = ["id", "time", "kind", "message"]
            if notification.kind != .test { keys.insert("source") }
            if notification.runID != nil { keys.insert("runID") }
            #expect(Set(object.keys) == keys)
            #expect(object["kind"] as? String == notification.kind.rawValue)
            #expect(object["time"] as? String == "2026-09-21T14:13:20Z")
            if notification.kind != .test { #expect(object["source"] as? [String: String] == ["id": "contoso", "name": "Contoso"]) }
        }
        #expect(webhook.statistics == .init(pending: 0, delivered: sent.count, failed: 0, dropped: 0, retries: 0))
    }

    @Test("kinds not chosen are not sent; a test always is; no token means no Authorization header")
    func kindsFilter() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let webhook = try WebhookNotifier(configuration: .init(url: receiver.url, kinds: [.quarantined]), transport: Self.patient)
        for kind in NotificationKind.allCases { webhook.notify(Self.notification(kind)) }
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(try receiver.notifications().map(\.kind) == [.quarantined, .test])
        #expect(receiver.requests.allSatisfy { $0.headers["Authorization"] == nil })
    }

    @Test("a 503 is retried after the backoff on the injected clock (or Retry-After), with the same notification id")
    func retryAfter503() async throws {
        let receiver = try WebhookReceiver { index in
            switch index {
            case 0: HTTPResponse(status: 503)
            case 1: HTTPResponse(status: 503, headers: ["Retry-After": "7"])
            default: HTTPResponse(status: 202)
            }
        }
        defer { receiver.stop() }
        let sleeps = RecordingSleeps()
        let policy = RetryPolicy(maximumAttempts: 4, baseDelay: .seconds(2), retryableStatuses: [503], jitter: { 1 })
        let webhook = try WebhookNotifier(configuration: .init(url: receiver.url, retry: policy), transport: Self.patient, clock: sleeps.clock)
        let response = try await webhook.send(Self.notification(.runFailed))
        #expect(response.status == 202)
        #expect(receiver.requests.count == 3)
        #expect(Set(try receiver.notifications().map(\.id)) == ["n-runFailed-0"])
        #expect(sleeps.recorded == [.seconds(2), .seconds(7)])
        #expect(webhook.statistics.retries == 2)
    }

    @Test("queued: a 503 then a 204 is one delivery; answers that stay 5xx are given up and counted, with the status")
    func queuedRetries() async throws {
        let receiver = try WebhookReceiver { index in HTTPResponse(status: index == 0 ? 503 : index == 1 ? 204 : 500) }
        defer { receiver.stop() }
        let webhook = try WebhookNotifier(configuration: .init(url: receiver.url, retry: Self.quickRetry), transport: Self.patient)
        webhook.notify(Self.notification(.quarantined))
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(webhook.statistics.delivered == 1)
        webhook.notify(Self.notification(.released))
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(receiver.requests.count == 2 + 3)
        #expect(webhook.statistics == .init(pending: 0, delivered: 1, failed: 1, dropped: 0, retries: 3, lastFailure: "the receiver answered HTTP 500"))
    }

    @Test("a receiver that never answers does not delay a run: the runs finish while it hangs, flushing is bounded, and all is delivered once it answers")
    func hangingReceiverDoesNotDelayRuns() async throws {
        let receiver = try WebhookReceiver(hangs: true)
        defer { receiver.stop() }
        // The request waits for the receiver as long as the test needs (the default 10 s can pass
        // while a loaded machine runs the three synchronizations).
        let webhook = try WebhookNotifier(
            configuration: .init(url: receiver.url, retry: .none), transport: URLSessionTransport(configuration: .init(timeout: 600, connectTimeout: 600)))
        let tenant = TenantGenerator(configuration: .init(users: 20, groups: 2, seed: 7, domain: "contoso.com")).generate()
        let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
        let connector = InMemoryDirectoryConnector()
        let clientID = "00000000-0000-4000-8000-000000000001"
        connector.register(tenant: "contoso.com", clientID: clientID, secret: "s3cret-value", domains: ["contoso.com"], directory: directory)
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector,
            configuration: .init(notifiers: [webhook]))
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, SourceCredentials(clientID: clientID, tenant: "contoso.com"), secret: "s3cret-value")
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)

        directory.failNextRead(with: DirectoryServiceError(.invalidInput, "The directory is down", fix: "Wait."))
        let failed = try await service.synchronize(source.id)
        guard case .failed = failed.outcome else { Issue.record("\(failed.outcome)"); return }
        var arrivals = receiver.arrivals.makeAsyncIterator()
        let first = try #require(await arrivals.next())
        #expect(try JSONDecoder.deterministic().decode(ServiceNotification.self, from: first.body ?? Data()).runID == failed.id)

        // The receiver holds its answer: runs go on regardless.
        directory.failNextRead(with: DirectoryServiceError(.invalidInput, "Still down", fix: "Wait."))
        let second = try await service.synchronize(source.id)
        guard case .failed = second.outcome else { Issue.record("\(second.outcome)"); return }
        let third = try await service.synchronize(source.id)
        #expect(third.outcome == .succeeded)
        #expect(receiver.requests.count == 1)
        #expect(webhook.statistics.pending == 2)
        #expect(await service.flushNotifications(timeout: .milliseconds(200)) == false)

        receiver.release()
        #expect(await service.flushNotifications(timeout: Self.patience))
        #expect(try receiver.notifications().map(\.runID) == [failed.id, second.id])
        #expect(webhook.statistics.delivered == 2)
    }

    @Test("the queue is bounded: when full the oldest waiting notification is dropped and counted; the one in flight is kept")
    func boundedQueue() async throws {
        let transport = GatedTransport()
        let webhook = try WebhookNotifier(configuration: .init(url: URL(string: "https://hooks.example.com/x")!, queueCapacity: 2), transport: transport)
        webhook.notify(Self.notification(.runFailed, 1))
        var arrivals = transport.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        for index in 2...5 { webhook.notify(Self.notification(.runFailed, index)) }
        #expect(webhook.statistics == .init(pending: 3, delivered: 0, failed: 0, dropped: 2, retries: 0))
        transport.open()
        #expect(await webhook.flush(timeout: Self.patience))
        let ids = try transport.sent.map { try JSONDecoder.deterministic().decode(ServiceNotification.self, from: $0.body ?? Data()).id }
        #expect(ids == ["n-runFailed-1", "n-runFailed-4", "n-runFailed-5"])
        #expect(webhook.statistics == .init(pending: 0, delivered: 3, failed: 0, dropped: 2, retries: 0))
    }

    @Test("notify returns at once even while a delivery waits, from any task")
    func notifyNeverWaits() async throws {
        let transport = GatedTransport()
        let webhook = try WebhookNotifier(configuration: .init(url: URL(string: "https://hooks.example.com/x")!, queueCapacity: 10_000), transport: transport)
        await Task.detached {
            for index in 0..<5_000 { webhook.notify(Self.notification(.released, index)) }
        }.value
        #expect(webhook.statistics.pending == 5_000)
        #expect(await webhook.flush(timeout: .milliseconds(50)) == false)
        transport.open()
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(webhook.statistics.delivered == 5_000)
    }

    @Test("plain http to a host that is not loopback is refused, and so is another scheme or a URL with a password — with the error the service gives for the same URL; https and loopback http are accepted", arguments: [
        "http://hooks.example.com/canary-P4th", "http://10.0.0.8/canary-P4th", "ftp://hooks.example.com/canary-P4th", "https://user:pa55@hooks.example.com/canary-P4th",
        "/canary-P4th",
    ])
    func urlPolicy(url: String) throws {
        let webhookURL = try #require(URL(string: url))
        let error = #expect(throws: DirectoryServiceError.self) { try WebhookNotifier(configuration: .init(url: webhookURL)) }
        #expect(error?.code == .invalidInput)
        if let error {
            #expect(throws: error, "one error for a bad webhook URL: NotificationSettings.validate(webhookURL:)'s") { try NotificationSettings.validate(webhookURL: webhookURL) }
        }
        let text = "\(String(describing: error)) \(error.map { String(reflecting: $0) } ?? "")"
        #expect(!text.contains("pa55") && !text.contains("canary-P4th"), "\(text)")
        for accepted in ["https://hooks.example.com/x", "http://127.0.0.1:9/x", "http://localhost/x"] {
            #expect(throws: Never.self) { try WebhookNotifier(configuration: .init(url: URL(string: accepted)!)) }
        }
    }

    @Test("made from saved settings: the URL and the token come from the secret store; a missing one is notFound, naming the key only")
    func fromSettings() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        let secrets = InMemorySecretStore()
        let settings = NotificationSettings(webhookURL: receiver.url, hasToken: true, kinds: [.runFailed])
        func expectNotFound(_ key: SecretKey) async {
            await #expect {
                try await WebhookNotifier(settings: settings, secrets: secrets)
            } throws: { error in
                guard let error = error as? SecretStoreError else { return false }
                return error.code == .notFound && error.key == key && error.message.hasPrefix("The secret '\(key)' is not in the store")
            }
        }
        await expectNotFound(.webhookURL)
        try await secrets.setSecret(Secret(receiver.url.absoluteString), for: .webhookURL)
        await expectNotFound(.webhookToken)
        try await secrets.setSecret(Secret(Self.token), for: .webhookToken)
        let webhook = try await WebhookNotifier(settings: settings, secrets: secrets)
        #expect(webhook.configuration.url == receiver.url)
        #expect(webhook.configuration.kinds == [.runFailed])
        webhook.notify(Self.notification(.released))
        webhook.notify(Self.notification(.runFailed))
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(receiver.requests.map { $0.headers["Authorization"] } == ["Bearer \(Self.token)"])
    }

    @Test("secret canary: a dump taken while a delivery is in flight shows no token (the transport's requests stay out of it)")
    func dumpInFlight() async throws {
        let receiver = try WebhookReceiver(hangs: true)
        defer { receiver.stop() }
        let webhook = try WebhookNotifier(configuration: .init(url: receiver.url), token: Secret(Self.token), transport: Self.patient)
        webhook.notify(Self.notification(.runFailed))
        var arrivals = receiver.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        var dumped = ""
        dump(webhook, to: &dumped)
        #expect(dumped.contains("pending: 1"))
        #expect(!dumped.contains(Self.token))
        receiver.release()
        #expect(await webhook.flush(timeout: Self.patience))
    }

    @Test("made from settings saved with the whole URL in their document (the earlier form): posts to that URL, with nothing in the secret store")
    func fromEarlierSettings() async throws {
        let receiver = try WebhookReceiver()
        defer { receiver.stop() }
        struct Earlier: Encodable {
            var webhookURL: URL
            var hasToken = false
            var kinds = ["runFailed"]
        }
        let state = InMemorySyncStateStore()
        try await state.save(Earlier(webhookURL: receiver.url), for: .notificationSettings)
        let settings = try #require(try await state.load(NotificationSettings.self, for: .notificationSettings))
        #expect(settings.keepsURLInDocument)
        let webhook = try await WebhookNotifier(settings: settings, secrets: InMemorySecretStore())
        webhook.notify(Self.notification(.runFailed))
        #expect(await webhook.flush(timeout: Self.patience))
        #expect(receiver.requests.map(\.url.path) == ["/hooks/dirsync"])
        #expect(webhook.description == "WebhookNotifier(\(settings.webhook))")
    }

    /// A transport whose failure repeats the request's URL and headers, as a careless host transport might.
    struct LeakyTransport: HTTPTransport {
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            throw HTTPTransportError(.connectionFailed, detail: "failed for \(request.url.absoluteString) with \(request.headers.map { "\($0.name)=\($0.value)" })")
        }
    }

    /// A transport whose failure quotes the request's URL, as URLSessionTransport's invalidURL does.
    struct QuotingTransport: HTTPTransport {
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            throw HTTPTransportError(.invalidURL, detail: "'\(request.url.absoluteString)' cannot be requested (-1002)")
        }
    }

    /// A transport that fails with an error of its own that names the URL (not an HTTPTransportError).
    struct HostErrorTransport: HTTPTransport {
        struct Failure: Error { var url: URL }
        func send(_ request: HTTPRequest) async throws -> HTTPResponse { throw Failure(url: request.url) }
    }

    @Test("secret canary: the URL's path and query reach the receiver only — never a description, a dump, an error, a statistic or the document")
    func urlCanary() async throws {
        let path = "canary-P4th-0c1d"
        let query = "canary-Qu3ry-9e2b"
        let receiver = try WebhookReceiver { _ in HTTPResponse(status: 500, body: Data("denied".utf8)) }
        defer { receiver.stop() }
        // A field the redaction masks too: the rest of the query must not survive its masking.
        func canary(_ base: URL) -> URL { URL(string: "\(base.absoluteString)/\(path)?sig=\(query)&token=\(query)")! }
        var seen: [String] = []
        func see(_ value: Any) {
            var dumped = ""
            dump(value, to: &dumped)
            seen += ["\(value)", String(reflecting: value), dumped]
        }
        let unreachable = URL(string: "http://127.0.0.1:1/hooks")!
        let notHTTP = try CannedSocketServer.notHTTP()
        defer { notHTTP.stop() }
        for transport in [URLSessionTransport() as any HTTPTransport, LeakyTransport(), QuotingTransport(), HostErrorTransport()] {
            for base in [receiver.server.baseURL, unreachable, notHTTP.baseURL] {
                let webhook = try WebhookNotifier(configuration: .init(url: canary(base), retry: .none), token: Secret(Self.token), transport: transport)
                see(webhook)
                see(webhook.configuration)
                webhook.notify(Self.notification(.needsConfirmation))
                #expect(await webhook.flush(timeout: Self.patience))
                see(webhook.statistics)
                do {
                    see(try await webhook.send(.test(at: Self.time)))
                } catch {
                    see(error)
                    if let error = error as? any DirectorySyncError { seen.append(error.message) }
                }
            }
        }
        #expect(seen.contains { $0.contains("http://127.0.0.1:1/…") })
        #expect(seen.contains { $0.contains("connectionFailed") })
        #expect(seen.contains { $0.contains("the receiver answered HTTP 500") })
        #expect(seen.contains { $0.contains("the server's answer is not HTTP") })
        for text in seen { #expect(!text.contains(path) && !text.contains(query) && !text.contains(Self.token), "\(text)") }
        #expect(!receiver.requests.isEmpty)
        for request in receiver.requests {
            #expect(request.url.path == "/\(path)" && request.url.query == "sig=\(query)&token=\(query)", "the whole URL is what is posted to")
            #expect(!String(decoding: request.body ?? Data(), as: UTF8.self).contains(path))
        }
    }

    @Test("secret canary: the token is in the Authorization header only — never in a description, an error, a statistic or the document")
    func tokenCanary() async throws {
        let receiver = try WebhookReceiver { _ in HTTPResponse(status: 500, body: Data("denied".utf8)) }
        defer { receiver.stop() }
        var seen: [String] = []
        for transport in [URLSessionTransport() as any HTTPTransport, LeakyTransport()] {
            for url in [receiver.url, URL(string: "http://127.0.0.1:1/x")!] {
                let webhook = try WebhookNotifier(configuration: .init(url: url, retry: Self.quickRetry), token: Secret(Self.token), transport: transport)
                seen.append(webhook.description)
                seen.append(String(reflecting: webhook))
                var dumped = ""
                dump(webhook, to: &dumped)
                seen.append(dumped)
                webhook.notify(Self.notification(.needsConfirmation))
                #expect(await webhook.flush(timeout: Self.patience))
                #expect(webhook.statistics.failed == 1)
                seen.append("\(webhook.statistics)")
                do {
                    let response = try await webhook.send(.test(at: Self.time))
                    seen.append("\(response)")
                } catch {
                    seen.append("\(error)")
                    seen.append(String(reflecting: error))
                    if let error = error as? any DirectorySyncError { seen.append(error.message) }
                }
            }
        }
        #expect(seen.contains { $0.contains("the receiver answered HTTP 500") })
        #expect(seen.contains { $0.contains("connectionFailed") })
        #expect(seen.contains { $0.contains("WebhookNotifier(http://127.0.0.1:1/…, with a token)") })
        for text in seen { #expect(!text.contains(Self.token), "\(text)") }
        for request in receiver.requests {
            #expect(request.headers["Authorization"] == "Bearer \(Self.token)")
            #expect(!String(decoding: request.body ?? Data(), as: UTF8.self).contains(Self.token))
            #expect(!request.description.contains(Self.token))
        }
    }
}
