/// The attributes of a user in the identity store.
///
/// Emails and aliases are unique across the whole store (case-insensitive); logins are what an
/// endpoint reports when the user signs in (a UPN, or `DOMAIN\samAccountName`).
public struct UserProfile: Hashable, Codable, Sendable {
    /// The display name.
    public var name: String
    /// The first (given) name.
    public var firstName: String?
    /// The last name (surname).
    public var lastName: String?
    /// The primary email address, if the user has one.
    public var email: String?
    /// Further email addresses that deliver to this user.
    public var aliases: [String]
    /// Sign-in names that identify this user on endpoints.
    public var logins: [String]
    /// Whether the user is active. Out-of-scope users are disabled under the `disable` policy.
    public var isEnabled: Bool

    /// Creates a profile.
    /// - Parameters:
    ///   - name: The display name.
    ///   - firstName: The first name.
    ///   - lastName: The last name.
    ///   - email: The primary email address.
    ///   - aliases: Further email addresses.
    ///   - logins: Sign-in names.
    ///   - isEnabled: Whether the user is active.
    public init(
        name: String, firstName: String? = nil, lastName: String? = nil, email: String? = nil,
        aliases: [String] = [], logins: [String] = [], isEnabled: Bool = true
    ) {
        self.name = name
        self.firstName = firstName
        self.lastName = lastName
        self.email = email
        self.aliases = aliases
        self.logins = logins
        self.isEnabled = isEnabled
    }

    /// The primary email and the aliases, lower-cased: the keys that must be unique in a store.
    public var addressKeys: [String] {
        var keys: [String] = []
        if let email { keys.append(email.lowercasedKey) }
        for alias in aliases { keys.append(alias.lowercasedKey) }
        return keys
    }
}
