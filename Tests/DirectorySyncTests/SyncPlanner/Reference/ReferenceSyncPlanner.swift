// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

/// `StandardSyncPlanner` as it was before issue 20 (the planner over interned integer tables):
/// the reference the differential test compares the new planner with, byte for byte.
struct ReferenceSyncPlanner: SyncPlanner {
    /// Creates the planner.
    init() {}

    func plan(_ request: SyncPlanRequest) throws -> SyncPlan {
        guard request.directory.isComplete else { throw SyncPlanningError.incompleteRead }
        do {
            try request.settings.filter.validate()
        } catch {
            throw SyncPlanningError.invalidFilter(error)
        }
        if case .disableThenRemove = request.settings.outOfScope, request.now == nil { throw SyncPlanningError.missingTime }
        var builder = ReferencePlanBuilder(request)
        builder.planGroups()
        builder.planUsers()
        builder.planMemberships()
        return builder.finish()
    }
}

/// What became of one in-scope directory object.
enum ReferencePlannedState {
    /// It is (or will be) this identity in the store; `deferredCreate` when it is created in a
    /// deferred phase.
    case proceeds(IdentityReference, deferredCreate: Bool)
    /// It is left untouched, as the existing linked identity.
    case untouched(IdentityID)
    /// It has no identity in the store and gets none in this run.
    case absent
}

/// The mutable state of one planning pass.
struct ReferencePlanBuilder {
    let source: SourceID
    let settings: SyncSettings
    let scope: ReferenceDirectoryScope
    let usersByID: [IdentityID: IdentityUser]
    let groupsByID: [IdentityID: IdentityGroup]
    /// The source's identities by directory object id, ordered by identifier.
    let linkedUsers: [String: [IdentityUser]]
    let linkedGroups: [String: [IdentityGroup]]
    /// The store users this source owns (whose memberships it manages).
    let ownedUserIDs: Set<IdentityID>
    /// The directory objects whose fate the snapshot decides (``SyncPlanRequest/focus``); `nil`: all.
    let focus: Set<ObjectKey>?
    /// With a focus, the source's users linked to focused directory users.
    let focusedUserIDs: Set<IdentityID>

    var operations: [SyncOperation] = []
    /// Each operation's order rank (phase and kind), group and subject, kept beside it so sorting
    /// never copies the operations.
    var orderKeys: [(rank: Int, group: String, subject: String)] = []
    var issues: [SyncIssue] = []
    var unchangedUsers = 0
    var unchangedGroups = 0
    let listsUnchanged: Bool
    let capabilities: IdentityStoreCapabilities
    var unchanged: [SyncPlan.UnchangedObject] = []
    var userStates: [ReferencePlannedState] = []
    /// Each in-scope user's label (email, else UPN), by scope index.
    var userLabels: [String] = []
    var groupStates: [ReferencePlannedState] = []
    /// Users deleted in this run (their memberships go with them).
    var deletedUserIDs: Set<IdentityID> = []
    var removedUserCount = 0
    var removedGroupCount = 0
    var removedMembershipCount = 0
    /// The current instant (read under staged deletion only).
    let now: Date
    /// Under staged deletion, the removals pending before this plan, by identity.
    let remembered: [IdentityID: PendingRemoval]
    /// Under staged deletion, the removals pending after this plan (``SyncPlan/pendingRemovals``).
    var pendingRemovals: [PendingRemoval] = []
    /// The source's users that left the scope and keep their memberships: all of them under
    /// `never`, those whose removal is pending under staged deletion.
    var keptOutOfScopeUserIDs: Set<IdentityID> = []

    init(_ request: SyncPlanRequest) {
        source = request.sourceID
        settings = request.settings
        now = request.now ?? Date(timeIntervalSince1970: 0)
        if case .disableThenRemove = request.settings.outOfScope {
            remembered = Dictionary(request.pendingRemovals.map { ($0.identityID, $0) }) { $0.since <= $1.since ? $0 : $1 }
        } else {
            remembered = [:]
        }
        listsUnchanged = request.listsUnchanged
        capabilities = request.store.capabilities
        scope = ReferenceDirectoryScope(snapshot: request.directory, filter: request.settings.filter)
        var usersByID: [IdentityID: IdentityUser] = [:]
        usersByID.reserveCapacity(request.store.users.count)
        var linkedUsers: [String: [IdentityUser]] = [:]
        var ownedUserIDs: Set<IdentityID> = []
        for user in request.store.users {
            usersByID[user.id] = user
            if user.origin.sourceID == request.sourceID, let externalID = user.origin.externalID {
                linkedUsers[externalID, default: []].append(user)
                ownedUserIDs.insert(user.id)
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
        self.ownedUserIDs = ownedUserIDs
        let focus = request.focus.map { Set($0.map(ObjectKey.init)) }
        self.focus = focus
        var focusedUserIDs: Set<IdentityID> = []
        if let focus {
            for (externalID, users) in linkedUsers where focus.contains(ObjectKey(externalID)) { focusedUserIDs.formUnion(users.map(\.id)) }
        }
        self.focusedUserIDs = focusedUserIDs
        // An excerpt decides nothing about the other objects: their pending removals stay as remembered.
        pendingRemovals = remembered.values.filter { !decides($0.externalID) }
    }

    /// Whether the snapshot decides the fate of the directory object (always, without a focus).
    func decides(_ externalID: String) -> Bool { focus?.contains(ObjectKey(externalID)) ?? true }

    /// Whether this run may take the store user out of a group it does not decide.
    func managesMembership(of id: IdentityID) -> Bool { focus == nil || focusedUserIDs.contains(id) }

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
        subject: String, _ detail: String, related: [IdentityID] = [], removalPendingUntil: Date? = nil
    ) {
        issues.append(
            SyncIssue(
                severity: severity, code: code, objectKind: kind, externalID: externalID, subject: subject,
                detail: detail, relatedIdentityIDs: related, removalPendingUntil: removalPendingUntil))
    }

    mutating func add(_ phase: SyncPhase, _ action: SyncAction, subject: String, group: String? = nil, _ reason: SyncReason) {
        operations.append(SyncOperation(phase: phase, action: action, subject: subject, group: group, reason: reason))
        orderKeys.append((phase.rawValue * 16 + action.kind.order, group ?? "", subject))
    }

    mutating func finish() -> SyncPlan {
        sortOperations()
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
                ownedMemberships += group.memberIDs.count(where: ownedUserIDs.contains)
            }
        }
        let verdict = settings.deletionGuard.verdict(
            removedUsers: removedUserCount, ownedUsers: ownedUsers, removedGroups: removedGroupCount,
            ownedGroups: ownedGroups, removedMemberships: removedMembershipCount, ownedMemberships: ownedMemberships)
        return SyncPlan(
            sourceID: source, operations: operations, issues: issues, unchangedUsers: unchangedUsers,
            unchangedGroups: unchangedGroups, guardVerdict: verdict,
            unchanged: unchanged.sorted { ($0.objectKind.rawValue, $0.subject, $0.externalID) < ($1.objectKind.rawValue, $1.subject, $1.externalID) },
            pendingRemovals: pendingRemovals.sorted { ($0.objectKind.rawValue, $0.identityID.rawValue) < ($1.objectKind.rawValue, $1.identityID.rawValue) })
    }
}

extension ReferencePlanBuilder {
    /// Orders the operations by phase, kind, group, subject and directory object id. Groups and
    /// subjects are replaced by their ranks among the distinct values first, so the sort compares
    /// integers (plans run to millions of operations); object ids break the rare remaining ties.
    mutating func sortOperations() {
        let groups = Self.ranks(orderKeys.lazy.map(\.group))
        let subjects = Self.ranks(orderKeys.lazy.map(\.subject))
        var keys = orderKeys.indices.map { index in ReferenceSortKey(rank: orderKeys[index].rank, group: groups[index], subject: subjects[index], index: index) }
        keys.sort { a, b in
            if (a.rank, a.group, a.subject) != (b.rank, b.group, b.subject) { return (a.rank, a.group, a.subject) < (b.rank, b.group, b.subject) }
            let (x, y) = (operations[a.index].action.externalID ?? "", operations[b.index].action.externalID ?? "")
            return x != y ? x < y : a.index < b.index
        }
        // Move the large operation values once, in the new order.
        operations = keys.map { operations[$0.index] }
    }

    /// Each value's position among the distinct values, sorted.
    private static func ranks(_ values: some Collection<String>) -> [Int] {
        var ordinals: [String: Int] = [:]
        var distinct: [String] = []
        let firstSeen = values.map { value in
            if let ordinal = ordinals[value] { return ordinal }
            ordinals[value] = distinct.count
            distinct.append(value)
            return distinct.count - 1
        }
        var rankOf = [Int](repeating: 0, count: distinct.count)
        for (rank, ordinal) in distinct.indices.sorted(by: { distinct[$0] < distinct[$1] }).enumerated() { rankOf[ordinal] = rank }
        return firstSeen.map { rankOf[$0] }
    }
}

/// A sort key of one operation: integers only (``ReferencePlanBuilder/sortOperations()``).
private struct ReferenceSortKey {
    var rank: Int
    var group: Int
    var subject: Int
    var index: Int
}
