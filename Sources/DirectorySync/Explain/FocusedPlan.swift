/// A plan for one directory object, made from an excerpt of the directory instead of a whole read:
/// the object, and every object its fate depends on (``ExcerptGatherer``).
package struct FocusedPlan: Sendable {
    /// What the lookups read, merged.
    package var excerpt: DirectoryExcerpt
    /// The users or groups the key names (empty when it names nothing in the directory).
    package var users: [DirectoryUser]
    /// The groups the key names.
    package var groups: [DirectoryGroup]
    /// The directory ids a key named but the directory no longer holds (a store identity's link).
    package var missing: [String]
    /// The directory ids whose fate the excerpt decides (``SyncPlanRequest/focus``).
    package var focus: Set<String>
    /// The plan over the excerpt (``SyncPlanRequest/focus`` set).
    package var plan: SyncPlan
    /// The store's contents planned against.
    package var store: IdentityStoreContents
    /// Whether every object the target's fate depends on was read (`false` when the gathering
    /// stopped at its bounds).
    package var isComplete: Bool
    /// Requests the lookups sent.
    package var requests: Int { excerpt.statistics.requests }

    /// The operations and issues that concern the directory object `externalID`: its own, and the
    /// memberships of its identities.
    package func share(of externalID: String, kind: SyncIssue.ObjectKind) -> (operations: [SyncOperation], issues: [SyncIssue], unchanged: [SyncPlan.UnchangedObject]) {
        let identities = identities(of: externalID, kind: kind)
        let operations = plan.operations.filter { operation in
            switch operation.action {
            case .addMember(let user, let group):
                let reference = kind == .user ? user : group
                switch reference {
                case .created(let id): return id == externalID
                case .existing(let id): return identities.contains(id)
                }
            case .removeMember(let user, let group): return identities.contains(kind == .user ? user : group)
            case .createUser, .adoptUser, .updateUser, .removeUser, .disableUser:
                return kind == .user && operation.action.externalID == externalID
            case .createGroup, .adoptGroup, .updateGroup, .removeGroup:
                return kind == .group && operation.action.externalID == externalID
            }
        }
        return (
            operations, plan.issues.filter { $0.objectKind == kind && $0.externalID == externalID },
            plan.unchanged.filter { $0.objectKind == kind && $0.externalID == externalID }
        )
    }

    /// The store identities the directory object is or becomes: those linked to it, and one the
    /// plan adopts for it.
    package func identities(of externalID: String, kind: SyncIssue.ObjectKind) -> Set<IdentityID> {
        var found: Set<IdentityID> = []
        let linked: (IdentityOrigin) -> Bool = { $0.sourceID == plan.sourceID && $0.externalID == externalID }
        if kind == .user {
            for user in store.users where linked(user.origin) { found.insert(user.id) }
        } else {
            for group in store.groups where linked(group.origin) { found.insert(group.id) }
        }
        for operation in plan.operations {
            switch operation.action {
            case .adoptUser(let id, let adopted, _, _) where kind == .user && adopted == externalID: found.insert(id)
            case .adoptGroup(let id, let adopted, _, _) where kind == .group && adopted == externalID: found.insert(id)
            default: break
            }
        }
        return found
    }
}
