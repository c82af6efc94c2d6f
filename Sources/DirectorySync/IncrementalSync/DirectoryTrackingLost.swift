/// A provider lost track of changes: the cursor expired or the directory asked to start over.
/// The caller reads everything again (``SourceSynchronizer`` does this on its own).
public struct DirectoryTrackingLost: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<DirectoryTrackingLost>

    /// Why tracking was lost.
    public var code: Code
    /// What the directory said (no secrets).
    public var detail: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, such as the provider's own error for the refused cursor.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates the error.
    /// - Parameters:
    ///   - code: Why tracking was lost.
    ///   - detail: What the directory said.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, detail: String, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = detail
        storedUnderlying = UnderlyingError(underlying)
    }

    /// What happens next: nothing for the caller to do when it is a ``SourceSynchronizer``.
    public var fix: String { "A full read follows automatically." }

    /// `Change tracking was lost: <detail>. <fix>`
    public var message: String { "Change tracking was lost: \(detail)".followed(bySentence: fix) }
}

extension ErrorCode where Area == DirectoryTrackingLost {
    /// The cursor is too old (Graph: 400 `syncStateNotFound`, after 7 days).
    public static let expired = Self(rawValue: "expired")
    /// The directory reset tracking (Graph: 410 Gone, `resyncRequired`).
    public static let reset = Self(rawValue: "reset")
}
