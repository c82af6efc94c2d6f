/// Why saved state could not be read back or saved. Branch on ``code``; the ``description`` names
/// the state, the cause and the fix.
public struct SyncStateError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<SyncStateError>

    /// What went wrong.
    public var code: Code
    /// The state concerned (a ``StateKey``'s description, or a folder's path).
    public var key: String
    /// The cause.
    public var detail: String
    /// What to do.
    public var fix: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, such as the `DecodingError` of a document that does not decode.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - key: The state concerned.
    ///   - detail: The cause.
    ///   - fix: What to do.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, key: String, detail: String, fix: String, underlying: (any Error)? = nil) {
        self.code = code
        self.key = key
        self.detail = detail
        self.fix = fix
        storedUnderlying = UnderlyingError(underlying)
    }

    /// A document written by a newer version of DirectorySync.
    /// - Parameters:
    ///   - found: The document's format version.
    ///   - supported: The newest version this version reads.
    ///   - key: The state concerned.
    /// - Returns: The error.
    public static func unsupportedFormatVersion(found: Int, supported: Int, key: String) -> SyncStateError {
        SyncStateError(
            .unsupportedFormatVersion, key: key,
            detail: "The state '\(key)' has format version \(found), but this version of DirectorySync reads up to \(supported)",
            fix: "Upgrade DirectorySync.")
    }

    /// A document that is not what was expected, cannot be read, or cannot be trusted.
    /// - Parameters:
    ///   - key: The state concerned.
    ///   - detail: Why it cannot be read (file, byte, system error; never a secret).
    ///   - underlying: The error that caused this one.
    /// - Returns: The error.
    public static func unreadable(key: String, detail: String, underlying: (any Error)? = nil) -> SyncStateError {
        SyncStateError(.unreadable, key: key, detail: "The state '\(key)' cannot be read: \(detail)", fix: unreadableFix, underlying: underlying)
    }

    /// The advice of ``unreadable(key:detail:underlying:)``; a reader that knows what the state
    /// is for may give better advice in its place (``advising(_:)``).
    static let unreadableFix = "Nothing was changed; correct or restore the file (removing it starts that state afresh)."

    /// The same error with this advice.
    func advising(_ fix: String) -> SyncStateError {
        var advised = self
        advised.fix = fix
        return advised
    }

    /// A document that cannot be written; the state saved before is kept.
    /// - Parameters:
    ///   - key: The state concerned.
    ///   - detail: Why it cannot be written (never a secret).
    ///   - underlying: The error that caused this one.
    /// - Returns: The error.
    public static func unwritable(key: String, detail: String, underlying: (any Error)? = nil) -> SyncStateError {
        SyncStateError(
            .unwritable, key: key, detail: "The state '\(key)' cannot be saved: \(detail)",
            fix: "The state saved before is kept; check the folder's permissions and free space, then retry.", underlying: underlying)
    }
}

extension ErrorCode where Area == SyncStateError {
    /// The document was written by a newer version of DirectorySync.
    public static let unsupportedFormatVersion = Self(rawValue: "unsupportedFormatVersion")
    /// The document is not what was expected, cannot be read, or cannot be trusted.
    public static let unreadable = Self(rawValue: "unreadable")
    /// The document cannot be written (the state before the write is kept).
    public static let unwritable = Self(rawValue: "unwritable")
}
