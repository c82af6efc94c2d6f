/// Names one secret, such as a source's client secret.
public struct SecretKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The key's text (letters, digits, `-`, `_` and `.`).
    public var rawValue: String

    /// Creates a key.
    /// - Parameter rawValue: The key's text.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The key of a source's client secret.
    public static func clientSecret(_ sourceID: SourceID) -> SecretKey { SecretKey("\(sourceID.rawValue).client-secret") }

    /// The key's text.
    public var description: String { rawValue }
}

/// Keeps secrets (client secrets) apart from every other state, so they never reach logs,
/// exports or state files. Values go in and out as ``Secret``, whose descriptions are redacted.
///
/// Implementations: ``InMemorySecretStore``, ``FileSecretStore`` (owner-only files) and
/// ``EnvironmentSecretStore`` (read-only, for command-line tools and containers).
public protocol SecretStore: Sendable {
    /// The secret stored under `key`, or `nil`.
    /// - Parameter key: The key.
    /// - Throws: ``SecretStoreError``.
    func secret(for key: SecretKey) async throws -> Secret?

    /// Stores a secret, replacing the previous one; `nil` removes it.
    /// - Parameters:
    ///   - secret: The secret, or `nil`.
    ///   - key: The key.
    /// - Throws: ``SecretStoreError``.
    func setSecret(_ secret: Secret?, for key: SecretKey) async throws
}

/// Why a secret could not be read or stored. Never contains a secret's value.
public struct SecretStoreError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Hashable, Sendable {
        /// The store cannot be written (the environment).
        case readOnly
        /// The store's medium failed (a file could not be read or written).
        case storageFailed
    }

    /// What went wrong.
    public var code: Code
    /// The key concerned.
    public var key: SecretKey
    /// Details (file paths, system errors; never a value).
    public var detail: String

    /// Creates an error.
    public init(_ code: Code, key: SecretKey, detail: String) {
        self.code = code
        self.key = key
        self.detail = detail
    }

    /// The cause and the fix.
    public var description: String {
        switch code {
        case .readOnly: "The secret '\(key)' cannot be stored: \(detail)".followed(bySentence: "Set it where this store reads it from, or use a writable secret store.")
        case .storageFailed: "The secret '\(key)' could not be read or stored: \(detail)".followed(bySentence: "Check the folder's permissions and free space.")
        }
    }
}
