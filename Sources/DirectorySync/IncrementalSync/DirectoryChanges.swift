/// What changed in a directory since a ``DirectoryCursor``: users and groups created or updated,
/// removed (soft-deleted or deleted for good), and memberships added or removed.
///
/// Providers report changes as the directory does (Graph delta queries): an object may appear more
/// than once, and an update may carry only the properties that changed. ``DirectoryMirror/apply(_:)``
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

    /// A created or updated group (its members change through ``memberships``).
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
