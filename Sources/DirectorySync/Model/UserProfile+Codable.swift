extension UserProfile {
    /// The properties' names, in the order they are declared.
    private enum CodingKeys: String, CodingKey {
        case name, firstName, lastName, email, aliases, logins, isEnabled
    }

    /// Decodes a profile as a synthesized `Decodable` would: every property under its own name,
    /// the optional ones may be absent.
    /// - Parameter decoder: The decoder to read from.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            name: try container.decode(String.self, forKey: .name), firstName: try container.decodeIfPresent(String.self, forKey: .firstName),
            lastName: try container.decodeIfPresent(String.self, forKey: .lastName), email: try container.decodeIfPresent(String.self, forKey: .email),
            aliases: try container.decode([String].self, forKey: .aliases), logins: try container.decode([String].self, forKey: .logins),
            isEnabled: try container.decode(Bool.self, forKey: .isEnabled))
    }

    /// Encodes the profile as a synthesized `Encodable` would: every property under its own name,
    /// `nil` ones left out.
    /// - Parameter encoder: The encoder to write to.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(name, forKey: .name)
        try container.encodeIfPresent(firstName, forKey: .firstName)
        try container.encodeIfPresent(lastName, forKey: .lastName)
        try container.encodeIfPresent(email, forKey: .email)
        try container.encode(aliases, forKey: .aliases)
        try container.encode(logins, forKey: .logins)
        try container.encode(isEnabled, forKey: .isEnabled)
    }
}

extension UserProfile: CustomReflectable {
    /// The profile's properties, as a struct with them stored would show them (`print`, `dump`).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "name": name, "firstName": firstName as Any, "lastName": lastName as Any, "email": email as Any, "aliases": aliases,
                "logins": logins, "isEnabled": isEnabled,
            ], displayStyle: .struct)
    }
}
