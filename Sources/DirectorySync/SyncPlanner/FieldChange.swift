/// One attribute an update changes, with its old and new value as text (lists joined by `, `).
public struct FieldChange: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The attribute's name, such as `email` or `name`.
    public var field: String
    /// The value before, or `nil` when unset.
    public var old: String?
    /// The value after, or `nil` when unset.
    public var new: String?

    /// Creates a change.
    /// - Parameters:
    ///   - field: The attribute's name.
    ///   - old: The value before.
    ///   - new: The value after.
    public init(field: String, old: String?, new: String?) {
        self.field = field
        self.old = old
        self.new = new
    }

    /// `field: old → new`, with `∅` for an unset value.
    public var description: String { "\(field): \(old ?? "∅") → \(new ?? "∅")" }

    /// The changes between two user profiles, in a fixed field order.
    static func between(_ old: UserProfile, _ new: UserProfile) -> [FieldChange] {
        var changes: [FieldChange] = []
        func compare(_ field: String, _ a: String?, _ b: String?) {
            if a != b { changes.append(FieldChange(field: field, old: a, new: b)) }
        }
        func list(_ values: [String]) -> String? { values.isEmpty ? nil : values.joined(separator: ", ") }
        compare("name", old.name, new.name)
        compare("firstName", old.firstName, new.firstName)
        compare("lastName", old.lastName, new.lastName)
        compare("email", old.email, new.email)
        compare("aliases", list(old.aliases), list(new.aliases))
        compare("logins", list(old.logins), list(new.logins))
        compare("enabled", String(old.isEnabled), String(new.isEnabled))
        return changes
    }

    /// The changes between two group profiles.
    static func between(_ old: GroupProfile, _ new: GroupProfile) -> [FieldChange] {
        var changes: [FieldChange] = []
        if old.name != new.name { changes.append(FieldChange(field: "name", old: old.name, new: new.name)) }
        if old.description != new.description {
            changes.append(FieldChange(field: "description", old: old.description, new: new.description))
        }
        return changes
    }
}
