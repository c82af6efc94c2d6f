/// One change a plan makes to the store, with the reason for it.
public struct SyncOperation: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The phase the operation runs in; phases run one after another.
    public var phase: SyncPhase
    /// What to change.
    public var action: SyncAction
    /// Who it is about: the user's email (or UPN) or the group's name.
    public var subject: String
    /// For membership operations, the group's name.
    public var group: String?
    /// Why.
    public var reason: SyncReason

    /// Creates an operation.
    /// - Parameters:
    ///   - phase: The phase it runs in.
    ///   - action: What to change.
    ///   - subject: The user's email or UPN, or the group's name.
    ///   - group: For membership operations, the group's name.
    ///   - reason: Why.
    public init(phase: SyncPhase, action: SyncAction, subject: String, group: String? = nil, reason: SyncReason) {
        self.phase = phase
        self.action = action
        self.subject = subject
        self.group = group
        self.reason = reason
    }

    /// For example `update user alice@contoso.com (attributes changed in the directory): email: a → b`.
    public var description: String {
        var text = "\(action.kind.displayName) \(subject)"
        if let group { text += " \(action.kind == .removeMember ? "from" : "to") \(group)" }
        text += " (\(reason.explanation))"
        let changes = action.changes
        if !changes.isEmpty { text += ": " + changes.map(\.description).joined(separator: "; ") }
        return text
    }
}

/// Refers to an identity that exists, or that an earlier operation of the same plan creates.
///
/// JSON: `{"kind": "existing", "identityID": "user-1"}` or `{"kind": "created", "externalID": "…"}`.
public enum IdentityReference: Hashable, Codable, Sendable {
    /// An identity already in the store.
    case existing(IdentityID)
    /// The identity the plan creates for this directory object id.
    case created(externalID: String)
}

/// The phases of a plan, in the order they run. Within a phase, operations are independent and
/// may run concurrently.
public enum SyncPhase: Int, Hashable, Codable, Sendable, Comparable, CaseIterable {
    /// Create, adopt and update groups.
    case groups = 1
    /// Create, adopt and update users.
    case users
    /// Add and remove memberships of groups that stay.
    case memberships
    /// Remove every member of groups that are about to be removed.
    case emptyRemovedGroups
    /// Remove or disable users that left the scope.
    case userRemovals
    /// Remove groups that left the scope.
    case groupRemovals
    /// Create or rename groups whose name was freed earlier in this run.
    case deferredGroups
    /// Create or update users whose email or alias was freed earlier in this run.
    case deferredUsers
    /// Memberships of identities created in the deferred phases.
    case deferredMemberships

    /// Orders phases by when they run.
    public static func < (lhs: SyncPhase, rhs: SyncPhase) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// What an operation changes. Cases that carry a profile are stored indirectly, which keeps an
/// operation small: plans run to millions of them, and they are moved and copied as a whole.
///
/// JSON (inside a saved preview): an object with the ``Kind`` as `kind` and the case's values by
/// name — `identityID`, `externalID`, `profile`, `changes`; `user` and `group` (each an
/// ``IdentityReference``) for `addMember`; `userID` and `groupID` for `removeMember`:
///
/// ```json
/// {"kind": "updateUser", "identityID": "user-7", "externalID": "…", "profile": {…}, "changes": [{"field": "email", …}]}
/// ```
public enum SyncAction: Hashable, Codable, Sendable {
    /// Create a user for a directory user.
    indirect case createUser(externalID: String, profile: UserProfile)
    /// Link a manual user to a directory user and bring its attributes in line.
    indirect case adoptUser(IdentityID, externalID: String, profile: UserProfile, changes: [FieldChange])
    /// Bring a linked user's attributes in line.
    indirect case updateUser(IdentityID, externalID: String, profile: UserProfile, changes: [FieldChange])
    /// Delete a user that left the scope.
    case removeUser(IdentityID, externalID: String)
    /// Disable a user that left the scope (the `disable` policy).
    indirect case disableUser(IdentityID, externalID: String, profile: UserProfile)
    /// Create a group for a directory group.
    indirect case createGroup(externalID: String, profile: GroupProfile)
    /// Link a manual group with the same name to a directory group.
    indirect case adoptGroup(IdentityID, externalID: String, profile: GroupProfile, changes: [FieldChange])
    /// Bring a linked group's attributes in line.
    indirect case updateGroup(IdentityID, externalID: String, profile: GroupProfile, changes: [FieldChange])
    /// Delete a group that left the scope (it is emptied first).
    case removeGroup(IdentityID, externalID: String)
    /// Add a user to a group.
    case addMember(user: IdentityReference, group: IdentityReference)
    /// Remove a user from a group.
    case removeMember(user: IdentityID, group: IdentityID)

    /// The kinds of action, for counting and display.
    public enum Kind: String, Hashable, Codable, Sendable, CaseIterable, Comparable {
        /// ``SyncAction/createGroup(externalID:profile:)``
        case createGroup
        /// ``SyncAction/adoptGroup(_:externalID:profile:changes:)``
        case adoptGroup
        /// ``SyncAction/updateGroup(_:externalID:profile:changes:)``
        case updateGroup
        /// ``SyncAction/createUser(externalID:profile:)``
        case createUser
        /// ``SyncAction/adoptUser(_:externalID:profile:changes:)``
        case adoptUser
        /// ``SyncAction/updateUser(_:externalID:profile:changes:)``
        case updateUser
        /// ``SyncAction/addMember(user:group:)``
        case addMember
        /// ``SyncAction/removeMember(user:group:)``
        case removeMember
        /// ``SyncAction/disableUser(_:externalID:profile:)``
        case disableUser
        /// ``SyncAction/removeUser(_:externalID:)``
        case removeUser
        /// ``SyncAction/removeGroup(_:externalID:)``
        case removeGroup

        /// Orders kinds as listed.
        public static func < (lhs: Kind, rhs: Kind) -> Bool { lhs.order < rhs.order }

        var order: Int {
            switch self {
            case .createGroup: 0
            case .adoptGroup: 1
            case .updateGroup: 2
            case .createUser: 3
            case .adoptUser: 4
            case .updateUser: 5
            case .addMember: 6
            case .removeMember: 7
            case .disableUser: 8
            case .removeUser: 9
            case .removeGroup: 10
            }
        }

        /// Words for people, such as `create user`.
        public var displayName: String {
            switch self {
            case .createGroup: "create group"
            case .adoptGroup: "adopt group"
            case .updateGroup: "update group"
            case .createUser: "create user"
            case .adoptUser: "adopt user"
            case .updateUser: "update user"
            case .addMember: "add member"
            case .removeMember: "remove member"
            case .disableUser: "disable user"
            case .removeUser: "remove user"
            case .removeGroup: "remove group"
            }
        }
    }

    /// The kind of action.
    public var kind: Kind {
        switch self {
        case .createUser: .createUser
        case .adoptUser: .adoptUser
        case .updateUser: .updateUser
        case .removeUser: .removeUser
        case .disableUser: .disableUser
        case .createGroup: .createGroup
        case .adoptGroup: .adoptGroup
        case .updateGroup: .updateGroup
        case .removeGroup: .removeGroup
        case .addMember: .addMember
        case .removeMember: .removeMember
        }
    }

    /// The attribute changes of an adoption or update; empty otherwise.
    public var changes: [FieldChange] {
        switch self {
        case .adoptUser(_, _, _, let changes), .updateUser(_, _, _, let changes), .adoptGroup(_, _, _, let changes),
            .updateGroup(_, _, _, let changes):
            changes
        default: []
        }
    }

    /// The directory object id the action is about, for user and group actions.
    public var externalID: String? {
        switch self {
        case .createUser(let externalID, _), .adoptUser(_, let externalID, _, _), .updateUser(_, let externalID, _, _),
            .removeUser(_, let externalID), .disableUser(_, let externalID, _), .createGroup(let externalID, _),
            .adoptGroup(_, let externalID, _, _), .updateGroup(_, let externalID, _, _), .removeGroup(_, let externalID):
            externalID
        case .addMember, .removeMember: nil
        }
    }
}

extension IdentityReference {
    private enum CodingKeys: String, CodingKey { case kind, identityID, externalID }

    /// Decodes `{"kind": "existing", "identityID": …}` or `{"kind": "created", "externalID": …}`,
    /// or the form saved before it (`{"existing": {"_0": …}}`).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let kind = try container.decodeIfPresent(String.self, forKey: .kind) {
            switch kind {
            case "existing": self = .existing(try container.decode(IdentityID.self, forKey: .identityID))
            case "created": self = .created(externalID: try container.decode(String.self, forKey: .externalID))
            default: throw DecodingError.unknownCase(kind, of: "identity reference", known: ["existing", "created"], codingPath: decoder.codingPath)
            }
            return
        }
        let (name, values) = try decoder.synthesizedEnumCase(expected: "an identity reference with a \"kind\"")
        switch name {
        case "existing": self = .existing(try values.decode(IdentityID.self, forKey: AnyCodingKey("_0")))
        case "created": self = .created(externalID: try values.decode(String.self, forKey: AnyCodingKey("externalID")))
        default: throw DecodingError.unknownCase(name, of: "identity reference", known: ["existing", "created"], codingPath: decoder.codingPath)
        }
    }

    /// Encodes `{"kind": "existing", "identityID": …}` or `{"kind": "created", "externalID": …}`.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .existing(let id):
            try container.encode("existing", forKey: .kind)
            try container.encode(id, forKey: .identityID)
        case .created(let externalID):
            try container.encode("created", forKey: .kind)
            try container.encode(externalID, forKey: .externalID)
        }
    }
}

extension SyncAction {
    /// Decodes the designed form (see ``SyncAction``), or the form saved before it
    /// (`{"updateUser": {"_0": …, "externalID": …, …}}`), so previews saved earlier still load.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        if let kind = try container.decodeIfPresent(String.self, forKey: AnyCodingKey("kind")) {
            self = try Self.decode(kind, container, identityID: "identityID", userID: "userID", groupID: "groupID", codingPath: decoder.codingPath)
        } else {
            let (name, values) = try decoder.synthesizedEnumCase(expected: "an action with a \"kind\"")
            self = try Self.decode(name, values, identityID: "_0", userID: "user", groupID: "group", codingPath: decoder.codingPath)
        }
    }

    /// Both forms name the same values; they differ in the keys of the unlabelled ones.
    private static func decode(
        _ name: String, _ values: KeyedDecodingContainer<AnyCodingKey>, identityID: String, userID: String, groupID: String, codingPath: [any CodingKey]
    ) throws -> SyncAction {
        func value<T: Decodable>(_ key: String, _ type: T.Type = T.self) throws -> T { try values.decode(T.self, forKey: AnyCodingKey(key)) }
        guard let kind = Kind(rawValue: name) else {
            throw DecodingError.unknownCase(name, of: "action", known: Kind.allCases.map(\.rawValue), codingPath: codingPath)
        }
        switch kind {
        case .createUser: return .createUser(externalID: try value("externalID"), profile: try value("profile"))
        case .adoptUser:
            return .adoptUser(try value(identityID), externalID: try value("externalID"), profile: try value("profile"), changes: try value("changes"))
        case .updateUser:
            return .updateUser(try value(identityID), externalID: try value("externalID"), profile: try value("profile"), changes: try value("changes"))
        case .removeUser: return .removeUser(try value(identityID), externalID: try value("externalID"))
        case .disableUser: return .disableUser(try value(identityID), externalID: try value("externalID"), profile: try value("profile"))
        case .createGroup: return .createGroup(externalID: try value("externalID"), profile: try value("profile"))
        case .adoptGroup:
            return .adoptGroup(try value(identityID), externalID: try value("externalID"), profile: try value("profile"), changes: try value("changes"))
        case .updateGroup:
            return .updateGroup(try value(identityID), externalID: try value("externalID"), profile: try value("profile"), changes: try value("changes"))
        case .removeGroup: return .removeGroup(try value(identityID), externalID: try value("externalID"))
        case .addMember: return .addMember(user: try value("user"), group: try value("group"))
        case .removeMember: return .removeMember(user: try value(userID), group: try value(groupID))
        }
    }

    private enum CodingKeys: String, CodingKey { case kind, identityID, externalID, profile, changes, user, group, userID, groupID }

    /// Encodes the designed form: `kind` and the case's values by name (see ``SyncAction``).
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind.rawValue, forKey: .kind)
        switch self {
        case .createUser(let externalID, let profile):
            try container.encode(externalID, forKey: .externalID)
            try container.encode(profile, forKey: .profile)
        case .adoptUser(let id, let externalID, let profile, let changes), .updateUser(let id, let externalID, let profile, let changes):
            try container.encode(id, forKey: .identityID)
            try container.encode(externalID, forKey: .externalID)
            try container.encode(profile, forKey: .profile)
            try container.encode(changes, forKey: .changes)
        case .removeUser(let id, let externalID), .removeGroup(let id, let externalID):
            try container.encode(id, forKey: .identityID)
            try container.encode(externalID, forKey: .externalID)
        case .disableUser(let id, let externalID, let profile):
            try container.encode(id, forKey: .identityID)
            try container.encode(externalID, forKey: .externalID)
            try container.encode(profile, forKey: .profile)
        case .createGroup(let externalID, let profile):
            try container.encode(externalID, forKey: .externalID)
            try container.encode(profile, forKey: .profile)
        case .adoptGroup(let id, let externalID, let profile, let changes), .updateGroup(let id, let externalID, let profile, let changes):
            try container.encode(id, forKey: .identityID)
            try container.encode(externalID, forKey: .externalID)
            try container.encode(profile, forKey: .profile)
            try container.encode(changes, forKey: .changes)
        case .addMember(let user, let group):
            try container.encode(user, forKey: .user)
            try container.encode(group, forKey: .group)
        case .removeMember(let user, let group):
            try container.encode(user, forKey: .userID)
            try container.encode(group, forKey: .groupID)
        }
    }
}
