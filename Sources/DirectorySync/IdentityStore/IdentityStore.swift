/// The store that synchronized users and groups land in.
///
/// Implementations: ``InMemoryIdentityStore`` here, `SCIMIdentityStore` for SCIM 2.0 servers, or a
/// host's own database. Every implementation keeps the store's rules, which
/// `DirectorySyncTesting.IdentityStoreContract` checks:
/// - emails and aliases are unique across all users (case-insensitive): a clash throws
///   ``IdentityStoreError`` (`addressInUse`);
/// - group names are unique (case-insensitive): ``IdentityStoreError`` (`groupNameInUse`);
/// - unknown identifiers throw ``IdentityStoreError`` (`notFound`);
/// - only empty groups can be deleted: ``IdentityStoreError`` (`groupNotEmpty`);
/// - deleting a user removes it from every group;
/// - adding a member twice, or removing one that is not there, succeeds and changes nothing.
///
/// Each write is atomic: it happens whole or not at all.
public protocol IdentityStore: Sendable {
    /// Reads every user and group with their members, and says what the store can hold
    /// (``IdentityStoreContents/capabilities``): a store that keeps less than every attribute
    /// returns its limits here, so previews and synchronizations plan without them alike.
    /// - Returns: The store's contents.
    /// - Throws: ``IdentityStoreError`` or the store's own errors.
    func contents() async throws -> IdentityStoreContents

    /// Reads the few users and groups `query` names from the store's indexes, each group with all
    /// its members — what ``IdentityStoreContents/matching(_:)`` finds in ``contents()`` — so
    /// explaining or synchronizing one user costs what it reads, not what the store holds.
    ///
    /// A store without such indexes returns `nil` (the default): callers then read ``contents()``
    /// once and look there, instead of asking for a whole read per query.
    /// - Parameter query: The keys.
    /// - Returns: The identities found, and the store's capabilities; `nil` when the store cannot
    ///   answer without reading everything.
    /// - Throws: ``IdentityStoreError`` or the store's own errors.
    func identities(_ query: IdentityStoreQuery) async throws -> IdentityStoreContents?

    /// Creates a user.
    /// - Parameters:
    ///   - profile: The user's attributes.
    ///   - origin: Manual, or the source and directory object it comes from.
    /// - Returns: The created user with its new identifier.
    /// - Throws: ``IdentityStoreError`` (`addressInUse`, `invalidValue`).
    func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser

    /// Replaces a user's attributes and origin.
    /// - Parameters:
    ///   - id: The user to change.
    ///   - profile: The new attributes.
    ///   - origin: The new origin (adoption links a manual user to a directory object).
    /// - Returns: The user as stored.
    /// - Throws: ``IdentityStoreError`` (`notFound`, `addressInUse`, `invalidValue`).
    func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser

    /// Deletes a user and its memberships.
    /// - Parameter id: The user to delete.
    /// - Throws: ``IdentityStoreError`` (`notFound`).
    func deleteUser(_ id: IdentityID) async throws

    /// Creates a group with no members.
    /// - Parameters:
    ///   - profile: The group's attributes.
    ///   - origin: Manual, or the source and directory object it comes from.
    /// - Returns: The created group with its new identifier.
    /// - Throws: ``IdentityStoreError`` (`groupNameInUse`, `invalidValue`).
    func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup

    /// Replaces a group's attributes and origin; its members stay.
    /// - Parameters:
    ///   - id: The group to change.
    ///   - profile: The new attributes.
    ///   - origin: The new origin.
    /// - Returns: The group as stored.
    /// - Throws: ``IdentityStoreError`` (`notFound`, `groupNameInUse`, `invalidValue`).
    func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup

    /// Deletes an empty group.
    /// - Parameter id: The group to delete.
    /// - Throws: ``IdentityStoreError`` (`notFound`, `groupNotEmpty`).
    func deleteGroup(_ id: IdentityID) async throws

    /// Adds users to a group; users already in it are left as they are.
    /// - Parameters:
    ///   - userIDs: The users to add.
    ///   - groupID: The group.
    /// - Throws: ``IdentityStoreError`` (`notFound` for the group or any user; then nothing is added).
    func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws

    /// Removes users from a group; users not in it are ignored.
    /// - Parameters:
    ///   - userIDs: The users to remove.
    ///   - groupID: The group.
    /// - Throws: ``IdentityStoreError`` (`notFound` for the group).
    func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws
}

extension IdentityStore {
    /// No indexes: `nil`, so callers read ``contents()`` once instead.
    /// - Parameter query: The keys.
    /// - Returns: `nil`.
    public func identities(_ query: IdentityStoreQuery) async throws -> IdentityStoreContents? { nil }
}
