import Foundation

/// One of a source's identities whose removal is pending under staged deletion
/// (``SyncSettings/OutOfScopeAction/disableThenRemove(after:)``): it was first found out of scope
/// at ``since``, and it is removed once the grace period has passed since then, unless it returns
/// to the scope first.
///
/// A plan lists what is pending after it (``SyncPlan/pendingRemovals``); the host remembers that
/// list and hands it to the next plan (``SyncPlanRequest/pendingRemovals``), which keeps each
/// entry's ``since`` for an identity still out of scope and drops the entries of identities that
/// returned or are gone. `SourceSynchronizer` keeps it in the source's state document
/// `pending-removals`.
///
/// JSON: `{"objectKind": "user", "identityID": "user-7", "externalID": "<Entra object id>",
/// "since": "2026-03-01T08:00:00Z"}`.
public struct PendingRemoval: Hashable, Codable, Sendable {
    /// User or group.
    public var objectKind: SyncIssue.ObjectKind
    /// The store identity.
    public var identityID: IdentityID
    /// The directory object it is linked to.
    public var externalID: String
    /// When a plan first found it out of scope.
    public var since: Date

    /// Creates an entry.
    /// - Parameters:
    ///   - objectKind: User or group.
    ///   - identityID: The store identity.
    ///   - externalID: The directory object it is linked to.
    ///   - since: When a plan first found it out of scope.
    public init(objectKind: SyncIssue.ObjectKind, identityID: IdentityID, externalID: String, since: Date) {
        self.objectKind = objectKind
        self.identityID = identityID
        self.externalID = externalID
        self.since = since
    }

    /// When the identity is removed unless it returns: ``since`` plus the grace period.
    /// - Parameter grace: The grace period of the source's removal policy.
    /// - Returns: The instant its grace ends.
    public func until(grace: Duration) -> Date { since.addingTimeInterval(grace.timeInterval) }
}
