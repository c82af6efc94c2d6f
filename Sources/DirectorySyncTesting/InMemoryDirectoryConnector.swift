import DirectorySync

/// Connects ``DirectorySync/DirectoryService`` sources to in-memory directories, so hosts can test their
/// workflow without HTTP. Tenants are registered with the client ID and secret that unlock them,
/// the domains they own and their id; credentials name a tenant by its name, its id or any of its
/// domains, as with Entra ID; connection tests and reads check them like Entra ID would.
///
/// ```swift
/// let connector = InMemoryDirectoryConnector()
/// connector.register(tenant: "contoso.com", clientID: "app", secret: "s3cret", domains: ["contoso.com"], directory: directory)
/// ```
public final class InMemoryDirectoryConnector: DirectoryConnector {
    private struct Tenant {
        var name: String
        var id: String
        var clientID: String
        var secret: String
        var domains: [String]
        var synchronizedDomains: Set<String>
        var directory: InMemoryDirectoryProvider

        func isNamed(by name: String) -> Bool {
            let name = name.lowercased()
            return name == self.name || name == id || domains.contains(name)
        }
    }

    private let tenants = Locked<[String: Tenant]>([:])

    /// Creates a connector with no tenants.
    public init() {}

    /// Registers a tenant.
    /// - Parameters:
    ///   - tenant: The tenant's name (what credentials call `tenant`, besides its id and domains).
    ///   - clientID: The application id that may read it.
    ///   - secret: The secret that application uses.
    ///   - domains: The tenant's verified domains.
    ///   - directory: Its users and groups.
    ///   - id: The tenant's id; by default a GUID-shaped id derived from `tenant`.
    ///   - synchronizedDomains: Domains whose users are synchronized from on-premises Active
    ///     Directory: a connection test for one fails its `onPremises` step.
    public func register(
        tenant: String, clientID: String, secret: String, domains: [String], directory: InMemoryDirectoryProvider, id: String? = nil,
        synchronizedDomains: [String] = []
    ) {
        let name = tenant.lowercased()
        let registered = Tenant(
            name: name, id: (id ?? Self.derivedID(name)).lowercased(), clientID: clientID, secret: secret, domains: domains.map { $0.lowercased() },
            synchronizedDomains: Set(synchronizedDomains.map { $0.lowercased() }), directory: directory)
        tenants.withLock { $0[name] = registered }
    }

    /// A GUID-shaped id from a tenant's name (FNV-1a), the same for the same name.
    static func derivedID(_ name: String) -> String {
        let hash = name.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
        let hex = String(hash, radix: 16)
        let digits = String(repeating: "0", count: 16 - hex.count) + hex
        return "\(digits.prefix(8))-\(digits.dropFirst(8).prefix(4))-4\(digits.dropFirst(12).prefix(3))-8000-00000000\(digits.suffix(4))"
    }

    private func tenant(named name: String) -> Tenant? {
        tenants.withLock { tenants in tenants[name.lowercased()] ?? tenants.values.sorted { $0.name < $1.name }.first { $0.isNamed(by: name) } }
    }

    public var sourceType: String { "In-memory directory" }

    public func provider(for connection: SourceConnection) throws -> any DirectoryProvider {
        guard let tenant = tenant(named: connection.credentials.tenant) else {
            throw DirectoryServiceError(.invalidInput, "unknown tenant '\(connection.credentials.tenant)'", fix: "Use a tenant the connector was given.")
        }
        return CheckedProvider(tenant: tenant.directory, valid: tenant.clientID == connection.credentials.clientID && tenant.secret == connection.secret.reveal())
    }

    /// Tests the connection like Entra ID would, in the steps `cloud` (the tenant is registered),
    /// `token` (client ID and secret), `domain` (a domain of the tenant; the result carries the
    /// tenant's id and domains) and `onPremises` (the domain is not registered as synchronized
    /// from on-premises Active Directory).
    /// - Parameter connection: Domain, credentials and secret.
    /// - Returns: The steps, with `unknownTenant`, `unknownApplication`, `wrongSecret`,
    ///   `domainNotVerified` or `onPremisesDomain` as the error code of a failure.
    public func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult {
        typealias Step = ConnectionTestResult.Step
        let order: [Step.Name] = [.cloud, .token, .domain, .onPremises]
        guard let tenant = tenant(named: connection.credentials.tenant) else {
            return .failure(
                after: [], failing: .cloud, detail: "No tenant is named '\(connection.credentials.tenant)'; check the tenant domain.",
                errorCode: "unknownTenant", order: order)
        }
        let found = Step(.cloud, .passed, "found")
        guard tenant.clientID == connection.credentials.clientID else {
            return .failure(
                after: [found], failing: .token, detail: "The application is not registered in this tenant.", errorCode: "unknownApplication", order: order)
        }
        guard tenant.secret == connection.secret.reveal() else {
            return .failure(after: [found], failing: .token, detail: "The client secret is wrong; use the secret's value.", errorCode: "wrongSecret", order: order)
        }
        let issued = Step(.token, .passed, "issued")
        let identity = TenantIdentity(id: tenant.id, verifiedDomains: tenant.domains)
        let domain = connection.domain.lowercased()
        guard tenant.domains.contains(domain) else {
            return .failure(
                after: [found, issued], failing: .domain, detail: "'\(connection.domain)' is not a verified domain of this tenant",
                errorCode: "domainNotVerified", order: order, tenant: identity)
        }
        let verified = Step(.domain, .passed, "'\(connection.domain)' is verified")
        guard !tenant.synchronizedDomains.contains(domain) else {
            return .failure(
                after: [found, issued, verified], failing: .onPremises,
                detail: "users of '\(connection.domain)' are synchronized from on-premises Active Directory; a domain cannot come from both",
                errorCode: "onPremisesDomain", order: order, tenant: identity)
        }
        return ConnectionTestResult(
            steps: [found, issued, verified, Step(.onPremises, .passed, "no user of '\(connection.domain)' is synchronized from on-premises Active Directory")],
            tenant: identity)
    }
}

/// A directory read only with the right credentials.
private struct CheckedProvider: DirectoryProvider {
    let tenant: InMemoryDirectoryProvider
    let valid: Bool

    func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        guard valid else { throw DirectoryServiceError(.credentialsNotTested, "the credentials were refused", fix: "Test the connection.") }
        return try await tenant.read(filter: filter)
    }
}
