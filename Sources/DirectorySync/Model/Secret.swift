/// A secret value (a client secret, a bearer token) that never prints itself: `description`,
/// `debugDescription` and string interpolation all show `«redacted»`. It is deliberately not
/// `Codable`, so it cannot be written to a file by accident; a secret store keeps it.
public struct Secret: Hashable, Sendable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, ExpressibleByStringLiteral
{
    private let value: String

    /// Wraps a secret value.
    /// - Parameter value: The secret.
    public init(_ value: String) { self.value = value }

    /// Wraps a literal (for tests).
    public init(stringLiteral value: String) { self.value = value }

    /// The secret itself, for the one place that must send it.
    public func reveal() -> String { value }

    /// Whether the secret is empty (or only white space).
    public var isEmpty: Bool { value.trimmed.isEmpty }

    /// `«redacted»`
    public var description: String { "«redacted»" }

    /// `Secret(«redacted»)`
    public var debugDescription: String { "Secret(«redacted»)" }

    /// A mirror without children, so `dump` and reflection never show the value.
    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
