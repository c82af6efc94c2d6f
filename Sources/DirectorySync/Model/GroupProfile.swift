/// The attributes of a group in the identity store. Group names are unique (case-insensitive).
public struct GroupProfile: Hashable, Codable, Sendable {
    /// The group's name.
    public var name: String
    /// A free-text description.
    public var description: String?

    /// Creates a group profile.
    /// - Parameters:
    ///   - name: The group's name.
    ///   - description: A free-text description.
    public init(name: String, description: String? = nil) {
        self.name = name
        self.description = description
    }
}
