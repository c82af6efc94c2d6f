import DirectorySync
import DirectorySyncHTTP
import Foundation

/// An access token and what it says.
struct AccessToken: Sendable {
    var value: Secret
    var expires: Date
    /// The `roles` claim: the application permissions granted with admin consent.
    var roles: [String]
    /// The `tid` claim: the id of the tenant that issued the token, when the token carries it.
    var tenantID: String?
}

/// Client-credentials tokens, cached and renewed a few minutes before they expire. Concurrent
/// callers share one in-flight request; a caller that is cancelled stops waiting for it at once,
/// and the request is cancelled once no caller waits for it. A token Graph refused is dropped so
/// the next call gets a fresh one.
actor TokenSource {
    private let credentials: SourceCredentials
    private let secret: Secret
    private let endpoints: EntraEndpoints
    private let transport: any HTTPTransport
    private let clock: SyncClock
    private let renewBefore: TimeInterval
    private var cached: AccessToken?
    /// The request in flight, shared by every caller waiting in `waiting`.
    private var inFlight: Task<Void, Never>?
    /// Counts the requests started and abandoned: a request delivers its token only if it is
    /// still the current one.
    private var generation = 0
    /// The callers waiting for the request in flight, each resumed once: with its result, or
    /// with `CancellationError` when the caller is cancelled.
    private var waiting: [UUID: CheckedContinuation<AccessToken, any Error>] = [:]
    /// How many callers wait for the request in flight (tests).
    var waiters: Int { waiting.count }
    private(set) var requests = 0

    init(
        credentials: SourceCredentials, secret: Secret, endpoints: EntraEndpoints, transport: any HTTPTransport, clock: SyncClock,
        renewBefore: TimeInterval = 300
    ) {
        self.credentials = credentials
        self.secret = secret
        self.endpoints = endpoints
        self.transport = transport
        self.clock = clock
        self.renewBefore = renewBefore
    }

    func token() async throws -> AccessToken {
        if let cached, cached.expires.timeIntervalSince(clock.now()) > renewBefore { return cached }
        let waiter = UUID()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                if Task.isCancelled { return continuation.resume(throwing: CancellationError()) }
                waiting[waiter] = continuation
                // (A caller that joins the request does not raise its priority: it waits on a
                // continuation, not on the request's task.)
                if inFlight == nil {
                    generation += 1
                    let request = generation
                    inFlight = Task {
                        let result: Result<AccessToken, any Error>
                        do { result = .success(try await self.fetch()) } catch { result = .failure(error) }
                        self.deliver(request, result)
                    }
                }
            }
        } onCancel: {
            Task { await self.leave(waiter) }
        }
    }

    /// The request numbered `request` ended: unless it was abandoned, its token is cached and
    /// every caller waiting gets its result.
    private func deliver(_ request: Int, _ result: Result<AccessToken, any Error>) {
        guard request == generation else { return }
        inFlight = nil
        if case .success(let token) = result { cached = token }
        let callers = waiting
        waiting = [:]
        for caller in callers.values { caller.resume(with: result) }
    }

    /// A cancelled caller stops waiting at once; when no caller is left, the request is cancelled
    /// and abandoned, and the next caller starts a new one.
    private func leave(_ waiter: UUID) {
        guard let caller = waiting.removeValue(forKey: waiter) else { return }
        caller.resume(throwing: CancellationError())
        if waiting.isEmpty {
            inFlight?.cancel()
            inFlight = nil
            generation += 1
        }
    }

    /// Forgets a token Graph refused (only if it is still the cached one).
    func invalidate(_ token: AccessToken) {
        if cached?.value == token.value { cached = nil }
    }

    private func fetch() async throws -> AccessToken {
        try GraphDirectoryProvider.validate(credentials, secret: secret)
        requests += 1
        var form = URLComponents()
        form.queryItems = [
            URLQueryItem(name: "client_id", value: credentials.clientID),
            URLQueryItem(name: "client_secret", value: secret.reveal()),
            URLQueryItem(name: "grant_type", value: "client_credentials"),
            URLQueryItem(name: "scope", value: endpoints.scope),
        ]
        let body = (form.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        let url = endpoints.login.appendingPathComponent(credentials.tenant.trimmingCharacters(in: .whitespaces))
            .appendingPathComponent("oauth2/v2.0/token")
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(
                method: .post, url: url, headers: ["Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"],
                body: Data(body.utf8), isRetryable: true))
        } catch let error as HTTPTransportError {
            throw EntraError(.network, detail: "the token endpoint could not be reached: \(error.detail)", underlying: error)
        }
        guard response.isSuccess else { throw Self.tokenError(response) }
        struct Body: Decodable {
            var access_token: String
            var expires_in: Int?
        }
        guard let decoded = try? JSONDecoder().decode(Body.self, from: response.body) else {
            throw EntraError(.unexpectedResponse, detail: "the token response is not the documented JSON", status: response.status, diagnostics: response.description)
        }
        let claims = Self.claims(in: decoded.access_token)
        return AccessToken(
            value: Secret(decoded.access_token), expires: clock.now().addingTimeInterval(TimeInterval(decoded.expires_in ?? 3_599)),
            roles: claims.roles, tenantID: claims.tenantID)
    }

    /// The `roles` and `tid` claims of a JWT-shaped token (no signature check: only for the
    /// connection test). A token that is not JWT-shaped, or lacks a claim, gives none of it.
    static func claims(in token: String) -> (roles: [String], tenantID: String?) {
        let parts = token.split(separator: ".")
        guard parts.count >= 2 else { return ([], nil) }
        var base64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        // Each claim on its own: one of an unexpected type does not hide the other.
        struct Claims: Decodable {
            var roles: [String]?
            var tid: String?
            enum CodingKeys: String, CodingKey { case roles, tid }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                roles = try? container.decodeIfPresent([String].self, forKey: .roles)
                tid = try? container.decodeIfPresent(String.self, forKey: .tid)
            }
        }
        guard let data = Data(base64Encoded: base64), let claims = try? JSONDecoder().decode(Claims.self, from: data) else { return ([], nil) }
        let tenantID = claims.tid?.trimmingCharacters(in: .whitespaces)
        return (claims.roles ?? [], tenantID?.isEmpty == false ? tenantID : nil)
    }

    /// Maps a token-endpoint error by its `error_codes`, never by its text.
    static func tokenError(_ response: HTTPResponse) -> EntraError {
        struct Body: Decodable {
            var error: String?
            var error_codes: [Int]?
            var trace_id: String?
        }
        let body = try? JSONDecoder().decode(Body.self, from: response.body)
        let code = body?.error_codes?.first
        let mapped: (EntraError.Code, String)
        switch code {
        case 90_002: mapped = (.unknownTenant, "Entra ID has no tenant with this domain or id")
        case 900_023: mapped = (.invalidInput, "the tenant identifier is malformed")
        case 700_016: mapped = (.unknownApplication, "the application id is not registered in this tenant")
        case 7_000_229: mapped = (.unknownApplication, "the tenant has no service principal for the application (its enterprise application was deleted or never created)")
        case 65_001: mapped = (.missingPermission, "admin consent for the application was not granted or was revoked")
        case 7_000_215: mapped = (.wrongSecret, "the client secret is wrong (was the secret's ID used instead of its value?)")
        case 7_000_222: mapped = (.expiredSecret, "the client secret has expired")
        case 7_000_218: mapped = (.missingSecret, "no client secret was sent")
        case 7_000_112: mapped = (.applicationDisabled, "the application is disabled")
        case 90_038: mapped = (.unsupportedCloud, "the tenant belongs to another national cloud")
        default:
            if response.status == 429 || response.status >= 500 {
                mapped = (.throttled, "the token endpoint answered \(response.status)")
            } else {
                mapped = (.authenticationFailed, "the token endpoint refused the request (\(body?.error ?? "HTTP \(response.status)"))")
            }
        }
        return EntraError(
            mapped.0, detail: mapped.1, status: response.status, serviceCode: code.map { "AADSTS\($0)" }, requestID: body?.trace_id,
            diagnostics: response.description)
    }
}
