import Foundation

/// Secrets from environment variables, read-only: the key `contoso.client-secret` is read from
/// `DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET` (the prefix, then the key upper-cased with every other
/// character turned into `_`). For command-line tools, containers and CI, where secrets arrive in
/// the environment and must not be written anywhere.
public struct EnvironmentSecretStore: SecretStore, CustomStringConvertible, CustomReflectable {
    /// The variable-name prefix.
    public let prefix: String
    private let environment: [String: String]

    /// Creates a store.
    /// - Parameters:
    ///   - prefix: The variable-name prefix.
    ///   - environment: The variables (the process's environment by default).
    public init(prefix: String = "DIRSYNC_SECRET_", environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.prefix = prefix
        self.environment = environment
    }

    /// The variable a key is read from.
    /// - Parameter key: The key.
    public func variableName(for key: SecretKey) -> String {
        prefix + String(key.rawValue.uppercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
    }

    /// Names the prefix only: the environment may hold secrets.
    public var description: String { "EnvironmentSecretStore(prefix: \(prefix))" }

    /// Hides the environment from reflection (`dump`, `String(reflecting:)`).
    public var customMirror: Mirror { Mirror(self, children: ["prefix": prefix]) }

    public func secret(for key: SecretKey) async throws -> Secret? {
        guard let value = environment[variableName(for: key)], !value.isEmpty else { return nil }
        return Secret(value)
    }

    public func setSecret(_ secret: Secret?, for key: SecretKey) async throws {
        throw SecretStoreError(.readOnly, key: key, detail: "the environment is read-only (the secret is read from \(variableName(for: key)))")
    }
}
