/// Names one secret, such as a source's client secret.
public struct SecretKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The key's text (letters, digits, `-`, `_` and `.`).
    public var rawValue: String

    /// Creates a key.
    /// - Parameter rawValue: The key's text.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// The key of a source's client secret: `<id>.client-secret` for the first secret saved,
    /// `<id>.client-secret.<generation>` for each one that replaced it (``DirectoryService`` writes a
    /// new secret under a new key and switches the source to it in one write, so a crash between
    /// the writes never pairs credentials with the wrong secret; ``Source/secretKey`` names the
    /// one in use).
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - generation: Which of the source's secrets (0 for the first).
    public static func clientSecret(_ sourceID: SourceID, generation: Int = 0) -> SecretKey {
        SecretKey(generation == 0 ? "\(sourceID.rawValue).client-secret" : "\(sourceID.rawValue).client-secret.\(generation)")
    }

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

/// Why a secret could not be read or stored. Never contains a secret's value. Branch on ``code``;
/// the ``description`` names the key, the cause and the fix.
public struct SecretStoreError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<SecretStoreError>

    /// What went wrong.
    public var code: Code
    /// The key concerned.
    public var key: SecretKey
    /// Details (file paths, system errors; never a value).
    public var detail: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, such as a host store's own error (never one that holds the value).
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - key: The key concerned.
    ///   - detail: Details (never the value).
    ///   - underlying: The error that caused this one (never one that holds the value).
    public init(_ code: Code, key: SecretKey, detail: String, underlying: (any Error)? = nil) {
        self.code = code
        self.key = key
        self.detail = detail
        storedUnderlying = UnderlyingError(underlying)
    }

    /// What to do about it.
    public var fix: String {
        switch code {
        case .readOnly: "Set it where this store reads it from, or use a writable secret store."
        case .storageFailed: "Check the folder's permissions and free space."
        case .notFound: "Store the secret again."
        default: "See the detail."
        }
    }

    /// The key, the cause and the fix.
    public var message: String {
        let cause = switch code {
        case .readOnly: "The secret '\(key)' cannot be stored"
        case .notFound: "The secret '\(key)' is not in the store"
        default: "The secret '\(key)' could not be read or stored"
        }
        return "\(cause): \(detail)".followed(bySentence: fix)
    }
}

extension ErrorCode where Area == SecretStoreError {
    /// The store cannot be written (the environment).
    public static let readOnly = Self(rawValue: "readOnly")
    /// The store's medium failed (a file could not be read or written).
    public static let storageFailed = Self(rawValue: "storageFailed")
    /// The store holds no secret under the key, where a caller needs one (a webhook whose saved
    /// settings say it is sent with a token).
    public static let notFound = Self(rawValue: "notFound")
}
