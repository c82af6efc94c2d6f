/// The identifier an identity store assigned to one of its users or groups.
///
/// Identifiers are opaque: the in-memory store hands out `user-1`, `group-1` and so on, a SCIM
/// store the server's `id`, a host's database its primary key.
public struct IdentityID: RawRepresentable, Hashable, Comparable, Codable, Sendable,
    ExpressibleByStringLiteral, CustomStringConvertible
{
    /// The identifier's text.
    public var rawValue: String

    /// Creates an identifier from its text.
    /// - Parameter rawValue: The store's identifier.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// Creates an identifier from its text.
    /// - Parameter rawValue: The store's identifier.
    public init(_ rawValue: String) { self.rawValue = rawValue }

    /// Creates an identifier from a string literal.
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
    public static func < (lhs: IdentityID, rhs: IdentityID) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The identifier's text.
    public var description: String { rawValue }
}
