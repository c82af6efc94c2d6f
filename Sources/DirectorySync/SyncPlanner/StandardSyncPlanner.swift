/// The planner that implements DirectorySync's synchronization rules.
///
/// In short (`Documentation/SyncRules.md` has the whole text): read scope through the filter;
/// correlate each directory user with the store — linked identity, else a manual identity with the
/// same email, else one with a matching login — and adopt manual matches; keep emails, aliases and
/// group names unique across the store, reporting conflicts instead of duplicating; update what
/// differs; remove (or disable) what left the scope; manage memberships of the source's own groups
/// only; judge removals with the deletion guard.
///
/// ```swift
/// let plan = try StandardSyncPlanner().plan(source: "contoso", directory: snapshot, store: contents)
/// print(plan.summary)
/// ```
public struct StandardSyncPlanner: SyncPlanner {
    /// Creates the planner.
    public init() {}

    public func plan(_ request: SyncPlanRequest) throws -> SyncPlan {
        guard request.directory.isComplete else { throw SyncPlanningError.incompleteRead }
        do {
            try request.settings.filter.validate()
        } catch {
            throw SyncPlanningError.invalidFilter(error)
        }
        var builder = PlanBuilder(request)
        builder.planGroups()
        builder.planUsers()
        builder.planMemberships()
        return builder.finish()
    }
}

/// What became of one in-scope directory object.
enum PlannedState {
    /// It is (or will be) this identity in the store; `deferredCreate` when it is created in a
    /// deferred phase.
    case proceeds(IdentityReference, deferredCreate: Bool)
    /// It is left untouched, as the existing linked identity.
    case untouched(IdentityID)
    /// It has no identity in the store and gets none in this run.
    case absent
}

/// The mutable state of one planning pass.
struct PlanBuilder {
    let source: SourceID
    let settings: SyncSettings
    let scope: DirectoryScope
    let usersByID: [IdentityID: IdentityUser]
    let groupsByID: [IdentityID: IdentityGroup]
    /// The source's identities by directory object id, ordered by identifier.
    let linkedUsers: [String: [IdentityUser]]
    let linkedGroups: [String: [IdentityGroup]]

    var operations: [SyncOperation] = []
    var issues: [SyncIssue] = []
    var unchangedUsers = 0
    var unchangedGroups = 0
    let listsUnchanged: Bool
    let capabilities: IdentityStoreCapabilities
    var unchanged: [SyncPlan.UnchangedObject] = []
    var userStates: [PlannedState] = []
    /// Each in-scope user's label (email, else UPN), by scope index.
    var userLabels: [String] = []
    var groupStates: [PlannedState] = []
    /// Users deleted in this run (their memberships go with them).
    var deletedUserIDs: Set<IdentityID> = []
    var removedUserCount = 0
    var removedGroupCount = 0
    var removedMembershipCount = 0

    init(_ request: SyncPlanRequest) {
        source = request.sourceID
        settings = request.settings
        listsUnchanged = request.listsUnchanged
        capabilities = request.storeCapabilities
        scope = DirectoryScope(snapshot: request.directory, filter: request.settings.filter)
        var usersByID: [IdentityID: IdentityUser] = [:]
        usersByID.reserveCapacity(request.store.users.count)
        var linkedUsers: [String: [IdentityUser]] = [:]
        for user in request.store.users {
            usersByID[user.id] = user
            if user.origin.sourceID == request.sourceID, let externalID = user.origin.externalID {
                linkedUsers[externalID, default: []].append(user)
            }
        }
        var groupsByID: [IdentityID: IdentityGroup] = [:]
        var linkedGroups: [String: [IdentityGroup]] = [:]
        for group in request.store.groups {
            groupsByID[group.id] = group
            if group.origin.sourceID == request.sourceID, let externalID = group.origin.externalID {
                linkedGroups[externalID, default: []].append(group)
            }
        }
        self.usersByID = usersByID
        self.groupsByID = groupsByID
        self.linkedUsers = linkedUsers
        self.linkedGroups = linkedGroups
    }

    func origin(_ externalID: String) -> IdentityOrigin { .directory(source, externalID: externalID) }

    /// Words for who holds a value: a manual identity, another source's, or one of this source's.
    func describeHolder(origin: IdentityOrigin, name: String, id: IdentityID, kind: String) -> String {
        switch origin {
        case .manual:
            "the manual \(kind) '\(name)' (\(id)), which matches no directory object of this source"
        case .directory(let other, _) where other != source:
            "the \(kind) '\(name)' (\(id)) synchronized from source '\(other)'"
        case .directory:
            "the \(kind) '\(name)' (\(id)) of this source, which this run leaves as it is"
        }
    }

    mutating func report(
        _ severity: SyncIssue.Severity, _ code: SyncIssue.Code, _ kind: SyncIssue.ObjectKind, externalID: String,
        subject: String, _ detail: String, related: [IdentityID] = []
    ) {
        issues.append(
            SyncIssue(
                severity: severity, code: code, objectKind: kind, externalID: externalID, subject: subject,
                detail: detail, relatedIdentityIDs: related))
    }

    mutating func add(_ phase: SyncPhase, _ action: SyncAction, subject: String, group: String? = nil, _ reason: SyncReason) {
        operations.append(SyncOperation(phase: phase, action: action, subject: subject, group: group, reason: reason))
    }

    mutating func finish() -> SyncPlan {
        // Sort small keys, not the operations themselves: operations are large values to move.
        var keys = operations.enumerated().map { index, operation in
            SortKey(
                rank: operation.phase.rawValue * 16 + operation.action.kind.order, group: operation.group ?? "",
                subject: operation.subject, externalID: operation.action.externalID ?? "", index: index)
        }
        keys.sort()
        operations = keys.map { operations[$0.index] }
        issues.sort { a, b in
            if a.severity != b.severity { return a.severity < b.severity }
            if a.code != b.code { return a.code.rawValue < b.code.rawValue }
            if a.subject != b.subject { return a.subject < b.subject }
            return a.externalID < b.externalID
        }
        let ownedUsers = linkedUsers.values.reduce(0) { $0 + $1.count }
        let ownedGroups = linkedGroups.values.reduce(0) { $0 + $1.count }
        var ownedMemberships = 0
        for groups in linkedGroups.values {
            for group in groups {
                ownedMemberships += group.memberIDs.count { usersByID[$0]?.origin.sourceID == source }
            }
        }
        let verdict = settings.deletionGuard.verdict(
            removedUsers: removedUserCount, ownedUsers: ownedUsers, removedGroups: removedGroupCount,
            ownedGroups: ownedGroups, removedMemberships: removedMembershipCount, ownedMemberships: ownedMemberships)
        return SyncPlan(
            sourceID: source, operations: operations, issues: issues, unchangedUsers: unchangedUsers,
            unchangedGroups: unchangedGroups, guardVerdict: verdict,
            unchanged: unchanged.sorted { ($0.objectKind.rawValue, $0.subject, $0.externalID) < ($1.objectKind.rawValue, $1.subject, $1.externalID) })
    }
}

/// The order of operations in a plan: phase, kind, group, subject, directory object id.
private struct SortKey: Comparable {
    var rank: Int
    var group: String
    var subject: String
    var externalID: String
    var index: Int

    static func < (a: SortKey, b: SortKey) -> Bool {
        if a.rank != b.rank { return a.rank < b.rank }
        if a.group != b.group { return a.group < b.group }
        if a.subject != b.subject { return a.subject < b.subject }
        if a.externalID != b.externalID { return a.externalID < b.externalID }
        return a.index < b.index
    }
}
