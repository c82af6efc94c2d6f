/// Which users and groups a source synchronizes: the product's three filter modes.
///
/// - ``all``: every user and group.
/// - ``usersByGroup(_:)``: the groups the expression selects, and the users among their
///   transitive members (nested groups are flattened).
/// - ``usersByUser(_:)``: the users the expression selects, and the groups that have at least
///   one of them among their transitive members (with only those users as members).
///
/// Switching a source's filter makes the store match the new scope: what left it is removed (or
/// disabled), through the deletion guard. Manual identities are never affected.
public enum SyncFilter: Hashable, Sendable {
    /// All users and groups.
    case all
    /// Users by group filter.
    case usersByGroup(FilterExpression)
    /// Users by user filter.
    case usersByUser(FilterExpression)

    /// Checks the expression, if any, against the product's limits.
    /// - Throws: ``FilterError`` naming the rule broken.
    public func validate() throws(FilterError) {
        switch self {
        case .all: return
        case .usersByGroup(let expression): try expression.validate(for: .groups)
        case .usersByUser(let expression): try expression.validate(for: .users)
        }
    }
}

extension SyncFilter: Codable, CustomStringConvertible {
    private enum CodingKeys: String, CodingKey { case mode, expression }
    private enum Mode: String, Codable { case all, usersByGroup, usersByUser }

    /// Decodes `{"mode": "all"}` or `{"mode": "usersByGroup", "expression": "<text>"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        switch try container.decode(Mode.self, forKey: .mode) {
        case .all: self = .all
        case .usersByGroup: self = .usersByGroup(try container.decode(FilterExpression.self, forKey: .expression))
        case .usersByUser: self = .usersByUser(try container.decode(FilterExpression.self, forKey: .expression))
        }
    }

    /// Encodes the mode and the expression's textual form.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .all: try container.encode(Mode.all, forKey: .mode)
        case .usersByGroup(let expression):
            try container.encode(Mode.usersByGroup, forKey: .mode)
            try container.encode(expression, forKey: .expression)
        case .usersByUser(let expression):
            try container.encode(Mode.usersByUser, forKey: .mode)
            try container.encode(expression, forKey: .expression)
        }
    }

    /// `all users and groups`, `users by group: <expr>` or `users by user: <expr>`.
    public var description: String {
        switch self {
        case .all: "all users and groups"
        case .usersByGroup(let expression): "users by group: \(expression)"
        case .usersByUser(let expression): "users by user: \(expression)"
        }
    }
}
