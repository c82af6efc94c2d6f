import Foundation

extension DirectoryService {
    /// Saves a source's credentials; a new secret goes to the ``SecretStore`` (`nil` keeps the
    /// saved one).
    ///
    /// - **Off**: they are saved as they are, and must pass a connection test before the source
    ///   can be turned on, synchronized or previewed: no secret is sent to a changed endpoint by a
    ///   run before a test passed with it.
    /// - **On** (rotation): they are tested first, through the connector, with the new secret (or
    ///   the saved one); only when the test passes do they replace the credentials and secret in
    ///   use, as tested. A test that fails changes nothing and throws `credentialsTestFailed`
    ///   naming the failing step. Scheduled runs go on meanwhile; a run in progress finishes with
    ///   the credentials it started with, the next one uses the new ones.
    ///
    /// Credentials that differ from the saved ones only in ``SourceCredentials/secretExpiration``,
    /// without a new secret, change the expiry alone (``setSecretExpiration(_:_:)``): no test, and
    /// a passed test stays passed.
    ///
    /// A new secret is written under a new key (``Source/secretKey``) before the sources document
    /// names it, and the previous one is removed only after: the saved source pairs its
    /// credentials with their own secret whenever the process stops, and a change that fails
    /// half way leaves the old pair in use. A change releases a quarantine. Credential changes take
    /// turns across every replica (the coordinator's `credentials` lock).
    ///
    /// The tenant the source holds (``Source/tenant``) stays held while the new credentials are
    /// not tested: no other source can take it meanwhile. The test they pass replaces it with the
    /// tenant they reach.
    /// - Parameters:
    ///   - id: The source.
    ///   - credentials: The client ID, tenant, secret expiry and endpoints.
    ///   - secret: The client secret's value, or `nil` to keep the saved one.
    /// - Throws: ``DirectoryServiceError``: `invalidInput` for credentials ``SourceCredentials/validate()``
    ///   refuses — a client ID that is not a GUID, a tenant that is neither a domain nor a GUID, one
    ///   endpoint without the other, or an endpoint that is not `https` (plain `http` only to
    ///   loopback) — or an empty secret; `missingSecret` when none is given or saved;
    ///   `credentialsTestFailed` when the source is on and the new credentials fail their test
    ///   (nothing changed). ``SecretStoreError``.
    public func setCredentials(_ id: SourceID, _ credentials: SourceCredentials, secret: Secret?) async throws {
        try? await refresh()
        _ = try source(id)
        try credentials.validate()
        if let secret, secret.isEmpty { throw DirectoryServiceError(.invalidInput, "The client secret is empty", fix: "Enter the client secret's value.") }
        try await withCredentialsLock { try await changeCredentials(id, credentials, secret: secret) }
    }

    /// The lock credential changes take across every replica (``Configuration/coordinator``).
    static let credentialsLock = CoordinationLock("credentials")

    /// Runs `body` in the credential changes' turn across every replica, with the saved sources
    /// taken in first: each change picks the next secret generation from what is saved and switches
    /// to it without another change in between, whichever replica makes it (replicas may share a
    /// writable secret store).
    private func withCredentialsLock(_ body: () async throws -> Void) async throws {
        try await coordinator.withLock(Self.credentialsLock) {
            try await refresh()
            try await body()
        }
    }

    /// Changes only when the client secret expires: no connection test, the secret untouched, a
    /// passed test kept — also while the source is on (`dirsync credentials set --source NAME
    /// --secret-expires DATE`). Expiry warnings start again for the new date.
    /// - Parameters:
    ///   - id: The source.
    ///   - expiration: When the secret expires, or `nil` when unknown.
    /// - Throws: ``DirectoryServiceError`` (`credentialsNotTested` when the source has no credentials yet).
    public func setSecretExpiration(_ id: SourceID, _ expiration: Date?) async throws {
        try? await refresh()
        _ = try source(id)
        try await withCredentialsLock {
            let source = try source(id)
            guard source.credentials != nil else {
                throw DirectoryServiceError(.credentialsNotTested, "'\(source.name)' has no credentials yet", fix: "Save the client ID, tenant and secret first.")
            }
            sources[id]?.credentials?.secretExpiration = expiration
            try await persist()
        }
    }

    /// ``setCredentials(_:_:secret:)`` once the call's turn came.
    private func changeCredentials(_ id: SourceID, _ credentials: SourceCredentials, secret: Secret?) async throws {
        let source = try source(id)
        if secret == nil, var saved = source.credentials {
            saved.secretExpiration = credentials.secretExpiration
            if saved == credentials {
                sources[id]?.credentials = saved
                try await persist()
                return
            }
        }
        let rotating = source.state.isOn
        var tested: ConnectionTestResult?
        if rotating {
            // Tested before anything is written: a failure leaves everything as it was.
            let chosen: Secret
            if let secret { chosen = secret } else { chosen = try await savedSecret(of: source) }
            let connection = SourceConnection(domain: source.domain, credentials: credentials, secret: chosen)
            let result = checkingTenant(await connector.testConnection(connection), of: id, connection: connection)
            guard result.isSuccessful else { throw Self.rotationRefused(source, result) }
            tested = result
        } else if secret == nil {
            _ = try await savedSecret(of: source)
        }
        guard let current = sources[id] else { throw DirectoryServiceError(.unknownSource, "The source was removed meanwhile", fix: "List the sources.") }
        if !rotating, current.state != .off {
            throw DirectoryServiceError(.sourceIsOn, "'\(current.name)' was turned on meanwhile", fix: "Save the credentials again: while it is on, they are tested first.")
        }
        // 1. The new secret under a key of its own; the saved source still names the old one.
        //    (A source without credentials pairs no secret yet: its first goes under its key.)
        let previous = current.secretGeneration ?? 0
        let generation = secret == nil || current.credentials == nil ? previous : previous + 1
        if let secret { try await secrets.setSecret(secret, for: .clientSecret(id, generation: generation)) }
        // 2. One write of the sources document switches credentials and secret together. The
        //    source is read again: it may have changed (a run ended) while the secret was written.
        guard let before = sources[id] else { throw DirectoryServiceError(.unknownSource, "The source was removed meanwhile", fix: "List the sources.") }
        sources[id]?.credentials = credentials
        sources[id]?.secretGeneration = generation == 0 ? nil : generation
        // Tested only for the domain it was tested with (the source may have been turned off and
        // its domain changed meanwhile). Untested credentials leave the tenant the source holds
        // held (``Source/tenant``): no other source can take it until these pass their own test.
        if let tested, before.domain == source.domain {
            sources[id]?.credentialsTestedAt = clock.now()
            keepTenant(tested.tenant, of: id)
        } else {
            sources[id]?.credentialsTestedAt = nil
        }
        synchronizers[id] = nil
        do {
            try await persist()
        } catch {
            // Not saved: the source goes on with what it had (the new secret's key is named by
            // nothing, and the next change overwrites it).
            sources[id]?.credentials = before.credentials
            sources[id]?.secretGeneration = before.secretGeneration
            sources[id]?.credentialsTestedAt = before.credentialsTestedAt
            sources[id]?.tenant = before.tenant
            synchronizers[id] = nil
            throw error
        }
        if before.quarantine != nil || before.consecutiveFailures > 0 {
            release(id)
            try? await persist()
        }
        // 3. The replaced secret, and one a change that stopped after step 2 may have left.
        guard generation != previous else { return }
        for old in [previous, previous - 1] where old >= 0 { try? await secrets.setSecret(nil, for: .clientSecret(id, generation: old)) }
    }

    /// The secret saved for the source's credentials.
    /// - Throws: ``DirectoryServiceError`` (`missingSecret`); ``SecretStoreError``.
    private func savedSecret(of source: Source) async throws -> Secret {
        guard let secret = try await secrets.secret(for: source.secretKey) else {
            throw DirectoryServiceError(.missingSecret, "No client secret is saved for '\(source.name)'", fix: "Enter its value.")
        }
        return secret
    }

    /// The error of new credentials that failed their test: the failing step and its code, and
    /// that nothing changed (the connector's details never hold the secret).
    static func rotationRefused(_ source: Source, _ result: ConnectionTestResult) -> DirectoryServiceError {
        var detail = "The new credentials of '\(source.name)' failed the connection test"
        if let step = result.failure {
            // The step's detail often starts with the code already (`wrongSecret: …`).
            let code = result.errorCode.flatMap { step.detail.hasPrefix("\($0):") ? nil : " (\($0))" } ?? ""
            detail += " at step '\(step.name)'\(code): \(step.detail)"
        }
        return DirectoryServiceError(
            .credentialsTestFailed,
            detail.followed(bySentence: "Nothing was saved: '\(source.name)' keeps the credentials and secret it had, and its runs go on with them"),
            fix: "Correct the credentials and save them again (test-connection checks unsaved ones).")
    }

    /// Removes every secret the source may have left in the secret store: the one in use, the one
    /// before it and one after it (a change that stopped half way). A read-only store
    /// (``EnvironmentSecretStore``, which replicas sharing their state use) keeps its secrets
    /// where it reads them from: nothing to remove there.
    func removeSecrets(of source: Source) async throws {
        let generation = source.secretGeneration ?? 0
        for old in [generation, generation + 1, generation - 1] where old >= 0 {
            do {
                try await secrets.setSecret(nil, for: .clientSecret(source.id, generation: old))
            } catch let error as SecretStoreError where error.code == .readOnly {
                continue
            }
        }
    }

    /// Tests the saved credentials; success is remembered (turning on needs it), with the tenant
    /// the test found (``Source/tenant``). After the connector's steps comes the service's own,
    /// `tenant`: it fails (`duplicateTenant`, naming the other source) when another source
    /// synchronizes the same tenant, and then the test has not passed.
    /// - Returns: The steps and what they found.
    /// - Throws: ``DirectoryServiceError`` when there are no credentials or no secret.
    public func testConnection(_ id: SourceID) async throws -> ConnectionTestResult {
        try? await refresh()
        let tested = try source(id)
        let connection = try await connection(for: tested)
        let result = checkingTenant(await connector.testConnection(connection), of: id, connection: connection)
        // Only for what was tested: a secret saved meanwhile has another key.
        if result.isSuccessful, sources[id]?.credentials == connection.credentials, sources[id]?.domain == connection.domain,
            sources[id]?.secretKey == tested.secretKey
        {
            recordPassedTest(id, result)
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
        guard let secret = try await secrets.secret(for: source.secretKey) else {
            throw DirectoryServiceError(.missingSecret, "No client secret is saved for '\(source.name)'", fix: "Save the credentials again with the secret.")
        }
        return SourceConnection(domain: source.domain, credentials: credentials, secret: secret)
    }
}
