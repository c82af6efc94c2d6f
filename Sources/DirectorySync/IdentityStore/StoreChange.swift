/// One successful write to an identity store, as ``FileIdentityStore`` logs it.
package enum StoreChange: Hashable, Codable, Sendable {
    /// A user created or updated (with its identifier).
    case putUser(IdentityUser)
    /// A user deleted.
    case deleteUser(IdentityID)
    /// A group created or updated (with its identifier).
    case putGroup(IdentityID, origin: IdentityOrigin, profile: GroupProfile)
    /// A group deleted.
    case deleteGroup(IdentityID)
    /// Members added to a group.
    case addMembers([IdentityID], IdentityID)
    /// Members removed from a group.
    case removeMembers([IdentityID], IdentityID)
}
