/// What changed in a directory since a ``DirectoryCursor``: users and groups created or updated,
/// removed (soft-deleted or deleted for good), and memberships added or removed.
///
/// Providers report changes as the directory does (Graph delta queries): an object may appear more
/// than once, and an update may carry only the properties that changed. The synchronizer's mirror
/// applies them idempotently, in order, so replays and duplicates are harmless.
public struct DirectoryChanges: Hashable, Codable, Sendable {
    /// A created or updated user.
    public struct UserChange: Hashable, Codable, Sendable {
        /// The user; only ``properties`` are meaningful when that set is given.
        public var user: DirectoryUser
        /// The properties the directory sent (``DirectoryUser`` property names), or `nil` when the
        /// whole user was sent.
        public var properties: Set<String>?

        /// Creates a user change.
        /// - Parameters:
        ///   - user: The user as sent.
        ///   - properties: The properties sent, or `nil` for all.
        public init(user: DirectoryUser, properties: Set<String>? = nil) {
            self.user = user
            self.properties = properties
        }
    }

    /// A created or updated group (its members change through ``MembershipChange``).
    public struct GroupChange: Hashable, Codable, Sendable {
        /// The group; its member lists are ignored.
        public var group: DirectoryGroup
        /// The properties the directory sent (``DirectoryGroup`` property names), or `nil` for all.
        public var properties: Set<String>?

        /// Creates a group change.
        /// - Parameters:
        ///   - group: The group as sent.
        ///   - properties: The properties sent, or `nil` for all.
        public init(group: DirectoryGroup, properties: Set<String>? = nil) {
            self.group = group
            self.properties = properties
        }
    }

    /// A user or group that left the directory.
    public struct Removal: Hashable, Codable, Sendable {
        /// How it left.
        public enum Kind: String, Hashable, Codable, Sendable {
            /// Soft-deleted: restorable (Graph's `@removed` reason `changed`).
            case softDeleted
            /// Deleted for good (Graph's `@removed` reason `deleted`).
            case deleted
        }

        /// The object id.
        public var id: String
        /// How it left.
        public var kind: Kind

        /// Creates a removal.
        /// - Parameters:
        ///   - id: The object id.
        ///   - kind: How it left.
        public init(id: String, kind: Kind) {
            self.id = id
            self.kind = kind
        }
    }

    /// A direct member added to or removed from a group.
    public struct MembershipChange: Hashable, Codable, Sendable {
        /// What kind of object the member is.
        public enum MemberKind: String, Hashable, Codable, Sendable {
            /// A user.
            case user
            /// A nested group.
            case group
        }

        /// The group's object id.
        public var groupID: String
        /// The member's object id.
        public var memberID: String
        /// Whether the member is a user or a group.
        public var memberKind: MemberKind
        /// `true` when the member was added, `false` when it was removed.
        public var isAdded: Bool

        /// Creates a membership change.
        /// - Parameters:
        ///   - groupID: The group.
        ///   - memberID: The member.
        ///   - memberKind: User or group.
        ///   - isAdded: Added (`true`) or removed (`false`).
        public init(groupID: String, memberID: String, memberKind: MemberKind, isAdded: Bool) {
            self.groupID = groupID
            self.memberID = memberID
            self.memberKind = memberKind
            self.isAdded = isAdded
        }
    }

    /// One change, in the order the directory reported it.
    ///
    /// JSON (in a source's saved change journal), by `kind`:
    /// `{"kind": "user", "user": {…}, "properties": ["mail"]}` (`properties` only when the directory
    /// sent some, sorted), `{"kind": "group", "group": {…}, "properties": […]}`,
    /// `{"kind": "userRemoved", "id": "…", "removal": "softDeleted"}` (or `groupRemoved`;
    /// `removal` is `softDeleted` or `deleted`), and
    /// `{"kind": "membership", "groupID": "…", "memberID": "…", "memberKind": "user", "isAdded": true}`.
    public enum Change: Hashable, Codable, Sendable {
        /// A user created or updated.
        case user(UserChange)
        /// A group created or updated.
        case group(GroupChange)
        /// A user removed.
        case userRemoved(Removal)
        /// A group removed.
        case groupRemoved(Removal)
        /// A membership added or removed.
        case membership(MembershipChange)
    }

    /// The changes, in the order reported.
    public var changes: [Change]

    /// Creates a change set.
    /// - Parameter changes: The changes, in the order reported.
    public init(_ changes: [Change] = []) { self.changes = changes }

    /// The number of changes.
    public var count: Int { changes.count }

    /// Whether nothing changed.
    public var isEmpty: Bool { changes.isEmpty }
}

extension DirectoryChanges.Change {
    private enum CodingKeys: String, CodingKey { case kind, user, group, properties, id, removal, groupID, memberID, memberKind, isAdded }

    /// Decodes the designed form (see ``DirectoryChanges/Change``), or the form saved before it
    /// (`{"user": {"_0": {"user": …}}}`), so change journals saved earlier still load.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let kind = try container.decodeIfPresent(String.self, forKey: .kind) else {
            let (name, values) = try decoder.synthesizedEnumCase(expected: "a directory change with a \"kind\"")
            let key = AnyCodingKey("_0")
            switch name {
            case "user": self = .user(try values.decode(DirectoryChanges.UserChange.self, forKey: key))
            case "group": self = .group(try values.decode(DirectoryChanges.GroupChange.self, forKey: key))
            case "userRemoved": self = .userRemoved(try values.decode(DirectoryChanges.Removal.self, forKey: key))
            case "groupRemoved": self = .groupRemoved(try values.decode(DirectoryChanges.Removal.self, forKey: key))
            case "membership": self = .membership(try values.decode(DirectoryChanges.MembershipChange.self, forKey: key))
            default: throw DecodingError.unknownCase(name, of: "directory change", known: Self.kinds, codingPath: decoder.codingPath)
            }
            return
        }
        func removal() throws -> DirectoryChanges.Removal {
            DirectoryChanges.Removal(
                id: try container.decode(String.self, forKey: .id), kind: try container.decode(DirectoryChanges.Removal.Kind.self, forKey: .removal))
        }
        let properties = try container.decodeIfPresent([String].self, forKey: .properties).map(Set.init)
        switch kind {
        case "user": self = .user(DirectoryChanges.UserChange(user: try container.decode(DirectoryUser.self, forKey: .user), properties: properties))
        case "group": self = .group(DirectoryChanges.GroupChange(group: try container.decode(DirectoryGroup.self, forKey: .group), properties: properties))
        case "userRemoved": self = .userRemoved(try removal())
        case "groupRemoved": self = .groupRemoved(try removal())
        case "membership":
            self = .membership(
                DirectoryChanges.MembershipChange(
                    groupID: try container.decode(String.self, forKey: .groupID), memberID: try container.decode(String.self, forKey: .memberID),
                    memberKind: try container.decode(DirectoryChanges.MembershipChange.MemberKind.self, forKey: .memberKind),
                    isAdded: try container.decode(Bool.self, forKey: .isAdded)))
        default: throw DecodingError.unknownCase(kind, of: "directory change", known: Self.kinds, codingPath: decoder.codingPath)
        }
    }

    private static let kinds = ["user", "group", "userRemoved", "groupRemoved", "membership"]

    /// Encodes the designed form (see ``DirectoryChanges/Change``); property names are sorted.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .user(let change):
            try container.encode("user", forKey: .kind)
            try container.encode(change.user, forKey: .user)
            try container.encodeIfPresent(change.properties?.sorted(), forKey: .properties)
        case .group(let change):
            try container.encode("group", forKey: .kind)
            try container.encode(change.group, forKey: .group)
            try container.encodeIfPresent(change.properties?.sorted(), forKey: .properties)
        case .userRemoved(let removal), .groupRemoved(let removal):
            if case .userRemoved = self { try container.encode("userRemoved", forKey: .kind) } else { try container.encode("groupRemoved", forKey: .kind) }
            try container.encode(removal.id, forKey: .id)
            try container.encode(removal.kind, forKey: .removal)
        case .membership(let change):
            try container.encode("membership", forKey: .kind)
            try container.encode(change.groupID, forKey: .groupID)
            try container.encode(change.memberID, forKey: .memberID)
            try container.encode(change.memberKind, forKey: .memberKind)
            try container.encode(change.isAdded, forKey: .isAdded)
        }
    }
}
