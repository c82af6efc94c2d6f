/// A user in the identity store.
public struct IdentityUser: Hashable, Codable, Sendable, Identifiable {
    /// The store's identifier.
    public var id: IdentityID
    /// Manual, or synchronized from a source.
    public var origin: IdentityOrigin
    /// The user's attributes.
    public var profile: UserProfile

    /// Creates a user value.
    /// - Parameters:
    ///   - id: The store's identifier.
    ///   - origin: Manual, or synchronized from a source.
    ///   - profile: The user's attributes.
    public init(id: IdentityID, origin: IdentityOrigin, profile: UserProfile) {
        self.id = id
        self.origin = origin
        self.profile = profile
    }
}
