/// A group in the identity store.
public struct IdentityGroup: Hashable, Codable, Sendable, Identifiable {
    /// The store's identifier.
    public var id: IdentityID
    /// Manual, or synchronized from a source.
    public var origin: IdentityOrigin
    /// The group's attributes.
    public var profile: GroupProfile
    /// The users in the group, sorted by identifier.
    public var memberIDs: [IdentityID]

    /// Creates a group value.
    /// - Parameters:
    ///   - id: The store's identifier.
    ///   - origin: Manual, or synchronized from a source.
    ///   - profile: The group's attributes.
    ///   - memberIDs: The users in the group (kept sorted).
    public init(id: IdentityID, origin: IdentityOrigin, profile: GroupProfile, memberIDs: [IdentityID] = []) {
        self.id = id
        self.origin = origin
        self.profile = profile
        self.memberIDs = memberIDs.sorted()
    }
}
