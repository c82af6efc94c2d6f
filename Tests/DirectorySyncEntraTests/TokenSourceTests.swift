import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@testable import DirectorySyncEntra

/// A token endpoint that holds its n-th request until n ≤ `releasedThrough` (then answers token
/// `t<n>`) or until the request is cancelled, counting each; with `ignoresCancellation`, a held
/// request answers only once released, cancelled or not.
final class HeldTokenEndpoint: HTTPTransport, @unchecked Sendable {
    struct State {
        var sent = 0
        var cancelled = 0
        var answered = 0
        var releasedThrough = 0
    }

    let state = Locked(State())
    let ignoresCancellation: Bool

    init(ignoresCancellation: Bool = false) { self.ignoresCancellation = ignoresCancellation }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let number = state.withLock { $0.sent += 1; return $0.sent }
        let released: @Sendable () async throws -> Void = { [state] in
            try await waitUntil("the token request to be released or cancelled", atMost: .seconds(60)) { state.withLock { number <= $0.releasedThrough } }
        }
        do {
            if ignoresCancellation { try await Task.detached(operation: released).value } else { try await released() }
        } catch is CancellationError {
            state.withLock { $0.cancelled += 1 }
            throw CancellationError()
        }
        state.withLock { $0.answered += 1 }
        return HTTPResponse(
            status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"token_type":"Bearer","expires_in":3599,"access_token":"t\#(number)"}"#.utf8))
    }

    func source() -> TokenSource {
        TokenSource(
            credentials: SourceCredentials(clientID: "11111111-2222-3333-4444-555555555555", tenant: "contoso.com"), secret: Secret("s3cret-value"),
            endpoints: .global, transport: self, clock: .system)
    }
}

@Suite("TokenSource: what an access token says, and callers that stop waiting for one")
struct TokenSourceTests {
    @Test("the token's claims: roles and tid, each read on its own; a token that is no JWT gives neither")
    func tokenClaims() {
        func token(_ payload: String) -> String {
            let encoded = Data(payload.utf8).base64EncodedString().replacingOccurrences(of: "=", with: "")
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            return "eyJhbGciOiJub25lIn0.\(encoded).sig"
        }
        let both = TokenSource.claims(in: token(#"{"tid":"6F1C4F6E-1D2B-4C3A-9E8F-0A1B2C3D4E5F","roles":["User.Read.All"]}"#))
        #expect(both.roles == ["User.Read.All"] && both.tenantID == "6F1C4F6E-1D2B-4C3A-9E8F-0A1B2C3D4E5F")
        let oddTid = TokenSource.claims(in: token(#"{"tid":42,"roles":["Directory.Read.All"]}"#))
        #expect(oddTid.roles == ["Directory.Read.All"] && oddTid.tenantID == nil, "a tid of another type hides no role")
        let empty = TokenSource.claims(in: token(#"{"tid":"  "}"#))
        #expect(empty.roles.isEmpty && empty.tenantID == nil)
        let opaque = TokenSource.claims(in: "not-a-jwt")
        #expect(opaque.roles.isEmpty && opaque.tenantID == nil)
    }

    @Test("a caller cancelled while the token is fetched stops waiting; with no caller left the request is cancelled, and the next caller sends a new one")
    func cancelledAlone() async throws {
        let endpoint = HeldTokenEndpoint()
        let source = endpoint.source()
        let caller = Task { try await source.token() }
        try await waitUntil("the token request to be sent") { endpoint.state.withLock { $0.sent == 1 } }
        caller.cancel()
        await #expect(throws: CancellationError.self) { try await caller.value }
        try await waitUntil("the request to be cancelled, not left to its timeout") { endpoint.state.withLock { $0.cancelled == 1 } }
        endpoint.state.withLock { $0.releasedThrough = .max }
        #expect(try await source.token().value == Secret("t2"))
        #expect(await source.requests == 2)
    }

    @Test("a caller cancelled while another waits stops waiting at once; the shared request goes on and the other gets the token")
    func cancelledBesideAnother() async throws {
        let endpoint = HeldTokenEndpoint()
        let source = endpoint.source()
        let cancelled = Task { try await source.token() }
        try await waitUntil("the token request to be sent") { endpoint.state.withLock { $0.sent == 1 } }
        let waiting = Task { try await source.token() }
        // Wait until the second caller joined the shared request (it sends none of its own).
        try await waitUntil("the second caller to wait") { await source.waiters == 2 }
        cancelled.cancel()
        await #expect(throws: CancellationError.self, "before the request ends") { try await cancelled.value }
        #expect(await source.waiters == 1)
        endpoint.state.withLock { $0.releasedThrough = .max }
        #expect(try await waiting.value.value == Secret("t1"))
        #expect(endpoint.state.withLock { ($0.sent, $0.cancelled) } == (1, 0))
        #expect(try await source.token().value == Secret("t1"), "cached")
        #expect(await source.requests == 1)
    }

    @Test("a caller already cancelled sends no request")
    func alreadyCancelled() async throws {
        let endpoint = HeldTokenEndpoint()
        let source = endpoint.source()
        let caller = Task { () async throws -> AccessToken in
            withUnsafeCurrentTask { $0?.cancel() }
            return try await source.token()
        }
        await #expect(throws: CancellationError.self) { try await caller.value }
        #expect(endpoint.state.withLock { $0.sent } == 0)
        #expect(await source.waiters == 0)
    }

    @Test("a request abandoned by its cancelled callers that still answers is not cached: the next caller's own request is")
    func abandonedRequestAnswersLate() async throws {
        let endpoint = HeldTokenEndpoint(ignoresCancellation: true)
        let source = endpoint.source()
        let abandoning = Task { try await source.token() }
        try await waitUntil("the first request to be sent") { endpoint.state.withLock { $0.sent == 1 } }
        abandoning.cancel()
        await #expect(throws: CancellationError.self) { try await abandoning.value }
        let next = Task { try await source.token() }
        try await waitUntil("the second request to be sent") { endpoint.state.withLock { $0.sent == 2 } }
        // The abandoned request answers first, while the next caller waits for its own.
        endpoint.state.withLock { $0.releasedThrough = 1 }
        try await waitUntil("the abandoned request to answer") { endpoint.state.withLock { $0.answered == 1 } }
        endpoint.state.withLock { $0.releasedThrough = 2 }
        #expect(try await next.value.value == Secret("t2"), "the next caller gets its own request's token, not the abandoned one's")
        #expect(try await source.token().value == Secret("t2"), "the abandoned request's token was not cached")
        #expect(await source.requests == 2)
    }
}
