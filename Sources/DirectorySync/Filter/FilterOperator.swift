/// How a filter condition compares an attribute with its values. String comparisons ignore case.
public enum FilterOperator: String, Hashable, Codable, Sendable, CaseIterable {
    /// Equal to the value.
    case equals = "eq"
    /// Not equal to the value (an unset attribute is not equal to anything).
    case notEquals = "ne"
    /// Starts with the value.
    case startsWith
    /// Ends with the value.
    case endsWith
    /// Contains the value.
    case contains
    /// Equal to one of the values.
    case `in`

    /// The operator's name in the textual form, such as `eq` or `startsWith`.
    public var keyword: String { rawValue }

    /// Looks an operator up by its keyword, ignoring case.
    /// - Parameter keyword: `eq`, `ne`, `startsWith`, `endsWith`, `contains` or `in`.
    public init?(keyword: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == keyword.lowercased() }) else {
            return nil
        }
        self = match
    }
}
