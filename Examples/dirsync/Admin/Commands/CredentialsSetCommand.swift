import DirectorySync
import Foundation

/// `dirsync --state DIR credentials set --source NAME …`: saves a source's Entra ID credentials;
/// the secret goes to the secret store, never into an argument. While the source is on, the new
/// credentials are tested first and replace the ones in use only when the test passes (exit 1,
/// nothing changed, otherwise). `--secret-expires DATE` alone changes the expiry date only; a
/// secret alone replaces the secret and keeps the saved client id, tenant and endpoints.
///
/// While another process owns the folder (`run-scheduler`), it carries the change out, so
/// scheduled runs go on: the request holds the credentials, and a new secret is handed over
/// through the folder's secret store (`DIR/secrets`, under a key of its own that the owner
/// removes), never through the request file.
enum CredentialsSetCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        if let environment = context.secrets as? EnvironmentSecretStore {
            return try await runWithSecretInEnvironment(context, source, environment, &arguments)
        }
        let change = try CredentialOptions.parseChange(&arguments, saved: source.credentials)
        try arguments.finish()
        var request = AdminCommand.request(.credentials, source, context)
        switch change {
        case .expiry(let date): request.secretExpiry = date
        case .credentials(let credentials, _): request.credentials = credentials
        }
        if case .credentials(_, let secretSource?) = change {
            let secret = try CredentialOptions.secret(from: secretSource)
            let key = SecretKey("\(source.id.rawValue).client-secret.handover-\(UUID().uuidString.lowercased())")
            try await context.secrets.setSecret(secret, for: key)
            request.secretHandover = key
        }
        let status: Int32
        do {
            status = try await context.submit(request)
        } catch {
            // An owner that never took the request left the secret where it was handed over.
            if let key = request.secretHandover { try? await context.secrets.setSecret(nil, for: key) }
            throw error
        }
        if let key = request.secretHandover { try? await context.secrets.setSecret(nil, for: key) }
        return status
    }

    /// `credentials set` with etcd state: every replica reads the client secret from its
    /// environment, so only the client id, tenant, endpoints and expiry are saved; the secret in
    /// this process's environment is the one tested (while the source is on, before anything is saved).
    private static func runWithSecretInEnvironment(
        _ context: AdminContext, _ source: Source, _ environment: EnvironmentSecretStore, _ arguments: inout Arguments
    ) async throws -> Int32 {
        let variable = environment.variableName(for: source.secretKey)
        let change = try CredentialOptions.parseChangeWithSecretIn(&arguments, variable: variable)
        try arguments.finish()
        var request = AdminCommand.request(.credentials, source, context)
        switch change {
        case .expiry(let date):
            request.secretExpiry = date
        case .credentials(let credentials, _):
            guard try await environment.secret(for: source.secretKey) != nil else {
                throw UsageError(
                    "set \(Terminal.safe(variable)) to the client secret of '\(Terminal.safe(source.name))' (every replica reads it from there; it is never saved in etcd), then run credentials set again")
            }
            request.credentials = credentials
        }
        return try await context.submit(request)
    }

    /// Carries out a `credentials set` request on the folder owner's service.
    /// - Returns: The sentence the command prints.
    static func perform(_ request: AdminControl.Request, source: Source, on service: DirectoryService, secrets: any SecretStore) async throws -> String {
        let name = Terminal.safe(source.name)
        guard let credentials = request.credentials else {
            guard let date = request.secretExpiry else { throw AdminControl.ForwardedFailure(description: "the request names neither credentials nor an expiry date") }
            try await service.setSecretExpiration(source.id, date)
            return "Saved the secret expiry date of '\(name)': \(date.formatted(Date.ISO8601FormatStyle().year().month().day())) (the credentials and secret are unchanged)."
        }
        var secret: Secret?
        if let key = request.secretHandover {
            guard let handed = try await secrets.secret(for: key) else {
                throw AdminControl.ForwardedFailure(description: "the new client secret was not found where it was handed over; run the command again")
            }
            secret = handed
        }
        try await service.setCredentials(source.id, credentials, secret: secret)
        let folder = (secrets as? FileSecretStore).map { " (the secret is in \(Terminal.safe($0.folder.path)))" } ?? ""
        let environment = (secrets as? EnvironmentSecretStore).map { " (every replica reads the secret from \(Terminal.safe($0.variableName(for: source.secretKey))))" }
        let kept = environment ?? (secret == nil ? "" : folder)
        return source.state.isOn
            ? "Tested and saved the credentials of '\(name)'\(kept); its next synchronization uses them."
            : "Saved the credentials of '\(name)'\(kept). Next: test-connection --source \"\(name)\""
    }
}
