import Foundation

/// How an application signs in to a source's directory: the tenant, the application (client) id,
/// when the client secret expires, and other endpoints when the directory is not in the global
/// cloud. The package's one credential type: ``DirectoryService`` saves it with the source, the
/// Entra provider (`GraphDirectoryProvider`) signs in with it.
///
/// The client secret's *value* is not here: it is a ``Secret`` kept in a ``SecretStore`` and
/// passed beside the credentials (``SourceConnection``), so credentials can be saved, shown,
/// logged and encoded without ever carrying it.
///
/// ```swift
/// let credentials = SourceCredentials(clientID: "11111111-2222-3333-4444-555555555555", tenant: "contoso.com")
/// try await service.setCredentials(source.id, credentials, secret: Secret(value))
/// ```
///
/// Its JSON (in the saved sources document) has the fields `clientID`, `tenant` and, when set,
/// `secretExpiration` (ISO 8601), `loginURL` and `graphURL`.
public struct SourceCredentials: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The application (client) ID: a GUID.
    public var clientID: String
    /// The tenant: its primary domain (`contoso.com`) or its id (a GUID).
    public var tenant: String
    /// When the client secret expires, if known; drives warnings ahead of time.
    public var secretExpiration: Date?
    /// Another sign-in endpoint (an emulator, a national cloud); `nil` for the connector's default.
    public var loginURL: URL?
    /// Another Graph endpoint (with its version path); `nil` for the connector's default.
    public var graphURL: URL?

    /// Creates credentials.
    /// - Parameters:
    ///   - clientID: The application (client) ID.
    ///   - tenant: The tenant's primary domain or id.
    ///   - secretExpiration: When the client secret expires.
    ///   - loginURL: Another sign-in endpoint; give it with `graphURL`, or neither.
    ///   - graphURL: Another Graph endpoint, with its version path.
    public init(clientID: String, tenant: String, secretExpiration: Date? = nil, loginURL: URL? = nil, graphURL: URL? = nil) {
        self.clientID = clientID
        self.tenant = tenant
        self.secretExpiration = secretExpiration
        self.loginURL = loginURL
        self.graphURL = graphURL
    }

    /// The client id, tenant, expiry and the endpoints' hosts (credentials never hold the secret).
    public var description: String {
        var text = "SourceCredentials(clientID: \(clientID), tenant: \(tenant)"
        if let secretExpiration { text += ", secretExpiration: \(secretExpiration.formatted(.iso8601))" }
        if let loginURL, let graphURL { text += ", login: \(loginURL.host ?? "?"), graph: \(graphURL.host ?? "?")" }
        return text + ")"
    }

    // MARK: Checks

    /// Checks the shape of the credentials before anything is saved or sent: a client id that is a
    /// GUID, a tenant that is a DNS name or a GUID (nothing that could change a request's path),
    /// and endpoints — both or neither — that are absolute `https` URLs (plain `http` only to
    /// loopback) without a user name or password.
    /// - Throws: ``DirectoryServiceError`` with code `invalidInput`, naming the value and the fix
    ///   (never echoing a password in a URL).
    public func validate() throws(DirectoryServiceError) {
        guard UUID(uuidString: clientID.trimmed) != nil else {
            throw DirectoryServiceError(
                .invalidInput, "'\(clientID)' is not an application (client) ID",
                fix: "Copy the GUID from the app registration's overview, like 00000000-0000-0000-0000-000000000000.")
        }
        if UUID(uuidString: tenant.trimmed) == nil {
            do {
                _ = try DomainName.normalize(tenant)
            } catch {
                throw DirectoryServiceError(
                    .invalidInput, "'\(tenant)' is not a tenant", fix: "Enter the tenant's primary domain (contoso.com) or its id (a GUID).")
            }
        }
        guard (loginURL == nil) == (graphURL == nil) else {
            throw DirectoryServiceError(
                .invalidInput, "Only one of the sign-in and Graph endpoints is given", fix: "Give both endpoints, or neither for the global cloud.")
        }
        for (name, url) in [("sign-in", loginURL), ("Graph", graphURL)] {
            // Checked first, so the URL (and a password in it) is never echoed.
            if url?.user != nil || url?.password != nil {
                throw DirectoryServiceError(.invalidInput, "The \(name) endpoint carries a user name or password", fix: "Enter its https URL without them.")
            }
            if let port = url?.port, !(1...65_535).contains(port) {
                throw DirectoryServiceError(.invalidInput, "The \(name) endpoint's port \(port) is not a port (1 to 65535)", fix: "Enter its https URL.")
            }
            guard let url, let problem = SecureURL.problem(with: url) else { continue }
            let reason = switch problem {
            case .notAbsolute: "is not an absolute URL"
            case .insecure(let host): "uses plain http to '\(host)', which is allowed only for loopback addresses"
            case .unsupportedScheme(let scheme): "uses '\(scheme)', not https"
            }
            throw DirectoryServiceError(.invalidInput, "The \(name) endpoint '\(url.absoluteString)' \(reason)", fix: "Enter its https URL.")
        }
    }

    /// How close the client secret is to expiring.
    public enum SecretExpiry: Hashable, Sendable {
        /// No expiry date is known.
        case unknown
        /// Further away than every lead time.
        case valid(daysLeft: Int)
        /// Within one of the lead times: warn the administrator.
        case expiresSoon(daysLeft: Int)
        /// Already expired: the connection test fails before calling the directory.
        case expired(since: Date)

        /// Days before the expiry at which it is warned about unless a connector says otherwise
        /// (``DirectoryConnector/secretExpiryLeadTimes``): 30, 7 and 1.
        public static let defaultLeadTimes = [30, 7, 1]
    }

    /// The secret's expiry status: the one count of days left that the connection test, a
    /// source's status and the service's `secretExpiring` events share. Days left are whole days,
    /// rounded down but at least 1 while the expiry has not passed (half a day left is 1 day,
    /// never 0); the secret expires soon once the days left are at most one of the lead times
    /// (exactly 30 days left is within a lead time of 30).
    /// - Parameters:
    ///   - now: The current instant, from the host's clock.
    ///   - leadTimes: Days before the expiry at which to warn (``SecretExpiry/defaultLeadTimes`` by
    ///     default; a service uses its connector's ``DirectoryConnector/secretExpiryLeadTimes``).
    /// - Returns: The status.
    public func secretExpiry(now: Date, leadTimes: [Int] = SecretExpiry.defaultLeadTimes) -> SecretExpiry {
        guard let expiration = secretExpiration else { return .unknown }
        if expiration <= now { return .expired(since: expiration) }
        let days = Self.daysLeft(until: expiration, now: now)
        return Self.leadTime(reachedAt: days, leadTimes: leadTimes) == nil ? .valid(daysLeft: days) : .expiresSoon(daysLeft: days)
    }

    /// Whole days left until `expiration` at `now`: at least 1 while it has not passed (so half a
    /// day left is "1 day", never "expired"), 0 or fewer once it has (whole days since, negative).
    static func daysLeft(until expiration: Date, now: Date) -> Int {
        let days = Int((expiration.timeIntervalSince(now) / 86_400).rounded(.down))
        return expiration > now ? max(1, days) : min(0, days)
    }

    /// The lead time that `daysLeft` has reached — the smallest of `leadTimes` (and 0, the expiry)
    /// that is at least `daysLeft` — or `nil` when it is further away than all of them.
    static func leadTime(reachedAt daysLeft: Int, leadTimes: [Int]) -> Int? {
        (leadTimes.filter { $0 > 0 } + [0]).filter { daysLeft <= $0 }.min()
    }

    // MARK: JSON

    private enum CodingKeys: String, CodingKey { case clientID, tenant, secretExpiration, loginURL, graphURL }

    /// Decodes credentials from the saved sources document (every version written so far).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for another shape.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        clientID = try container.decode(String.self, forKey: .clientID)
        tenant = try container.decode(String.self, forKey: .tenant)
        secretExpiration = try container.decodeIfPresent(Date.self, forKey: .secretExpiration)
        loginURL = try container.decodeIfPresent(URL.self, forKey: .loginURL)
        graphURL = try container.decodeIfPresent(URL.self, forKey: .graphURL)
    }

    /// Encodes the credentials: the fields that are set, under their documented names.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(clientID, forKey: .clientID)
        try container.encode(tenant, forKey: .tenant)
        try container.encodeIfPresent(secretExpiration, forKey: .secretExpiration)
        try container.encodeIfPresent(loginURL, forKey: .loginURL)
        try container.encodeIfPresent(graphURL, forKey: .graphURL)
    }
}
