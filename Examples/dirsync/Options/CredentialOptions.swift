import DirectorySync
import Foundation

/// The credential flags, read in one place for every command that takes them (`test-connection`,
/// `read`, `--state DIR credentials set`): `--tenant`, `--client-id`, `--client-secret-env`,
/// `--client-secret-stdin`, `--secret-expires`, `--login-url`, `--graph-url`. `credentials set`
/// also takes a secret or an expiry date alone, keeping the saved credentials (``parseChange(_:saved:)``).
///
/// The secret is never an argument: it comes from exactly one of an environment variable and
/// standard input, and an empty one is refused. It is read by ``secret()`` only after the other
/// flags were checked, so a usage error never consumes standard input.
struct CredentialOptions {
    /// Where the client secret comes from.
    enum SecretSource {
        case environment(String)
        case standardInput
    }

    static let help = """
          --tenant DOMAIN            the tenant's primary domain (or its id)
          --client-id ID             the application (client) id
          --client-secret-env VAR    read the client secret from this environment variable
          --client-secret-stdin      read the client secret from standard input
          --secret-expires YYYY-MM-DD   the secret's expiry date (warnings ahead of time)
          --login-url URL --graph-url URL   other endpoints (such as `dirsync emulate-graph`'s)
        """

    /// The tenant, client id, expiry and endpoints.
    var credentials: SourceCredentials
    /// Where the secret comes from.
    var secretSource: SecretSource

    /// Reads the credential flags.
    /// - Throws: ``UsageError`` for a missing or malformed flag, a secret given as an argument,
    ///   both or neither secret source, or an endpoint the URL policy refuses.
    static func parse(_ arguments: inout Arguments) throws -> CredentialOptions {
        if try arguments.option("client-secret") != nil {
            throw UsageError("the secret is never given as an argument (it would be visible to other users); use --client-secret-env VAR or --client-secret-stdin")
        }
        guard let tenant = try arguments.option("tenant") else { throw UsageError("--tenant DOMAIN is required") }
        guard let clientID = try arguments.option("client-id") else { throw UsageError("--client-id ID is required") }
        guard let secretSource = try Self.secretSource(&arguments) else { throw Self.secretSourceMissing }
        return CredentialOptions(credentials: try Self.credentials(tenant: tenant, clientID: clientID, &arguments), secretSource: secretSource)
    }

    /// The credentials of `tenant` and `clientID` with `--secret-expires`, `--login-url` and `--graph-url`.
    /// - Throws: ``UsageError`` for a malformed flag or credentials the SDK refuses.
    private static func credentials(tenant: String, clientID: String, _ arguments: inout Arguments) throws -> SourceCredentials {
        let expiry = try Self.expiry(&arguments)
        func url(_ flag: String) throws -> URL? {
            guard let text = try arguments.option(flag) else { return nil }
            guard let url = URL(string: text) else { throw UsageError("--\(flag) takes an absolute https URL") }
            return url
        }
        let credentials = SourceCredentials(
            clientID: clientID, tenant: tenant, secretExpiration: expiry, loginURL: try url("login-url"), graphURL: try url("graph-url"))
        // The SDK's one rule, the same for every command: refused here at once (exit 2), never
        // echoing a password in a URL.
        do {
            try credentials.validate()
        } catch {
            throw UsageError(error.message)
        }
        return credentials
    }

    /// What `--state DIR credentials set` changes.
    enum Change {
        /// New credentials, with a new secret from `secret`, or keeping the saved one (`nil`).
        case credentials(SourceCredentials, secret: SecretSource?)
        /// The secret's expiry date alone.
        case expiry(Date)
    }

    /// Reads `credentials set`'s flags. With `--tenant` or `--client-id`, every flag as ``parse(_:)``
    /// reads them. With neither, the saved credentials are kept: `--secret-expires DATE` alone
    /// changes the expiry date (no secret asked for), and a secret (with or without
    /// `--secret-expires`) replaces the secret.
    /// - Parameters:
    ///   - arguments: The arguments.
    ///   - saved: The source's saved credentials, if any.
    /// - Throws: ``UsageError`` as ``parse(_:)``; when neither a secret nor an expiry is given
    ///   without `--tenant` and `--client-id`; or a secret alone for a source without credentials.
    static func parseChange(_ arguments: inout Arguments, saved: SourceCredentials?) throws -> Change {
        guard !["tenant", "client-id", "login-url", "graph-url"].contains(where: arguments.contains) else {
            let options = try parse(&arguments)
            return .credentials(options.credentials, secret: options.secretSource)
        }
        if try arguments.option("client-secret") != nil {
            throw UsageError("the secret is never given as an argument (it would be visible to other users); use --client-secret-env VAR or --client-secret-stdin")
        }
        let secretSource = try Self.secretSource(&arguments)
        let expiry = try Self.expiry(&arguments)
        guard let secretSource else {
            guard let expiry else {
                throw UsageError("--tenant DOMAIN and --client-id ID are required, with the secret; or give --secret-expires YYYY-MM-DD alone to change the expiry date only")
            }
            return .expiry(expiry)
        }
        guard var credentials = saved else {
            throw UsageError("the source has no credentials yet: --tenant DOMAIN and --client-id ID are required with the secret")
        }
        if let expiry { credentials.secretExpiration = expiry }
        return .credentials(credentials, secret: secretSource)
    }

    /// Reads `credentials set`'s flags where every replica reads the client secret from the
    /// environment (state in etcd): the same flags as ``parseChange(_:saved:)`` without a secret.
    /// `--tenant` and `--client-id` (with the expiry and endpoints) replace the credentials and keep
    /// using the secret in `variable`; `--secret-expires DATE` alone changes the expiry date.
    /// - Parameters:
    ///   - arguments: The arguments.
    ///   - variable: The environment variable the secret is read from (named in the errors).
    /// - Throws: ``UsageError`` for a secret option (naming `variable`), a missing `--tenant` or
    ///   `--client-id`, a malformed flag, or nothing to change.
    static func parseChangeWithSecretIn(_ arguments: inout Arguments, variable: String) throws -> Change {
        if ["client-secret", "client-secret-env", "client-secret-stdin"].contains(where: arguments.contains) {
            throw UsageError(
                "with --state etcd://…, the client secret is never saved: every replica reads it from the environment variable \(Terminal.safe(variable)); set it there (here too) and run credentials set without --client-secret-env or --client-secret-stdin")
        }
        guard !["tenant", "client-id", "login-url", "graph-url"].contains(where: arguments.contains) else {
            guard let tenant = try arguments.option("tenant") else { throw UsageError("--tenant DOMAIN is required") }
            guard let clientID = try arguments.option("client-id") else { throw UsageError("--client-id ID is required") }
            return .credentials(try credentials(tenant: tenant, clientID: clientID, &arguments), secret: nil)
        }
        guard let expiry = try Self.expiry(&arguments) else {
            throw UsageError(
                "--tenant DOMAIN and --client-id ID are required, or --secret-expires YYYY-MM-DD alone to change the expiry date only; a new secret goes into \(Terminal.safe(variable)) on every replica (check it with test-connection)")
        }
        return .expiry(expiry)
    }

    /// `--client-secret-env VAR` or `--client-secret-stdin`; `nil` when neither is given.
    /// - Throws: ``UsageError`` when both are given.
    private static func secretSource(_ arguments: inout Arguments) throws -> SecretSource? {
        let variable = try arguments.option("client-secret-env")
        let fromStandardInput = arguments.flag("client-secret-stdin")
        switch (variable, fromStandardInput) {
        case (let variable?, false): return .environment(variable)
        case (nil, true): return .standardInput
        case (nil, false): return nil
        default: throw secretSourceMissing
        }
    }

    private static let secretSourceMissing = UsageError(
        "give the client secret with exactly one of --client-secret-env VAR and --client-secret-stdin (never as an argument)")

    /// `--secret-expires YYYY-MM-DD`, as midnight UTC.
    /// - Throws: ``UsageError`` for anything but a date that exists.
    private static func expiry(_ arguments: inout Arguments) throws -> Date? {
        guard let text = try arguments.option("secret-expires") else { return nil }
        // Exactly YYYY-MM-DD, and a day that exists: 2026-02-30 is not rolled over to March.
        guard text.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil, let date = try? Date(text + "T00:00:00Z", strategy: .iso8601),
            date.formatted(Date.ISO8601FormatStyle().year().month().day()) == text
        else {
            throw UsageError("--secret-expires takes a date as YYYY-MM-DD, not '\(Terminal.safe(text))'")
        }
        return date
    }

    /// The secret in an environment variable — a client secret, the webhook's or the SCIM server's
    /// token — without surrounding white space (the line break `$(cat file)` or `echo` leaves);
    /// one with a control character inside is refused, since no header or form can carry it.
    /// - Parameters:
    ///   - variable: The variable's name.
    ///   - what: What it holds, for the error (`secret`, `token`).
    /// - Returns: The secret; never empty.
    /// - Throws: ``UsageError`` naming the variable, never its value.
    static func environmentSecret(_ variable: String, holding what: String) throws -> Secret {
        let value = ProcessInfo.processInfo.environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let name = Terminal.safe(variable)
        guard !value.isEmpty else { throw UsageError("the environment variable \(name) is not set or empty") }
        guard !value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw UsageError(
                "the \(what) in \(name) holds a control character (a line break, carriage return, tab or NUL), which no header can carry; set \(name) to the \(what) alone")
        }
        return Secret(value)
    }

    /// Reads the client secret from its source.
    /// - Returns: The secret; never empty.
    /// - Throws: ``UsageError`` when the variable is unset or empty, or standard input holds no secret.
    func secret() throws -> Secret { try Self.secret(from: secretSource) }

    /// Reads the client secret from `source`.
    /// - Returns: The secret; never empty.
    /// - Throws: ``UsageError`` when the variable is unset or empty, or standard input holds no secret.
    static func secret(from source: SecretSource) throws -> Secret {
        switch source {
        case .environment(let variable):
            return try environmentSecret(variable, holding: "secret")
        case .standardInput:
            guard let line = readLine(strippingNewline: true), !Secret(line).isEmpty else { throw UsageError("no secret on standard input") }
            return Secret(line)
        }
    }
}
