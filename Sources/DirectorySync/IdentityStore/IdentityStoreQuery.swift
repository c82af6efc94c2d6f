/// A few identities by their keys — identifiers, addresses, logins, links to directory objects,
/// group names, the groups of some users — instead of the whole store: what explaining or
/// synchronizing one user reads (``IdentityStore/identities(_:)``). Strings are compared ignoring
/// case, as the store compares them.
public struct IdentityStoreQuery: Hashable, Sendable {
    /// Users and groups with these identifiers.
    public private(set) var ids: Set<IdentityID>
    /// Users holding one of these addresses (primary email or alias).
    public private(set) var addresses: Set<String>
    /// Users with one of these logins.
    public private(set) var logins: Set<String>
    /// Users and groups of ``source`` linked to one of these directory object ids.
    public private(set) var externalIDs: Set<String>
    /// The source whose links ``externalIDs`` names.
    public private(set) var source: SourceID
    /// Groups with one of these names.
    public private(set) var groupNames: Set<String>
    /// Groups that have one of these users as a member.
    public private(set) var groupsOf: Set<IdentityID>

    /// Creates a query; an empty one finds nothing.
    /// - Parameters:
    ///   - source: The source whose links `externalIDs` names.
    ///   - ids: Users and groups by identifier.
    ///   - addresses: Users by primary email or alias.
    ///   - logins: Users by login.
    ///   - externalIDs: The source's users and groups by directory object id.
    ///   - groupNames: Groups by name.
    ///   - groupsOf: The groups these users are members of.
    public init(
        source: SourceID, ids: Set<IdentityID> = [], addresses: Set<String> = [], logins: Set<String> = [], externalIDs: Set<String> = [],
        groupNames: Set<String> = [], groupsOf: Set<IdentityID> = []
    ) {
        self.source = source
        self.ids = ids
        self.addresses = Set(addresses.map(\.lowercasedKey))
        self.logins = Set(logins.map(\.lowercasedKey))
        self.externalIDs = Set(externalIDs.map(\.lowercasedKey))
        self.groupNames = Set(groupNames.map(\.lowercasedKey))
        self.groupsOf = groupsOf
    }

    /// Whether the query finds nothing whatever the store holds.
    public var isEmpty: Bool {
        ids.isEmpty && addresses.isEmpty && logins.isEmpty && externalIDs.isEmpty && groupNames.isEmpty && groupsOf.isEmpty
    }

    /// Whether a user is one the query finds.
    /// - Parameter user: The user.
    public func finds(_ user: IdentityUser) -> Bool {
        ids.contains(user.id) || links(user.origin) || user.profile.addressKeys.contains(where: addresses.contains)
            || user.profile.logins.contains { logins.contains($0.lowercasedKey) }
    }

    /// Whether a group is one the query finds.
    /// - Parameter group: The group with its members.
    public func finds(_ group: IdentityGroup) -> Bool {
        ids.contains(group.id) || links(group.origin) || groupNames.contains(group.profile.name.lowercasedKey)
            || (!groupsOf.isEmpty && group.memberIDs.contains(where: groupsOf.contains))
    }

    /// Whether an origin links to a directory object the query names.
    func links(_ origin: IdentityOrigin) -> Bool {
        guard !externalIDs.isEmpty, origin.sourceID == source, let externalID = origin.externalID else { return false }
        return externalIDs.contains(externalID.lowercasedKey)
    }
}

extension IdentityStoreContents {
    /// The users and groups `query` finds (groups with all their members), with the same capabilities:
    /// what every ``IdentityStore/identities(_:)`` that answers must answer.
    /// - Parameter query: The keys.
    /// - Returns: The identities found.
    public func matching(_ query: IdentityStoreQuery) -> IdentityStoreContents {
        guard !query.isEmpty else { return IdentityStoreContents(capabilities: capabilities) }
        return IdentityStoreContents(users: users.filter(query.finds), groups: groups.filter(query.finds), capabilities: capabilities)
    }
}
