/// The attributes of a user in the identity store.
///
/// Emails and aliases are unique across the whole store (case-insensitive); logins are what an
/// endpoint reports when the user signs in (a UPN, or `DOMAIN\samAccountName`).
///
/// The strings lie together in one allocation (`PackedStrings`), as a ``DirectoryUser``'s do: a
/// store of a million users holds a million profiles, and a plan reads each one's email, name and
/// logins. Equality, `Codable` and the printed form are those of a struct with the seven
/// properties stored (strings compared as `String` compares them); the hash is made of the name,
/// which values are absent and how long the lists are, so equal profiles hash alike.
public struct UserProfile: Hashable, Codable, Sendable {
    /// The string properties, kept together.
    private(set) var fields: Fields

    /// The display name.
    public var name: String {
        get { fields.string(.name)! }
        set { fields.replace(.name, with: .string(newValue)) }
    }
    /// The first (given) name.
    public var firstName: String? {
        get { fields.string(.firstName) }
        set { fields.replace(.firstName, with: .string(newValue)) }
    }
    /// The last name (surname).
    public var lastName: String? {
        get { fields.string(.lastName) }
        set { fields.replace(.lastName, with: .string(newValue)) }
    }
    /// The primary email address, if the user has one.
    public var email: String? {
        get { fields.string(.email) }
        set { fields.replace(.email, with: .string(newValue)) }
    }
    /// Further email addresses that deliver to this user.
    public var aliases: [String] {
        get { fields.strings(.aliases) }
        set { fields.replace(.aliases, with: .list(newValue)) }
    }
    /// Sign-in names that identify this user on endpoints.
    public var logins: [String] {
        get { fields.strings(.logins) }
        set { fields.replace(.logins, with: .list(newValue)) }
    }
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
        fields = Fields([.string(name), .string(email), .list(logins), .string(firstName), .string(lastName), .list(aliases)])
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

extension UserProfile {
    /// A profile's strings, kept together.
    typealias Fields = PackedStrings<FieldSlot>

    /// A profile's string properties in the order they are kept: the ones a plan reads first,
    /// the name first of all (never absent, it tells profiles apart in their hash).
    enum FieldSlot: Int, CaseIterable, PackedSlot {
        case name, email, logins, firstName, lastName, aliases

        /// Whether the slot holds a list of strings (else one optional string).
        var isList: Bool { self == .logins || self == .aliases }

        /// Every slot in order (without the array `allCases` makes).
        static let all = allCases
    }
}

extension UserProfile {
    /// Whether the profile holds the address `key` (lower-cased, as ``addressKeys`` has it) as
    /// its email or an alias, read where its strings lie.
    func holdsAddress(_ key: String) -> Bool {
        key.utf8.withContiguousStorageIfAvailable { fields.holdsAddress(key: $0) } ?? addressKeys.contains(key)
    }

    /// Whether the profile has the login `key` (lower-cased), read where its strings lie.
    func holdsLogin(_ key: String) -> Bool {
        key.utf8.withContiguousStorageIfAvailable { fields.hasKey($0, in: .logins) } ?? logins.contains { $0.lowercasedKey == key }
    }
}

extension PackedStrings<UserProfile.FieldSlot> {
    /// Whether the profile holds the address `key` (a lower-cased key's bytes) as its email or an alias.
    func holdsAddress(key: UnsafeBufferPointer<UInt8>) -> Bool { hasKey(key, in: .email) || hasKey(key, in: .aliases) }
}
