/// Why an operation is in a plan.
public enum SyncReason: String, Hashable, Codable, Sendable, CaseIterable {
    /// In scope and not yet in the store.
    case newInScope
    /// A manual user with the same primary email was found and is adopted.
    case matchedByEmail
    /// A manual user with a login equal to the UPN or `DOMAIN\sam` was found and is adopted.
    case matchedByLogin
    /// A manual group with the same name was found and is adopted.
    case matchedByName
    /// Attributes differ from the directory.
    case attributesChanged
    /// No longer selected by the filter, or deleted in the directory.
    case leftScope
    /// A second identity linked to the same directory object; the first one (by identifier) is kept.
    case duplicateLink
    /// A member of the group in the directory (directly or through nested groups).
    case memberInDirectory
    /// No longer a member of the group in the directory.
    case notMemberInDirectory
    /// The group is about to be removed, so it is emptied first.
    case groupBeingRemoved
    /// Gives up an email, alias or name that another identity of this source takes later in this run.
    case releasesValueForAnother
    /// Takes an email, alias or name that was freed earlier in this run.
    case takesReleasedValue
    /// Left the scope under staged deletion (``SyncSettings/OutOfScopeAction/disableThenRemove(after:)``):
    /// disabled now, and removed when the grace period ends unless it returns.
    case removalPending
    /// Left the scope under staged deletion and did not return within the grace period.
    case gracePeriodEnded
    /// Back in scope while its removal was pending: enabled again, as the directory says.
    case returnedInScope

    /// The reason in words.
    public var explanation: String {
        switch self {
        case .newInScope: "in scope and not in the store"
        case .matchedByEmail: "manual user with the same email adopted"
        case .matchedByLogin: "manual user with a matching login adopted"
        case .matchedByName: "manual group with the same name adopted"
        case .attributesChanged: "attributes changed in the directory"
        case .leftScope: "left the scope: deleted in the directory or no longer selected by the filter"
        case .duplicateLink: "a second identity linked to the same directory object"
        case .memberInDirectory: "member in the directory"
        case .notMemberInDirectory: "no longer a member in the directory"
        case .groupBeingRemoved: "the group is emptied before it is removed"
        case .releasesValueForAnother: "frees an email, alias or name that another identity takes in this run"
        case .takesReleasedValue: "takes an email, alias or name freed earlier in this run"
        case .removalPending: "left the scope: disabled now, and removed when the grace period ends unless it returns"
        case .gracePeriodEnded: "left the scope and did not return within the grace period"
        case .returnedInScope: "back in scope before its pending removal: enabled again with its memberships"
        }
    }
}
