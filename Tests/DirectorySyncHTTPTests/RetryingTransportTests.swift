import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Answers from a script and records what it was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step {
        case respond(Int, [String: String] = [:])
        case fail(any Error)
    }
    private let steps = Locked<[Step]>([])
    let sent = Locked<[HTTPRequest]>([])

    init(_ steps: [Step]) { self.steps.withLock { $0 = steps } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        sent.withLock { $0.append(request) }
        let step = steps.withLock { $0.isEmpty ? Step.respond(200) : $0.removeFirst() }
        switch step {
        case .respond(let status, let headers):
            return HTTPResponse(status: status, headers: HTTPHeaders(headers.map { (name: $0.key, value: $0.value) }), body: Data("{}".utf8))
        case .fail(let error): throw error
        }
    }
}

/// A test clock at a fixed date, whose sleeps are recorded instead of waited.
func testClock() -> TestClock { TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000)) }

/// The default policy with a constant jitter factor of one half, so backoff waits are exact.
func halfJitter(maximumTotalTime: Duration = .seconds(180)) -> RetryPolicy { RetryPolicy(maximumTotalTime: maximumTotalTime, jitter: { 0.5 }) }

let endpoint = URL(string: "https://graph.microsoft.com/v1.0/users")!

@Suite("RetryingTransport")
struct RetryingTransportTests {
    @Test("429 with Retry-After in whole or fractional seconds waits exactly that long", arguments: [("2", 2_000), ("1.5", 1_500), ("0", 0)])
    func retryAfterSeconds(header: String, milliseconds: Int) async throws {
        let clock = testClock()
        let base = ScriptedTransport([.respond(429, ["Retry-After": header]), .respond(200)])
        let response = try await RetryingTransport(base, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(url: endpoint))
        #expect(response.status == 200)
        #expect(clock.sleeps == [.milliseconds(milliseconds)])
    }

    @Test("a Retry-After too long to wait — 1e300 or 20 digits from a hostile server — gives up at once with the answer, never traps", arguments: [
        "1e300", "99999999999999999999", "9.3e15", "Fri, 31 Dec 9999 23:59:59 GMT",
    ])
    func absurdRetryAfter(header: String) async throws {
        let clock = testClock()
        let base = ScriptedTransport([.respond(429, ["Retry-After": header]), .respond(200)])
        let response = try await RetryingTransport(base, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(url: endpoint))
        #expect(response.status == 429)
        #expect(clock.sleeps.isEmpty)
        #expect(base.sent.withLock { $0.count } == 1)
    }

    @Test("Retry-After as an HTTP date waits until then")
    func retryAfterDate() async throws {
        let clock = testClock()
        let base = ScriptedTransport([.respond(503, ["Retry-After": "Mon, 21 Sep 2026 14:13:50 GMT"]), .respond(200)])
        _ = try await RetryingTransport(base, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(url: endpoint))
        #expect(clock.sleeps == [.seconds(30)])
    }

    @Test("without Retry-After it backs off exponentially with jitter, then returns the last response")
    func backoff() async throws {
        let clock = testClock()
        let base = ScriptedTransport([.respond(503), .respond(504), .respond(503), .respond(503)])
        let response = try await RetryingTransport(base, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(url: endpoint))
        #expect(response.status == 503)
        #expect(base.sent.withLock { $0.count } == 4)
        #expect(clock.sleeps == [.milliseconds(250), .milliseconds(500), .milliseconds(1_000)])
    }

    @Test("the total-time budget stops retries that would wait too long")
    func totalTime() async throws {
        let clock = testClock()
        let base = ScriptedTransport([.respond(429, ["Retry-After": "500"]), .respond(200)])
        let policy = halfJitter(maximumTotalTime: .seconds(60))
        let response = try await RetryingTransport(base, policy: policy, clock: clock.syncClock).send(HTTPRequest(url: endpoint))
        #expect(response.status == 429)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("only retryable requests are retried: a POST is not, unless marked")
    func idempotency() async throws {
        let clock = testClock()
        let post = ScriptedTransport([.respond(503), .respond(200)])
        let response = try await RetryingTransport(post, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(method: .post, url: endpoint, body: Data()))
        #expect(response.status == 503)
        let marked = ScriptedTransport([.respond(503), .respond(200)])
        let retried = try await RetryingTransport(marked, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(method: .post, url: endpoint, body: Data(), isRetryable: true))
        #expect(retried.status == 200)
    }

    @Test("connection failures are retried; other errors are not")
    func failures() async throws {
        let clock = testClock()
        let flaky = ScriptedTransport([.fail(HTTPTransportError(.connectionFailed, detail: "reset")), .fail(HTTPTransportError(.timedOut, detail: "slow")), .respond(200)])
        #expect(try await RetryingTransport(flaky, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(url: endpoint)).status == 200)
        let insecure = ScriptedTransport([.fail(HTTPTransportError(.insecureURL, detail: "http")), .respond(200)])
        await #expect(throws: HTTPTransportError.self) { try await RetryingTransport(insecure, policy: halfJitter(), clock: clock.syncClock).send(HTTPRequest(url: endpoint)) }
        #expect(insecure.sent.withLock { $0.count } == 1)
    }

    @Test("non-retryable statuses pass straight through", arguments: [200, 400, 401, 403, 404, 500])
    func passThrough(status: Int) async throws {
        let base = ScriptedTransport([.respond(status), .respond(200)])
        #expect(try await RetryingTransport(base, policy: halfJitter(), clock: testClock().syncClock).send(HTTPRequest(url: endpoint)).status == status)
        #expect(base.sent.withLock { $0.count } == 1)
    }

    @Test("cancellation stops the retries at once")
    func cancellation() async throws {
        let base = ScriptedTransport(Array(repeating: .respond(429, ["Retry-After": "1"]), count: 10))
        // A retry's wait lasts a day: only the cancellation can end it, however late it comes.
        let slow = SyncClock(now: { Date() }, elapsed: { .zero }, sleep: { _ in try await Task.sleep(for: .seconds(86_400)) })
        let task = Task { try await RetryingTransport(base, clock: slow).send(HTTPRequest(url: endpoint)) }
        // Cancel once the first attempt was sent.
        while base.sent.withLock({ $0.isEmpty }) { try? await Task.sleep(for: .milliseconds(2)) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(base.sent.withLock { $0.count } == 1)
    }

    @Test("every retry is reported before it waits")
    func onRetry() async throws {
        let seen = Locked<[Int?]>([])
        let base = ScriptedTransport([.respond(429, ["Retry-After": "1"]), .fail(HTTPTransportError(.connectionFailed, detail: "x")), .respond(200)])
        _ = try await RetryingTransport(base, policy: halfJitter(), clock: testClock().syncClock, onRetry: { retry in seen.withLock { $0.append(retry.status) } })
            .send(HTTPRequest(url: endpoint))
        #expect(seen.withLock { $0 } == [429, nil])
    }

    @Test("RetryPolicy.none makes one attempt and never sleeps")
    func noRetries() async throws {
        let clock = testClock()
        let base = ScriptedTransport([.respond(503), .respond(200)])
        let response = try await RetryingTransport(base, policy: .none, clock: clock.syncClock).send(HTTPRequest(url: endpoint))
        #expect(response.status == 503)
        #expect(base.sent.withLock { $0.count } == 1)
        #expect(clock.sleeps.isEmpty)
    }

    @Test("the total-time budget is measured on the monotonic time, not the wall time")
    func monotonicBudget() async throws {
        // The wall time jumps a day back at every reading; the monotonic time only moves with the sleeps.
        let wall = Locked(Date(timeIntervalSince1970: 1_790_000_000))
        let elapsed = Locked(Duration.zero)
        let clock = SyncClock(
            now: { wall.withLock { $0 -= 86_400; return $0 } }, elapsed: { elapsed.withLock { $0 } },
            sleep: { duration in elapsed.withLock { $0 += duration } })
        let base = ScriptedTransport(Array(repeating: .respond(429, ["Retry-After": "20"]), count: 10))
        let policy = RetryPolicy(maximumAttempts: 10, maximumTotalTime: .seconds(50), jitter: { 0.5 })
        let response = try await RetryingTransport(base, policy: policy, clock: clock).send(HTTPRequest(url: endpoint))
        #expect(response.status == 429)
        #expect(base.sent.withLock { $0.count } == 3, "two waits of 20 s fit in 50 s, a third does not")
    }
}

@Suite("URLPolicy and Redactor")
struct URLPolicyAndRedactorTests {
    @Test("https anywhere, http only to loopback", arguments: [
        ("https://graph.microsoft.com/v1.0", true), ("http://127.0.0.1:8080/x", true), ("http://localhost/x", true),
        ("http://[::1]:9/x", true), ("http://127.9.8.7/x", true), ("http://graph.microsoft.com/v1.0", false),
        ("http://127.0.0.1.evil.example/x", false), ("ftp://example.com/x", false), ("/relative", false),
        ("http://127.0.0.08/x", false), ("http://127.0.0.001/x", false), ("http://127.00.0.1/x", false), ("http://127.0.0.+1/x", false),
    ])
    func policy(url: String, allowed: Bool) {
        let result = Result { try URLPolicy.check(URL(string: url)!) }
        #expect(((try? result.get()) != nil) == allowed)
    }

    @Test("secrets never survive redaction")
    func redaction() {
        let jwt = "eyJ0eXAiOiJKV1QifQ.eyJ0aWQiOiJ4In0.c2lnbmF0dXJl"
        let samples = [
            "Authorization: Bearer \(jwt)", "token=\(jwt)", "client_id=a&client_secret=Sup3r~Secret.value&grant_type=x",
            #"{"access_token":"abc.def","expires_in":3599}"#, #"{"clientSecret": "s3cr3t \"quoted\""}"#, "Basic dXNlcjpwYXNz",
        ]
        for sample in samples {
            let redacted = Redactor.redact(sample)
            for secret in [jwt, "Sup3r~Secret.value", "abc.def", "s3cr3t", "dXNlcjpwYXNz"] { #expect(!redacted.contains(secret), "\(redacted)") }
        }
        #expect(Redactor.redact("client_id=a&client_secret=x").contains("client_id=a"))
        let headers = Redactor.redact(["Authorization": "Bearer x", "Accept": "application/json"] as HTTPHeaders)
        #expect(headers["authorization"] == Redactor.mask)
        #expect(headers["Accept"] == "application/json")
        #expect(!Redactor.redact(url: URL(string: "https://x.test/cb?code=abc&state=1")!).contains("abc"))
        let request = HTTPRequest(method: .post, url: URL(string: "https://x.test/?access_token=zzz")!, headers: ["Authorization": "Bearer zzz"], body: Data("client_secret=zzz".utf8))
        #expect(!request.description.contains("zzz"))
        #expect(!HTTPTransportError(.connectionFailed, detail: "failed with Bearer zzz").description.contains("zzz"))
    }

    @Test("a masked field in quoted text keeps the closing quote")
    func redactionKeepsQuotes() {
        #expect(Redactor.redact("'https://x.test/?sig=1&token=zzz' cannot be requested") == "'https://x.test/?sig=1&token=\(Redactor.mask)' cannot be requested")
        #expect(Redactor.redact(#"url "https://x.test/?code=zzz" failed"#) == #"url "https://x.test/?code=\#(Redactor.mask)" failed"#)
    }
}
