import Foundation

/// A preview cannot be made, shown or exported. Branch on ``code``; the ``description`` says what
/// to do.
public struct PreviewError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<PreviewError>

    /// What went wrong.
    public var code: Code
    /// The cause.
    public var detail: String
    /// What to do.
    public var fix: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: The cause.
    ///   - fix: What to do.
    public init(_ code: Code, detail: String, fix: String) {
        self.code = code
        self.detail = detail
        self.fix = fix
    }

    /// A preview asked for while the source is on.
    public static let sourceIsOn = PreviewError(
        .sourceIsOn, detail: "A preview can only be made while the source is off",
        fix: "Turn the source off, wait for its state to change, and try again.")

    /// A preview older than its validity.
    /// - Parameter date: When it expired.
    /// - Returns: The error.
    public static func expired(at date: Date) -> PreviewError {
        PreviewError(.expired, detail: "The preview expired at \(date.formatted(.iso8601))", fix: "Generate a new one.")
    }

    /// A preview made before the source's last synchronization.
    /// - Parameter date: When the source synchronized.
    /// - Returns: The error.
    public static func invalidatedBySynchronization(at date: Date) -> PreviewError {
        PreviewError(
            .invalidatedBySynchronization,
            detail: "The source synchronized at \(date.formatted(.iso8601)), after the preview was made, so it no longer shows what would change",
            fix: "Generate a new one.")
    }

    /// More records than a page view may show.
    /// - Parameters:
    ///   - count: The preview's records.
    ///   - limit: The most a page view shows.
    /// - Returns: The error.
    public static func tooManyRecordsToDisplay(count: Int, limit: Int) -> PreviewError {
        PreviewError(
            .tooManyRecordsToDisplay, detail: "The preview has \(count) records, more than the \(limit) that can be shown as pages",
            fix: "Export it (JSON, JSON Lines or CSV) instead.")
    }

    /// A page outside the records, or a limit below 1.
    /// - Parameters:
    ///   - offset: The offset asked for.
    ///   - limit: The limit asked for.
    /// - Returns: The error.
    public static func invalidPage(offset: Int, limit: Int) -> PreviewError {
        PreviewError(
            .invalidPage, detail: "The page at offset \(offset) with limit \(limit) is not valid", fix: "Use an offset of 0 or more and a limit of 1 or more.")
    }

    /// No preview stored for the source.
    /// - Parameter source: The source.
    /// - Returns: The error.
    public static func notFound(_ source: SourceID) -> PreviewError {
        PreviewError(.notFound, detail: "No preview is stored for source '\(source)'", fix: "Generate one while the source is off.")
    }
}

extension ErrorCode where Area == PreviewError {
    /// Previews are made only while the source is off.
    public static let sourceIsOn = Self(rawValue: "sourceIsOn")
    /// The preview is older than its validity.
    public static let expired = Self(rawValue: "expired")
    /// The source synchronized after the preview was made.
    public static let invalidatedBySynchronization = Self(rawValue: "invalidatedBySynchronization")
    /// More records than a page view may show; export instead.
    public static let tooManyRecordsToDisplay = Self(rawValue: "tooManyRecordsToDisplay")
    /// A page outside the records, or a limit below 1.
    public static let invalidPage = Self(rawValue: "invalidPage")
    /// No preview is stored for the source.
    public static let notFound = Self(rawValue: "notFound")
}
