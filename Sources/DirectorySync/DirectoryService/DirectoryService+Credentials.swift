import Foundation

extension DirectoryService {
    /// Saves a source's credentials; the secret goes to the ``SecretStore`` (`nil` keeps the saved
    /// one, to change only the expiry). The source must be off, and the credentials must pass a
    /// connection test again before the source can be turned on, synchronized or previewed: no
    /// secret is sent to a changed endpoint by a run before a test passed with it.
    /// - Parameters:
    ///   - id: The source.
    ///   - credentials: The client ID, tenant, secret expiry and endpoints.
    ///   - secret: The client secret's value, or `nil` to keep the saved one.
    /// - Throws: ``DirectoryServiceError`` (`invalidInput` for credentials ``SourceCredentials/validate()``
    ///   refuses — a client ID that is not a GUID, a tenant that is neither a domain nor a GUID, one
    ///   endpoint without the other, or an endpoint that is not `https` (plain `http` only to
    ///   loopback) — or an empty secret); ``SecretStoreError``.
    public func setCredentials(_ id: SourceID, _ credentials: SourceCredentials, secret: Secret?) async throws {
        let source = try source(id)
        guard source.state == .off else {
            throw DirectoryServiceError(.sourceIsOn, "'\(source.name)' is on", fix: "Turn the source off before changing its credentials.")
        }
        try credentials.validate()
        if let secret {
            guard !secret.isEmpty else { throw DirectoryServiceError(.invalidInput, "The client secret is empty", fix: "Enter the client secret's value.") }
            try await secrets.setSecret(secret, for: .clientSecret(id))
        } else if try await secrets.secret(for: .clientSecret(id)) == nil {
            throw DirectoryServiceError(.missingSecret, "No client secret is saved for '\(source.name)'", fix: "Enter its value.")
        }
        // Changed in place after the awaits above, so concurrent changes to the source are kept.
        guard sources[id]?.state == .off else { throw DirectoryServiceError(.sourceIsOn, "The source was turned on meanwhile", fix: "Turn it off first.") }
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
            throw DirectoryServiceError(.credentialsNotTested, "'\(source.name)' has no credentials yet", fix: "Save the client ID, tenant and secret first.")
        }
        guard let secret = try await secrets.secret(for: .clientSecret(source.id)) else {
            throw DirectoryServiceError(.missingSecret, "No client secret is saved for '\(source.name)'", fix: "Save the credentials again with the secret.")
        }
        return SourceConnection(domain: source.domain, credentials: credentials, secret: secret)
    }
}
