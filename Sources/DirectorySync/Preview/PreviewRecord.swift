import Foundation

/// One user, group or membership that a synchronization would touch or skip, as a preview shows it.
public struct PreviewRecord: Hashable, Codable, Sendable {
    /// What would happen.
    public enum Action: String, Hashable, Codable, Sendable, CaseIterable {
        /// Created in the store.
        case create
        /// A manual identity linked and brought in line.
        case adopt
        /// Attributes changed.
        case update
        /// Removed from the store.
        case remove
        /// Disabled (the `disable` removal policy, or staged deletion while the removal is pending).
        case disable
        /// Added to a group.
        case addMember
        /// Removed from a group.
        case removeMember
        /// In scope and already up to date (listed only when asked).
        case unchanged
        /// Left untouched because of a conflict an administrator must resolve.
        case conflict
        /// Left out by a policy.
        case skipped
        /// Synchronized, with a caveat.
        case warning
    }

    /// What the record is about.
    public enum ObjectKind: String, Hashable, Codable, Sendable {
        /// A user.
        case user
        /// A group.
        case group
        /// A user's membership in a group.
        case membership
    }

    /// What would happen.
    public var action: Action
    /// User, group or membership.
    public var objectKind: ObjectKind
    /// The user's email or UPN, or the group's name.
    public var subject: String
    /// For memberships, the group's name.
    public var group: String?
    /// For memberships, the group's store identity when it exists already.
    public var groupID: IdentityID?
    /// The directory object id, when there is one.
    public var externalID: String?
    /// The store identity, when it exists already.
    public var identityID: IdentityID?
    /// The identity's key attributes after the change (for creations, adoptions and updates).
    public var attributes: [String: String]
    /// Old → new values, for adoptions and updates.
    public var changes: [FieldChange]
    /// A stable code: the ``SyncReason`` or the ``SyncIssue/Code``.
    public var code: String
    /// Why, in words.
    public var reason: String
    /// Under staged deletion, when the identity is removed unless it returns to the scope first:
    /// set on the ``SyncIssue/Code/removalPending`` warning of each identity whose removal is pending.
    public var removalPendingUntil: Date?

    /// Creates a record.
    public init(
        action: Action, objectKind: ObjectKind, subject: String, group: String? = nil, groupID: IdentityID? = nil,
        externalID: String? = nil, identityID: IdentityID? = nil, attributes: [String: String] = [:], changes: [FieldChange] = [], code: String,
        reason: String, removalPendingUntil: Date? = nil
    ) {
        self.action = action
        self.objectKind = objectKind
        self.subject = subject
        self.group = group
        self.groupID = groupID
        self.externalID = externalID
        self.identityID = identityID
        self.attributes = attributes
        self.changes = changes
        self.code = code
        self.reason = reason
        self.removalPendingUntil = removalPendingUntil
    }
}

extension PreviewRecord {
    /// The record for one plan operation.
    init(_ operation: SyncOperation) {
        let reason = operation.reason
        func user(_ profile: UserProfile) -> [String: String] {
            var attributes = ["name": profile.name, "enabled": String(profile.isEnabled)]
            attributes["firstName"] = profile.firstName
            attributes["lastName"] = profile.lastName
            attributes["email"] = profile.email
            if !profile.aliases.isEmpty { attributes["aliases"] = profile.aliases.joined(separator: ", ") }
            if !profile.logins.isEmpty { attributes["logins"] = profile.logins.joined(separator: ", ") }
            return attributes
        }
        func group(_ profile: GroupProfile) -> [String: String] {
            var attributes = ["name": profile.name]
            attributes["description"] = profile.description
            return attributes
        }
        func make(
            _ action: Action, _ kind: ObjectKind, id: IdentityID? = nil, groupID: IdentityID? = nil,
            attributes: [String: String] = [:]
        ) -> PreviewRecord {
            PreviewRecord(
                action: action, objectKind: kind, subject: operation.subject, group: operation.group, groupID: groupID,
                externalID: operation.action.externalID, identityID: id, attributes: attributes,
                changes: operation.action.changes, code: reason.rawValue, reason: reason.explanation)
        }
        switch operation.action {
        case .createUser(_, let profile): self = make(.create, .user, attributes: user(profile))
        case .adoptUser(let id, _, let profile, _): self = make(.adopt, .user, id: id, attributes: user(profile))
        case .updateUser(let id, _, let profile, _): self = make(.update, .user, id: id, attributes: user(profile))
        case .removeUser(let id, _): self = make(.remove, .user, id: id)
        case .disableUser(let id, _, let profile): self = make(.disable, .user, id: id, attributes: user(profile))
        case .createGroup(_, let profile): self = make(.create, .group, attributes: group(profile))
        case .adoptGroup(let id, _, let profile, _): self = make(.adopt, .group, id: id, attributes: group(profile))
        case .updateGroup(let id, _, let profile, _): self = make(.update, .group, id: id, attributes: group(profile))
        case .removeGroup(let id, _): self = make(.remove, .group, id: id)
        case .addMember(let user, let group):
            func existing(_ reference: IdentityReference) -> IdentityID? {
                if case .existing(let id) = reference { return id }
                return nil
            }
            self = make(.addMember, .membership, id: existing(user), groupID: existing(group))
        case .removeMember(let user, let group): self = make(.removeMember, .membership, id: user, groupID: group)
        }
    }

    /// The record for one conflict, skip or warning.
    init(_ issue: SyncIssue) {
        let action: Action =
            switch issue.severity {
            case .conflict: .conflict
            case .skipped: .skipped
            case .warning: .warning
            }
        self.init(
            action: action, objectKind: issue.objectKind == .user ? .user : .group, subject: issue.subject,
            externalID: issue.externalID, identityID: issue.relatedIdentityIDs.first, code: issue.code.rawValue,
            reason: issue.detail, removalPendingUntil: issue.removalPendingUntil)
    }

    /// The record for one object that needs no change.
    init(_ object: SyncPlan.UnchangedObject) {
        self.init(
            action: .unchanged, objectKind: object.objectKind == .user ? .user : .group, subject: object.subject,
            externalID: object.externalID, identityID: object.identityID, code: "unchanged",
            reason: "in scope and already up to date")
    }
}
