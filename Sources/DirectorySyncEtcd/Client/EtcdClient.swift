import DirectorySync
import DirectorySyncHTTP
import Foundation

/// A client of etcd's v3 JSON gateway (etcd 3.4 or later) over an ``DirectorySyncHTTP/HTTPTransport``:
/// reads, writes, transactions and leases — what DirectorySync's state store and coordinator need,
/// and no more. No package dependency: plain JSON over HTTP/1.1.
///
/// ```swift
/// let client = try EtcdClient(configuration: .init(endpoints: [URL(string: "https://etcd-1:2379")!, URL(string: "https://etcd-2:2379")!]))
/// try await client.put("/dirsync/prod/hello", value: Data("world".utf8))
/// let value = try await client.range(.key("/dirsync/prod/hello")).keyValues.first?.value
/// ```
///
/// **Endpoints and failover.** Requests go to the endpoint that answered last. When an endpoint
/// refuses the connection, times out (a paused member accepts and never answers), or answers that it
/// cannot serve (no leader, unavailable), the request moves on to the next endpoint — but only when
/// repeating it is safe:
/// - a request that never reached the server (connection refused, host not found) is always
///   sent to the next endpoint;
/// - reads, lease renewals and revocations, lease grants (a duplicate lease has no keys and
///   expires) and writes the caller marks `idempotent` (writing a value that is the same whenever
///   it is written) are sent again after any failure;
/// - any other write — a transaction that may have been applied before its answer was lost — is not
///   repeated: it fails with ``EtcdError`` `outcomeUnknown`, and the caller reads the state back
///   (a claim reads its key: its own value there means the claim was made).
///
/// When every endpoint failed, a read fails with `unavailable`; a write fails with `unavailable`
/// only when no member can have received it, and with `outcomeUnknown` when one may have (an
/// idempotent write too: it may have been applied).
///
/// **Security.** Endpoints are `https`, except loopback addresses (tests). With a user name and
/// password, the client logs in (`/v3/auth/authenticate`) on each endpoint it uses and sends the
/// token in the `Authorization` header, logging in again once when a member no longer accepts it.
/// Neither the password nor the token appears in any error or description.
///
/// **Transports.** etcd 3.4's gateway sends every error answer as a chunked body with an HTTP
/// trailer, which `URLSession` on Linux (swift-corelibs-foundation, Swift 6.3) cannot read: the
/// process stops with "Transfer completed, but there's no response". So for `http` endpoints —
/// loopback: a member beside the replica, or a TLS-terminating proxy there — the client speaks HTTP/1.1 itself
/// (``DirectorySyncHTTP/LoopbackHTTPTransport``), and every error answer is a typed ``EtcdError``.
/// For `https` endpoints it uses ``DirectorySyncHTTP/URLSessionTransport``, where on Linux the
/// answers etcd sends only in trouble — a leader change, a full database (`NOSPACE`), a wrong
/// password, a missing permission — still stop the process; the client never asks what etcd would
/// refuse otherwise (sizes are checked first, reads are at the current revision, leased writes are
/// conditional on the lease). On Linux in production, reach an https cluster through a
/// TLS-terminating proxy on loopback (etcd's own `grpc-proxy` does not serve the JSON gateway in
/// 3.4) or pass a transport of your own that reads trailers (Documentation/ScaleOut.md).
///
/// **Timeouts.** Every attempt is bounded by ``Configuration/requestTimeout``, in real time: it
/// measures a server that does not answer, which no test clock can speed up. A write of a large
/// value and the state store's reads of chunks get a second more per MiB they move. A transport passed
/// in must end its request when the task is cancelled.
public struct EtcdClient: Sendable {
    /// Where etcd is and how to reach it.
    public struct Configuration: Sendable {
        /// The cluster's client URLs (`https://HOST:2379`), tried in order from the one that
        /// answered last. Plain `http` only to loopback addresses.
        public var endpoints: [URL]
        /// The etcd user to log in as, when the cluster has authentication enabled.
        public var username: String?
        /// The user's password.
        public var password: Secret?
        /// How long one attempt on one endpoint may take: 5 seconds by default, and a second more
        /// per MiB for a large value written or a page of state chunks read.
        public var requestTimeout: Duration
        /// The largest answer accepted: 64 MiB by default (a page of 8 state chunks is about 11 MiB).
        public var maximumResponseBytes: Int
        /// The largest request body sent: 1.5 MiB by default, etcd's own `--max-request-bytes`. A
        /// larger request fails with ``EtcdError`` `requestTooLarge` before it is sent (JSON with
        /// base64 is larger than what etcd counts, so this errs on the safe side).
        public var maximumRequestBytes: Int
        /// How long a login token is used before the client logs in again: 4 minutes by default,
        /// under etcd's `--auth-token-ttl` (5 minutes), so a token is renewed before it expires.
        public var tokenLifetime: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - endpoints: The cluster's client URLs.
        ///   - username: The etcd user, when authentication is enabled.
        ///   - password: The user's password.
        ///   - requestTimeout: How long one attempt may take (default 5 s).
        ///   - maximumResponseBytes: The largest answer accepted (default 64 MiB).
        ///   - maximumRequestBytes: The largest request sent (default 1.5 MiB).
        ///   - tokenLifetime: How long a login token is used (default 4 minutes).
        public init(
            endpoints: [URL], username: String? = nil, password: Secret? = nil, requestTimeout: Duration = .seconds(5),
            maximumResponseBytes: Int = 64 * 1024 * 1024, maximumRequestBytes: Int = 1_572_864, tokenLifetime: Duration = .seconds(240)
        ) {
            self.endpoints = endpoints
            self.username = username
            self.password = password
            self.requestTimeout = requestTimeout
            self.maximumResponseBytes = maximumResponseBytes
            self.maximumRequestBytes = maximumRequestBytes
            self.tokenLifetime = tokenLifetime
        }
    }

    /// Where etcd is and how to reach it.
    public let configuration: Configuration
    private let transport: any HTTPTransport
    private let session: Locked<Session>

    /// What the client learned while running: the endpoint that answered last, the tokens per endpoint.
    private struct Session {
        var preferred = 0
        /// The token per endpoint, with when it was had (monotonic).
        var tokens: [Int: (token: String, at: ContinuousClock.Instant)] = [:]
        /// Endpoints where the cluster said authentication is not enabled.
        var withoutAuthentication: Set<Int> = []
    }

    /// Creates a client.
    /// - Parameters:
    ///   - configuration: The endpoints, credentials and limits.
    ///   - transport: The transport; by default a `LoopbackHTTPTransport` when every endpoint is
    ///     plain `http` (loopback), a `URLSessionTransport` otherwise, bounded by the request timeout.
    /// - Throws: ``EtcdError`` `invalidConfiguration` when there is no endpoint, an endpoint is not
    ///   an absolute `https` URL (plain `http` outside loopback), or only one of user name and
    ///   password is given.
    public init(configuration: Configuration, transport: (any HTTPTransport)? = nil) throws {
        guard !configuration.endpoints.isEmpty else {
            throw EtcdError(.invalidConfiguration, detail: "No etcd endpoint was given")
        }
        for endpoint in configuration.endpoints {
            switch SecureURL.problem(with: endpoint) {
            case nil: break
            case .insecure(let host):
                throw EtcdError(.invalidConfiguration, detail: "The etcd endpoint '\(host)' uses plain http, which is allowed only for loopback addresses")
            case .notAbsolute, .unsupportedScheme:
                throw EtcdError(.invalidConfiguration, detail: "The etcd endpoint '\(Self.describe(endpoint))' is not an absolute http or https URL")
            }
        }
        if (configuration.username?.isEmpty ?? true) != (configuration.password == nil) {
            throw EtcdError(.invalidConfiguration, detail: "An etcd user name needs its password, and a password its user name")
        }
        guard configuration.requestTimeout > .zero, configuration.maximumResponseBytes > 0, configuration.maximumRequestBytes > 0 else {
            throw EtcdError(.invalidConfiguration, detail: "The request timeout and the largest request and answer must be positive")
        }
        self.configuration = configuration
        let seconds = Double(configuration.requestTimeout.components.seconds) + 1
        // Each attempt is bounded by its own timeout (``send``); the transport's is a backstop that
        // leaves room for the longest one, a read of a page of state chunks (``timeout(forBytes:)``).
        let longest = seconds + Double(Self.transferAllowance(configuration.maximumResponseBytes).components.seconds)
        let bounds = HTTPTransportConfiguration(timeout: longest, connectTimeout: seconds, maximumResponseBytes: configuration.maximumResponseBytes)
        self.transport = transport ?? DefaultHTTPTransport.for(configuration.endpoints, configuration: bounds)
        session = Locked(Session())
    }

    // MARK: Sending

    /// Whether a request may be sent again on another endpoint after a failure that leaves its
    /// outcome unknown.
    enum Resend {
        /// Reads and lease requests: sent again after any failure; when every endpoint failed, the
        /// error is `unavailable`.
        case always
        /// Idempotent writes: sent again after any failure; when every endpoint failed and one of
        /// them may have received it, the error is `outcomeUnknown` (it may have been applied).
        case idempotentWrite
        /// Writes that must not be applied twice: only when they never reached a server.
        case ifNotSent
    }

    /// Why one attempt on one endpoint failed in a way another endpoint may not share.
    private struct EndpointFailure: Error {
        var detail: String
        /// Whether the request may have reached the server (and been applied).
        var maybeApplied: Bool
        var underlying: any Error
    }

    private static let encoder = JSONEncoder()

    /// Sends one gateway call, failing over between endpoints as the type's documentation says.
    func call<Response: Decodable>(
        _ path: String, _ body: some Encodable, resend: Resend, what: String, timeout: Duration? = nil, lineDelimited: Bool = false
    ) async throws -> Response {
        let payload: Data
        do {
            payload = try Self.encoder.encode(body)
        } catch {
            throw EtcdError(.invalidConfiguration, detail: "\(what) cannot be encoded: \(error)", underlying: error)
        }
        guard payload.count <= configuration.maximumRequestBytes else {
            throw EtcdError(
                .requestTooLarge,
                detail: "\(what) is \(payload.count) bytes, more than the \(configuration.maximumRequestBytes) etcd accepts (it was not sent)")
        }
        let endpoints = configuration.endpoints
        let start = session.withLock { $0.preferred }
        var failures: [String] = []
        var lastFailure: (any Error)?
        var mayHaveArrived = false
        for step in 0..<endpoints.count {
            let index = (start + step) % endpoints.count
            do {
                let response: Response = try await attempt(
                    path, payload, endpoint: index, what: what, timeout: timeout ?? configuration.requestTimeout, repeatable: resend != .ifNotSent,
                    lineDelimited: lineDelimited)
                session.withLock { $0.preferred = index }
                return response
            } catch let failure as EndpointFailure {
                // The member may be restarting: its tokens die with it, so log in afresh next time.
                session.withLock { _ = $0.tokens.removeValue(forKey: index) }
                failures.append("\(Self.describe(endpoints[index])): \(failure.detail)")
                lastFailure = failure.underlying
                mayHaveArrived = mayHaveArrived || failure.maybeApplied
                if failure.maybeApplied && resend == .ifNotSent {
                    session.withLock { $0.preferred = (index + 1) % endpoints.count }
                    throw EtcdError(
                        .outcomeUnknown, detail: "\(what) was sent, but \(failures.joined(separator: "; "))", underlying: failure.underlying)
                }
            }
        }
        session.withLock { $0.preferred = (start + 1) % endpoints.count }
        if mayHaveArrived && resend == .idempotentWrite {
            // Sent everywhere, and at least one member may have applied it before its answer was lost.
            throw EtcdError(
                .outcomeUnknown, detail: "\(what) was sent, but no etcd endpoint answered it: \(failures.joined(separator: "; "))", underlying: lastFailure)
        }
        throw EtcdError(.unavailable, detail: "No etcd endpoint answered \(what): \(failures.joined(separator: "; "))", underlying: lastFailure)
    }

    /// One attempt on one endpoint, logging in first when the configuration has a user.
    private func attempt<Response: Decodable>(
        _ path: String, _ payload: Data, endpoint index: Int, what: String, timeout: Duration, repeatable: Bool, lineDelimited: Bool
    ) async throws -> Response {
        var loggedInAgain = false
        while true {
            let token = try await token(for: index, timeout: timeout)
            var headers: HTTPHeaders = ["Content-Type": "application/json"]
            if let token { headers["Authorization"] = token }
            let response = try await send(path, payload, endpoint: index, headers: headers, timeout: timeout, repeatable: repeatable)
            if response.isSuccess { return try decode(response, what: what, lineDelimited: lineDelimited) }
            let failure = classify(response, what: what)
            if failure.tokenRejected, token != nil, !loggedInAgain {
                // A member restarted, or the token expired (simple tokens live on the member that
                // issued them): log in again once.
                loggedInAgain = true
                session.withLock { _ = $0.tokens.removeValue(forKey: index) }
                continue
            }
            throw failure.error
        }
    }

    /// The token to send to an endpoint, logging in when there is none yet; `nil` without a user.
    private func token(for index: Int, timeout: Duration) async throws -> String? {
        guard let username = configuration.username, let password = configuration.password else { return nil }
        let lifetime = configuration.tokenLifetime
        if let known = session.withLock({ state -> String? in
            if state.withoutAuthentication.contains(index) { return "" }
            guard let entry = state.tokens[index], ContinuousClock.now - entry.at < lifetime else { return nil }
            return entry.token
        }) {
            return known.isEmpty ? nil : known
        }
        let body = try Self.encoder.encode(EtcdWire.AuthenticateRequest(name: username, password: password.reveal()))
        let response = try await send(
            "/v3/auth/authenticate", body, endpoint: index, headers: ["Content-Type": "application/json"], timeout: timeout, repeatable: true)
        if response.isSuccess {
            let answer: EtcdWire.AuthenticateResponse = try decode(response, what: "the login")
            guard let token = answer.token, !token.isEmpty else {
                throw EtcdError(.invalidResponse, detail: "The etcd login answered without a token")
            }
            session.withLock { $0.tokens[index] = (token, ContinuousClock.now) }
            return token
        }
        let failure = classify(response, what: "the login of user '\(username)'")
        if let error = failure.error as? EtcdError, error.serverCode == 9, error.detail.contains("not enabled") {
            // The cluster does not check users: send requests without a token.
            session.withLock { _ = $0.withoutAuthentication.insert(index) }
            return nil
        }
        if let error = failure.error as? EtcdError, error.code == .server || error.code == .authenticationFailed {
            throw EtcdError(
                .authenticationFailed, detail: "etcd refused the login of user '\(username)': \(error.detail)", serverCode: error.serverCode)
        }
        throw failure.error
    }

    /// Sends one request to one endpoint within the timeout; failures to get an answer become
    /// ``EndpointFailure``s. A `repeatable` request (a read, a lease call, an idempotent write, a
    /// login) may be sent again by the transport on a fresh connection when a kept one turns out closed.
    private func send(
        _ path: String, _ payload: Data, endpoint index: Int, headers: HTTPHeaders, timeout: Duration, repeatable: Bool
    ) async throws -> HTTPResponse {
        let endpoint = configuration.endpoints[index]
        let url = endpoint.appendingPathComponent(String(path.dropFirst()))
        let request = HTTPRequest(method: .post, url: url, headers: headers, body: payload, isRetryable: repeatable)
        let transport = self.transport
        do {
            // The timeout counts from when the request is handed to the transport, not from when
            // the two tasks were made: on a host whose threads are all busy, the sending task may
            // start seconds after the timer's, and the time it waited is not etcd's.
            let (sending, sent) = AsyncStream<Void>.makeStream()
            return try await withThrowingTaskGroup(of: HTTPResponse.self) { group in
                group.addTask {
                    sent.finish()
                    return try await transport.send(request)
                }
                group.addTask {
                    for await _ in sending {}
                    // On a timer, not `Task.sleep`: a task on a thread of its own (the lease
                    // renewals) is woken there, not behind the host's busy threads.
                    try await sleepOnTimer(for: timeout)
                    throw HTTPTransportError(.timedOut, detail: "no answer within \(timeout)")
                }
                defer { group.cancelAll() }
                guard let first = try await group.next() else { throw CancellationError() }
                return first
            }
        } catch let error as HTTPTransportError {
            switch error.code {
            case .connectionFailed, .timedOut, .tlsFailed:
                throw EndpointFailure(detail: error.detail, maybeApplied: !Self.neverSent(error), underlying: error)
            case .responseTooLarge:
                throw EtcdError(.invalidResponse, detail: "The answer from \(Self.describe(endpoint)) is too large: \(error.detail)", underlying: error)
            default:
                throw EtcdError(.invalidConfiguration, detail: "\(Self.describe(endpoint)): \(error.detail)", fix: error.fix, underlying: error)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as EtcdError {
            throw error
        } catch {
            // A host's transport that throws its own errors: treat as a failed connection whose
            // request may have arrived.
            throw EndpointFailure(detail: "the transport failed (\(type(of: error)))", maybeApplied: true, underlying: error)
        }
    }

    /// Whether a transport failure happened before the request left: connection refused, host
    /// unknown, TLS refused. Such a request can go to another endpoint whatever it is.
    private static func neverSent(_ error: HTTPTransportError) -> Bool {
        if error.code == .tlsFailed { return true }
        guard error.code == .connectionFailed, let code = (error.underlying as? URLError)?.code else { return false }
        return [.cannotConnectToHost, .cannotFindHost, .dnsLookupFailed].contains(code)
    }

    private func decode<Response: Decodable>(_ response: HTTPResponse, what: String, lineDelimited: Bool = false) throws -> Response {
        guard response.body.count <= configuration.maximumResponseBytes else {
            throw EtcdError(.invalidResponse, detail: "The answer to \(what) is \(response.body.count) bytes, more than the \(configuration.maximumResponseBytes) accepted")
        }
        var body = response.body
        if lineDelimited, let newline = body.firstIndex(of: UInt8(ascii: "\n")) {
            // A stream's answer: one JSON message per line, and one POST answers one message.
            body = body[..<newline]
        }
        do {
            return try JSONDecoder().decode(Response.self, from: body)
        } catch {
            throw EtcdError(
                .invalidResponse, detail: "The answer to \(what) is not etcd's JSON (\(Self.decodingProblem(error))): \(scrub(Self.excerpt(response.body)))",
                underlying: error)
        }
    }

    /// What a non-2xx answer means: an endpoint that cannot serve now (another may), or an error
    /// of the request itself; and whether the token was refused.
    private func classify(_ response: HTTPResponse, what: String) -> (error: any Error, tokenRejected: Bool) {
        let answer = try? JSONDecoder().decode(EtcdWire.ErrorResponse.self, from: response.body)
        let message = scrub(answer?.message ?? answer?.error ?? Self.excerpt(response.body))
        let code = answer?.code
        let lowered = message.lowercased()
        let detail = "etcd answered \(what) with HTTP \(response.status)\(code.map { " (code \($0))" } ?? ""): \(message)"
        func failure(_ kind: EtcdError.Code, fix: String? = nil) -> (any Error, Bool) {
            (EtcdError(kind, detail: detail, fix: fix, serverCode: code), false)
        }
        switch code {
        case 16?:
            return (EtcdError(.authenticationFailed, detail: detail, serverCode: code), true)
        case 3? where lowered.contains("request is too large") || lowered.contains("too many operations"):
            return failure(.requestTooLarge)
        case 3? where lowered.contains("authentication failed") || lowered.contains("invalid user id or password"):
            return failure(.authenticationFailed)
        case 3? where lowered.contains("invalid auth token") || lowered.contains("user name is empty"):
            return (EtcdError(.authenticationFailed, detail: detail, serverCode: code), true)
        case 5? where lowered.contains("lease not found"):
            return failure(.leaseNotFound)
        case 7?:
            return failure(.permissionDenied)
        case 8? where lowered.contains("larger than max") || lowered.contains("too large"):
            return failure(.requestTooLarge)
        case 8? where lowered.contains("space exceeded"):
            return failure(.server, fix: "The etcd database is full: compact, defragment and disarm the NOSPACE alarm (see ScaleOut.md), or raise --quota-backend-bytes.")
        case 11? where lowered.contains("compacted"):
            return failure(.compacted)
        case 2? where lowered.contains("proposal dropped"):
            // A leader change dropped the proposal before it was committed: nothing was applied.
            return (EndpointFailure(detail: "HTTP \(response.status) code 2: \(message)", maybeApplied: false, underlying: EtcdError(.unavailable, detail: detail, serverCode: code)), false)
        case 4?, 8?, 14?:
            // Deadline exceeded, too many requests, unavailable (no leader, leader changed, stopping).
            return (EndpointFailure(detail: "HTTP \(response.status) code \(code ?? 0): \(message)", maybeApplied: true, underlying: EtcdError(.unavailable, detail: detail, serverCode: code)), false)
        case nil where [502, 503, 504].contains(response.status):
            return (EndpointFailure(detail: "HTTP \(response.status): \(message)", maybeApplied: true, underlying: EtcdError(.unavailable, detail: detail)), false)
        case nil:
            return failure(.invalidResponse)
        default:
            return failure(.server)
        }
    }

    /// Removes the password and the tokens from text a server sent, should it echo them.
    private func scrub(_ text: String) -> String {
        var secrets = session.withLock { $0.tokens.values.map(\.token) }
        if let password = configuration.password?.reveal(), !password.isEmpty { secrets.append(password) }
        var result = text
        for secret in secrets where !secret.isEmpty { result = result.replacingOccurrences(of: secret, with: "«redacted»") }
        return result
    }

    private static func excerpt(_ body: Data) -> String {
        let text = String(decoding: body.prefix(300), as: UTF8.self).replacingOccurrences(of: "\n", with: " ")
        return body.count > 300 ? text + "…" : text
    }

    private static func decodingProblem(_ error: any Error) -> String {
        switch error as? DecodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        default:
            return "not JSON"
        }
    }

    /// An endpoint as errors show it: scheme, host and port (never a user or password in the URL).
    static func describe(_ endpoint: URL) -> String {
        guard let host = endpoint.host else { return "?" }
        return "\(endpoint.scheme ?? "?")://\(host)\(endpoint.port.map { ":\($0)" } ?? "")"
    }
}

extension EtcdClient: CustomStringConvertible {
    /// The endpoints and the user name; never the password or a token.
    public var description: String {
        let endpoints = configuration.endpoints.map(Self.describe).joined(separator: ",")
        return "EtcdClient(\(endpoints)\(configuration.username.map { ", user \($0)" } ?? ""))"
    }
}

extension EtcdClient: CustomReflectable {
    /// What `dump` shows: the description only — never the password, the tokens or the transport.
    public var customMirror: Mirror { Mirror(self, children: ["description": description], displayStyle: .struct) }
}
