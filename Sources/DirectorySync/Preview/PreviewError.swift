import Foundation

/// A preview cannot be made, shown or exported. The description says what to do.
public enum PreviewError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Previews are made only while the source is off.
    case sourceIsOn
    /// The preview is older than its validity.
    case expired(at: Date)
    /// The source synchronized after the preview was made.
    case invalidatedBySynchronization(at: Date)
    /// More records than a page view may show; export instead.
    case tooManyRecordsToDisplay(count: Int, limit: Int)
    /// A page outside the records, or a limit below 1.
    case invalidPage(offset: Int, limit: Int)
    /// No preview is stored for the source.
    case notFound(SourceID)

    /// The cause and the fix.
    public var description: String {
        switch self {
        case .sourceIsOn:
            "A preview can only be made while the source is off; turn the source off, wait for its state to change, and try again."
        case .expired(let date):
            "The preview expired at \(date.formatted(.iso8601)); generate a new one."
        case .invalidatedBySynchronization(let date):
            "The source synchronized at \(date.formatted(.iso8601)), after the preview was made, so it no longer shows what would change; generate a new one."
        case .tooManyRecordsToDisplay(let count, let limit):
            "The preview has \(count) records, more than the \(limit) that can be shown as pages; export it (JSON, JSON Lines or CSV) instead."
        case .invalidPage(let offset, let limit):
            "The page at offset \(offset) with limit \(limit) is not valid; use an offset of 0 or more and a limit of 1 or more."
        case .notFound(let source):
            "No preview is stored for source '\(source)'; generate one while the source is off."
        }
    }
}
