/// A provider lost track of changes: the cursor expired or the directory asked to start over.
/// The caller reads everything again (``SourceSynchronizer`` does this on its own).
public struct DirectoryTrackingLost: DirectorySyncError {
    /// A stable error code: why tracking was lost. New codes may be added; switch with a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The code's text.
        public var rawValue: String
        /// Creates a code from its text.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The cursor is too old (Graph: 400 `syncStateNotFound`, after 7 days).
        public static let expired = Code(rawValue: "expired")
        /// The directory reset tracking (Graph: 410 Gone, `resyncRequired`).
        public static let reset = Code(rawValue: "reset")

        /// The code's text.
        public var description: String { rawValue }
    }

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
