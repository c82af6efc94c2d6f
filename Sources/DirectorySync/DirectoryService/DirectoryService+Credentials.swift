import Foundation

extension DirectoryService {
    /// Saves a source's credentials; the secret goes to the ``SecretStore`` (`nil` keeps the saved
    /// one, to change only the expiry). The source must be off, and the credentials must pass a
    /// connection test again before the source can be turned on, synchronized or previewed: no
    /// secret is sent to a changed endpoint by a run before a test passed with it.
    /// - Throws: ``DirectoryServiceError`` (`invalidInput` for a client ID that is not a GUID, a
    ///   tenant that is neither a domain nor a GUID, or an endpoint that is not `https` — plain
    ///   `http` only to loopback); ``SecretStoreError``.
    public func setCredentials(_ id: SourceID, _ credentials: SourceCredentials, secret: Secret?) async throws {
        let source = try source(id)
        guard source.state == .off else {
            throw DirectoryServiceError(.sourceIsOn, "Turn the source off before changing its credentials.")
        }
        try Self.validate(credentials)
        if let secret {
            guard !secret.isEmpty else { throw DirectoryServiceError(.invalidInput, "Enter the client secret's value.") }
            try await secrets.setSecret(secret, for: .clientSecret(id))
        } else if try await secrets.secret(for: .clientSecret(id)) == nil {
            throw DirectoryServiceError(.missingSecret, "No client secret is saved for '\(source.name)'; enter its value.")
        }
        // Changed in place after the awaits above, so concurrent changes to the source are kept.
        guard sources[id]?.state == .off else { throw DirectoryServiceError(.sourceIsOn, "The source was turned on meanwhile; turn it off first.") }
        sources[id]?.credentials = credentials
        sources[id]?.credentialsTestedAt = nil
        synchronizers[id] = nil
        try await persist()
    }

    /// Tests the saved credentials; success is remembered (turning on needs it).
    /// - Returns: The steps and what they found.
    /// - Throws: ``DirectoryServiceError`` when there are no credentials or no secret.
    public func testConnection(_ id: SourceID) async throws -> ConnectionTestResult {
        let connection = try await connection(for: try source(id))
        let result = await connector.testConnection(connection)
        if result.isSuccessful, sources[id]?.credentials == connection.credentials {
            sources[id]?.credentialsTestedAt = clock.now()
            try await persist()
        }
        return result
    }

    /// Tests credentials that are not saved ("Test connection" before saving).
    /// - Parameters:
    ///   - domain: The source's domain.
    ///   - credentials: The credentials.
    ///   - secret: The client secret.
    /// - Returns: The steps and what they found.
    public nonisolated func testConnection(domain: String, credentials: SourceCredentials, secret: Secret) async -> ConnectionTestResult {
        await connector.testConnection(SourceConnection(domain: domain, credentials: credentials, secret: secret))
    }

    func connection(for source: Source) async throws -> SourceConnection {
        guard let credentials = source.credentials else {
            throw DirectoryServiceError(.credentialsNotTested, "'\(source.name)' has no credentials yet; save the client ID, tenant and secret first.")
        }
        guard let secret = try await secrets.secret(for: .clientSecret(source.id)) else {
            throw DirectoryServiceError(.missingSecret, "No client secret is saved for '\(source.name)'; save the credentials again with the secret.")
        }
        return SourceConnection(domain: source.domain, credentials: credentials, secret: secret)
    }

    /// Refuses credentials that cannot be right before anything is saved or sent.
    static func validate(_ credentials: SourceCredentials) throws(DirectoryServiceError) {
        guard UUID(uuidString: credentials.clientID.trimmed) != nil else {
            throw DirectoryServiceError(
                .invalidInput, "'\(credentials.clientID)' is not an application (client) ID; copy the GUID from the app registration's overview, like 00000000-0000-0000-0000-000000000000.")
        }
        if UUID(uuidString: credentials.tenant.trimmed) == nil {
            do {
                _ = try DomainName.normalize(credentials.tenant)
            } catch {
                throw DirectoryServiceError(
                    .invalidInput, "'\(credentials.tenant)' is not a tenant; enter the tenant's primary domain (contoso.com) or its id (a GUID).")
            }
        }
        for (name, url) in [("sign-in", credentials.loginURL), ("Graph", credentials.graphURL)] {
            // Checked first, so the URL (and a password in it) is never echoed.
            if url?.user != nil || url?.password != nil {
                throw DirectoryServiceError(.invalidInput, "The \(name) endpoint carries a user name or password; enter its https URL without them.")
            }
            if let port = url?.port, !(1...65_535).contains(port) {
                throw DirectoryServiceError(.invalidInput, "The \(name) endpoint's port \(port) is not a port (1 to 65535); enter its https URL.")
            }
            guard let url, let problem = SecureURL.problem(with: url) else { continue }
            let reason = switch problem {
            case .notAbsolute: "is not an absolute URL"
            case .insecure(let host): "uses plain http to '\(host)', which is allowed only for loopback addresses"
            case .unsupportedScheme(let scheme): "uses '\(scheme)', not https"
            }
            throw DirectoryServiceError(.invalidInput, "The \(name) endpoint '\(url.absoluteString)' \(reason); enter its https URL.")
        }
    }
}
