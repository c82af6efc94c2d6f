import DirectorySync

/// Connects ``DirectorySync/DirectoryService`` sources to in-memory directories, so hosts can test their
/// workflow without HTTP. Tenants are registered with the client ID and secret that unlock them
/// and the domains they own; connection tests and reads check them like Entra ID would.
///
/// ```swift
/// let connector = InMemoryDirectoryConnector()
/// connector.register(tenant: "contoso.com", clientID: "app", secret: "s3cret", domains: ["contoso.com"], directory: directory)
/// ```
public final class InMemoryDirectoryConnector: DirectoryConnector {
    private struct Tenant {
        var clientID: String
        var secret: String
        var domains: [String]
        var directory: InMemoryDirectoryProvider
    }

    private let tenants = Locked<[String: Tenant]>([:])

    /// Creates a connector with no tenants.
    public init() {}

    /// Registers a tenant.
    /// - Parameters:
    ///   - tenant: The tenant's name (what credentials call `tenant`).
    ///   - clientID: The application id that may read it.
    ///   - secret: The secret that application uses.
    ///   - domains: The tenant's verified domains.
    ///   - directory: Its users and groups.
    public func register(tenant: String, clientID: String, secret: String, domains: [String], directory: InMemoryDirectoryProvider) {
        tenants.withLock { $0[tenant.lowercased()] = Tenant(clientID: clientID, secret: secret, domains: domains.map { $0.lowercased() }, directory: directory) }
    }

    public var sourceType: String { "In-memory directory" }

    public func provider(for connection: SourceConnection) throws -> any DirectoryProvider {
        guard let tenant = tenants.withLock({ $0[connection.credentials.tenant.lowercased()] }) else {
            throw DirectoryServiceError(.invalidInput, "unknown tenant '\(connection.credentials.tenant)'", fix: "Use a tenant the connector was given.")
        }
        return CheckedProvider(tenant: tenant.directory, valid: tenant.clientID == connection.credentials.clientID && tenant.secret == connection.secret.reveal())
    }

    /// Tests the connection like Entra ID would, in the steps `cloud` (the tenant is registered),
    /// `token` (client ID and secret) and `domain` (a domain of the tenant).
    /// - Parameter connection: Domain, credentials and secret.
    /// - Returns: The steps, with `unknownTenant`, `unknownApplication`, `wrongSecret` or
    ///   `domainNotVerified` as the error code of a failure.
    public func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult {
        typealias Step = ConnectionTestResult.Step
        let order: [Step.Name] = [.cloud, .token, .domain]
        guard let tenant = tenants.withLock({ $0[connection.credentials.tenant.lowercased()] }) else {
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
        guard tenant.domains.contains(connection.domain.lowercased()) else {
            return .failure(
                after: [found, issued], failing: .domain, detail: "'\(connection.domain)' is not a verified domain of this tenant",
                errorCode: "domainNotVerified", order: order)
        }
        return ConnectionTestResult(steps: [found, issued, Step(.domain, .passed, "'\(connection.domain)' is verified")])
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
