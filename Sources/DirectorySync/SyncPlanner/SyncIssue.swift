import Foundation

/// Something the planner reports about one directory user or group: a conflict it would not
/// resolve on its own, an object it skipped by policy, or a warning about an object it did sync.
public struct SyncIssue: Hashable, Codable, Sendable, CustomStringConvertible {
    /// How serious the issue is.
    public enum Severity: String, Hashable, Codable, Sendable, Comparable {
        /// The object was not touched; an administrator must resolve the conflict.
        case conflict
        /// The object was not synchronized because a policy says so.
        case skipped
        /// The object was synchronized, with a caveat.
        case warning

        /// Conflicts first, then skips, then warnings.
        public static func < (lhs: Severity, rhs: Severity) -> Bool {
            let order: [Severity] = [.conflict, .skipped, .warning]
            return order.firstIndex(of: lhs)! < order.firstIndex(of: rhs)!
        }
    }

    /// A stable code for each kind of issue.
    public enum Code: String, Hashable, Codable, Sendable, CaseIterable {
        /// The user has no email address.
        case missingEmail
        /// Several directory users of this source have the same email.
        case duplicateEmailInSource
        /// The user's email is held by another identity (manual, another source's, or one left untouched).
        case emailInUse
        /// An alias is held by another identity or user, so it was left out.
        case aliasDropped
        /// Several manual users match this user (by login).
        case ambiguousMatch
        /// The manual identity this object matches also matches another directory object.
        case contestedMatch
        /// Several directory groups of this source have the same name.
        case duplicateGroupNameInSource
        /// The group's name is held by another group (another source's, or one left untouched).
        case groupNameInUse
        /// Part of the user's change waits for the next whole synchronization: an on-demand run
        /// leaves out what depends on other objects (an address another identity releases in the
        /// same run, a membership in a group the store does not hold yet).
        case waitsForFullSynchronization
        /// The identity left the scope under staged deletion
        /// (``SyncSettings/OutOfScopeAction/disableThenRemove(after:)``): it is kept (a user
        /// disabled) and removed at ``SyncIssue/removalPendingUntil`` unless it returns first.
        case removalPending
    }

    /// Whether the object is a user or a group.
    public enum ObjectKind: String, Hashable, Codable, Sendable {
        /// A user.
        case user
        /// A group.
        case group
    }

    /// How serious the issue is.
    public var severity: Severity
    /// What kind of issue.
    public var code: Code
    /// User or group.
    public var objectKind: ObjectKind
    /// The directory object id.
    public var externalID: String
    /// The user's email or UPN, or the group's name.
    public var subject: String
    /// The cause and what to do, in words.
    public var detail: String
    /// Store identities involved (the holder of an address, the candidates of a match).
    public var relatedIdentityIDs: [IdentityID]
    /// For ``Code/removalPending``: when the identity is removed unless it returns to the scope first.
    public var removalPendingUntil: Date?

    /// Creates an issue.
    /// - Parameters:
    ///   - severity: How serious.
    ///   - code: What kind.
    ///   - objectKind: User or group.
    ///   - externalID: The directory object id.
    ///   - subject: Email, UPN or group name.
    ///   - detail: Cause and fix in words.
    ///   - relatedIdentityIDs: Store identities involved.
    ///   - removalPendingUntil: For ``Code/removalPending``, when the identity is removed.
    public init(
        severity: Severity, code: Code, objectKind: ObjectKind, externalID: String, subject: String, detail: String,
        relatedIdentityIDs: [IdentityID] = [], removalPendingUntil: Date? = nil
    ) {
        self.severity = severity
        self.code = code
        self.objectKind = objectKind
        self.externalID = externalID
        self.subject = subject
        self.detail = detail
        self.relatedIdentityIDs = relatedIdentityIDs
        self.removalPendingUntil = removalPendingUntil
    }

    /// For example `conflict emailInUse user bob@contoso.com: …`.
    public var description: String { "\(severity) \(code.rawValue) \(objectKind.rawValue) \(subject): \(detail)" }
}
