/// The identifier of one configured directory source (one Microsoft Entra ID tenant).
///
/// Identities synchronized from a source carry its `SourceID` in their ``IdentityOrigin``, so the
/// planner can tell which identities a source owns.
///
/// ```swift
/// let source: SourceID = "contoso"
/// ```
public struct SourceID: RawRepresentable, Hashable, Comparable, Codable, Sendable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    /// The identifier's text.
    public var rawValue: String

    /// Creates a source identifier from its text.
    /// - Parameter rawValue: Any non-empty text that is stable for the life of the source.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Creates a source identifier from its text.
    /// - Parameter rawValue: Any non-empty text that is stable for the life of the source.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates a source identifier from a string literal.
    public init(stringLiteral value: String) { self.rawValue = value }

    /// Decodes the identifier from a single string.
    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }

    /// Encodes the identifier as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    /// Orders identifiers by their text.
    public static func < (lhs: SourceID, rhs: SourceID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The identifier's text.
    public var description: String { rawValue }
}
