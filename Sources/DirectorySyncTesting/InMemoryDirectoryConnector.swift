import DirectorySync

/// Connects ``DirectoryService`` sources to in-memory directories, so hosts can test their
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
            throw DirectoryServiceError(.invalidInput, "unknown tenant '\(connection.credentials.tenant)'")
        }
        return CheckedProvider(tenant: tenant.directory, valid: tenant.clientID == connection.credentials.clientID && tenant.secret == connection.secret.reveal())
    }

    public func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult {
        typealias Step = ConnectionTestResult.Step
        guard let tenant = tenants.withLock({ $0[connection.credentials.tenant.lowercased()] }) else {
            return ConnectionTestResult(
                steps: [Step(name: "tenant", status: .failed, detail: "No tenant is named '\(connection.credentials.tenant)'; check the tenant domain.")],
                errorCode: "unknownTenant")
        }
        guard tenant.clientID == connection.credentials.clientID else {
            return ConnectionTestResult(
                steps: [Step(name: "tenant", status: .passed, detail: "found"), Step(name: "token", status: .failed, detail: "The application is not registered in this tenant.")],
                errorCode: "unknownApplication")
        }
        guard tenant.secret == connection.secret.reveal() else {
            return ConnectionTestResult(
                steps: [Step(name: "tenant", status: .passed, detail: "found"), Step(name: "token", status: .failed, detail: "The client secret is wrong; use the secret's value.")],
                errorCode: "wrongSecret")
        }
        let domainKnown = tenant.domains.contains(connection.domain.lowercased())
        return ConnectionTestResult(
            steps: [
                Step(name: "tenant", status: .passed, detail: "found"), Step(name: "token", status: .passed, detail: "issued"),
                Step(name: "domain", status: domainKnown ? .passed : .failed,
                     detail: domainKnown ? "'\(connection.domain)' is verified" : "'\(connection.domain)' is not a verified domain of this tenant"),
            ],
            errorCode: domainKnown ? nil : "domainNotVerified")
    }
}

/// A directory read only with the right credentials.
private struct CheckedProvider: DirectoryProvider {
    let tenant: InMemoryDirectoryProvider
    let valid: Bool

    func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        guard valid else { throw DirectoryServiceError(.credentialsNotTested, "the credentials were refused; test the connection") }
        return try await tenant.read(filter: filter)
    }
}
