/// A group as the directory (Microsoft Entra ID) reports it, with its *direct* members.
public struct DirectoryGroup: Hashable, Codable, Sendable, Identifiable {
    /// The Entra object id.
    public var id: String
    /// The display name.
    public var displayName: String
    /// The description.
    public var description: String?
    /// The group's SMTP address, for mail-enabled groups.
    public var mail: String?
    /// Whether the group is mail-enabled.
    public var mailEnabled: Bool
    /// Whether the group is a security group.
    public var securityEnabled: Bool
    /// Graph's `groupTypes`: `Unified` marks a Microsoft 365 group, `DynamicMembership` a dynamic one.
    public var groupTypes: [String]
    /// Object ids of the users that are direct members, kept packed (``DirectoryObjectIDs``).
    public var memberUserIDs: DirectoryObjectIDs
    /// Object ids of the groups that are direct members (nested groups), kept packed.
    public var memberGroupIDs: DirectoryObjectIDs

    /// Creates a directory group.
    /// - Parameters:
    ///   - id: The Entra object id.
    ///   - displayName: The display name.
    ///   - description: The description.
    ///   - mail: The group's SMTP address.
    ///   - mailEnabled: Whether the group is mail-enabled.
    ///   - securityEnabled: Whether the group is a security group.
    ///   - groupTypes: Graph's `groupTypes`.
    ///   - memberUserIDs: Direct member users.
    ///   - memberGroupIDs: Direct member groups.
    public init(
        id: String, displayName: String, description: String? = nil, mail: String? = nil,
        mailEnabled: Bool = false, securityEnabled: Bool = true, groupTypes: [String] = [],
        memberUserIDs: DirectoryObjectIDs = [], memberGroupIDs: DirectoryObjectIDs = []
    ) {
        self.id = id
        self.displayName = displayName
        self.description = description
        self.mail = mail
        self.mailEnabled = mailEnabled
        self.securityEnabled = securityEnabled
        self.groupTypes = groupTypes
        self.memberUserIDs = memberUserIDs
        self.memberGroupIDs = memberGroupIDs
    }

    /// The kind of group, derived from `groupTypes`, `mailEnabled` and `securityEnabled`.
    public var kind: Kind {
        if groupTypes.contains(where: { $0.lowercased() == "unified" }) { return .microsoft365 }
        switch (securityEnabled, mailEnabled) {
        case (true, true): return .mailEnabledSecurity
        case (false, true): return .distribution
        default: return .security
        }
    }

    /// The kinds of Entra groups. The raw values are what filters compare `groupType` with.
    public enum Kind: String, Hashable, Codable, Sendable, CaseIterable {
        /// A Microsoft 365 (unified) group.
        case microsoft365 = "Microsoft365"
        /// A security group.
        case security = "Security"
        /// A mail-enabled security group.
        case mailEnabledSecurity = "MailEnabledSecurity"
        /// A distribution list.
        case distribution = "Distribution"
    }
}
