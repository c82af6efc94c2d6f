import Foundation

/// The planner that implements DirectorySync's synchronization rules.
///
/// In short (`Documentation/SyncRules.md` has the whole text): read scope through the filter;
/// correlate each directory user with the store — linked identity, else a manual identity with the
/// same email, else one with a matching login — and adopt manual matches; keep emails, aliases and
/// group names unique across the store, reporting conflicts instead of duplicating; update what
/// differs; remove, disable, stage for removal or keep what left the scope, as the removal policy
/// says; manage memberships of the source's own groups only; judge removals with the deletion guard.
///
/// It plans over numbers, not copies: directory objects by their position in the snapshot, store
/// identities by their slot in the store's index (``IdentityStoreContents`` keeps that index, and
/// the SDK's stores hand it out ready), addresses interned once per plan. What it returns are the
/// public value types.
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
        if case .disableThenRemove = request.settings.outOfScope, request.now == nil { throw SyncPlanningError.missingTime }
        var builder = PlanBuilder(request)
        builder.planGroups()
        builder.planUsers()
        builder.planMemberships()
        return builder.finish()
    }
}

/// What became of one in-scope directory object: 8 bytes, one per object.
struct PlannedState {
    enum Kind: UInt8 {
        /// It has no identity in the store and gets none in this run.
        case absent
        /// It is left untouched, as the existing linked identity in ``slot``.
        case untouched
        /// It is (or will be) the existing identity in ``slot``.
        case existing
        /// It is created in this run, in the first phases.
        case created
        /// It is created in a deferred phase.
        case createdDeferred
    }

    var kind: Kind
    /// The store slot, for `untouched` and `existing`.
    var slot: Int32

    static let absent = PlannedState(kind: .absent, slot: -1)
}

/// What a plan knows of one store user, by slot.
struct UserMarks: OptionSet {
    var rawValue: UInt8
    /// Linked to this source (its memberships in the source's groups are managed).
    static let owned = UserMarks(rawValue: 1)
    /// Deleted in this run (its memberships go with it; its addresses become free).
    static let removed = UserMarks(rawValue: 2)
    /// Out of scope but kept with its memberships (`never`, or its removal is pending).
    static let keptOutOfScope = UserMarks(rawValue: 4)
    /// Linked to a directory object the focus names.
    static let focused = UserMarks(rawValue: 8)
}

/// The identities a source owns of one kind, grouped by the directory object they are linked to;
/// each group ordered by identifier (the first is the link that counts, the others are second links).
struct SourceLinks {
    /// For each object of the snapshot (by position), its first linked slot, or -1.
    var first: [Int32]
    /// Further links of objects of the snapshot, by position.
    var more: [Int32: [Int32]] = [:]
    /// Links to objects the snapshot does not hold, by object id.
    var absent: [String: [Int32]] = [:]
    /// Positions of the snapshot's objects that have a link.
    var linkedPositions: [Int32] = []
    /// All linked identities.
    var count = 0

    init(positions: Int) { first = Array(repeating: -1, count: positions) }

    /// Every link group — the linked slots of one directory object, ordered by identifier — with
    /// the object's position when the snapshot holds it.
    func forEachGroup(_ body: (_ position: Int32?, _ first: Int32, _ others: [Int32]) -> Void) {
        for position in linkedPositions { body(position, first[Int(position)], more[position] ?? []) }
        for slots in absent.values { body(nil, slots[0], Array(slots.dropFirst())) }
    }
}

/// An operation's sort key: its rank (phase and kind), and its group and subject as label
/// references (``PlanBuilder/Label``), ranked among the distinct texts only when sorting.
/// Twelve bytes, one per operation: references are 32-bit (rows up to 2²⁸ of each kind).
struct OrderKey {
    var rank: Int32
    var group: Int32
    var subject: Int32
}

/// Operations made apart from the plan — on every core, a chunk of objects each — with their
/// order keys, added to the plan in order by ``PlanBuilder/append(_:)``.
struct OperationBatch: Sendable {
    var operations: [SyncOperation] = []
    var keys: [OrderKey] = []

    init() {}

    init(capacity: Int) {
        operations.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
    }
}

/// The mutable state of one planning pass.
struct PlanBuilder {
    let source: SourceID
    let settings: SyncSettings
    let scope: DirectoryScope
    let store: IdentityStoreIndex
    /// The source's users and groups by directory object.
    let userLinks: SourceLinks
    let groupLinks: SourceLinks
    /// The directory objects whose fate the snapshot decides (``SyncPlanRequest/focus``); `nil`: all.
    let focus: Set<ObjectKey>?
    var userMarks: [UserMarks]

    var operations: [SyncOperation] = []
    /// Each operation's order key, kept beside it so sorting never copies the operations.
    var orderKeys: [OrderKey] = []
    var issues: [SyncIssue] = []
    var unchangedUsers = 0
    var unchangedGroups = 0
    let listsUnchanged: Bool
    let capabilities: IdentityStoreCapabilities
    var unchanged: [SyncPlan.UnchangedObject] = []
    var userStates: [PlannedState] = []
    /// Each in-scope user's facts, by scope number, and the addresses they point at (``UserFacts``).
    var userFacts: [UserFacts] = []
    var userAddresses: [UserAddresses] = []
    var groupStates: [PlannedState] = []
    var removedUserCount = 0
    var removedGroupCount = 0
    var removedMembershipCount = 0
    /// The current instant (read under staged deletion only).
    let now: Date
    /// Under staged deletion, the removals pending before this plan, by identity.
    let remembered: [IdentityID: PendingRemoval]
    /// Under staged deletion, the removals pending after this plan (``SyncPlan/pendingRemovals``).
    var pendingRemovals: [PendingRemoval] = []
    /// Texts operations name that no table holds (``Label/other``).
    var otherLabels: [String] = [""]
    /// The labels of users made so far: in-scope users' by scope number, store users' by slot.
    var scopeUserLabels: UserLabelTable
    var storeUserLabels: UserLabelTable

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
        let (scope, objectPositions) = DirectoryScope.make(snapshot: request.directory, filter: request.settings.filter)
        let store = request.store.index
        let focus = request.focus.map { Set($0.map(ObjectKey.init)) }
        self.scope = scope
        self.store = store
        self.focus = focus
        scopeUserLabels = UserLabelTable(rows: scope.userCount)
        storeUserLabels = UserLabelTable(rows: store.userSlotCount)

        // Each store user's directory object: its position in the snapshot (-1 when the snapshot
        // lacks it), for the source's users (-2 for the others), and whether the focus names it.
        let source = store.sources[request.sourceID] ?? -3
        let positions = objectPositions.users
        let storeLinks = store.userLinks
        // Looked up a chunk at a time: `values(for:)` reads a batch of entries ahead.
        let linked: [(position: Int32, focused: Bool)] = Array(ParallelChunks.chunks(storeLinks.count, chunkSize: 16_384) { range in
            let owned = range.filter { storeLinks[$0].source == source }
            let found = positions.values(for: owned.map { storeLinks[$0].key })
            var result = [(position: Int32, focused: Bool)](repeating: (-2, false), count: range.count)
            for (slot, position) in zip(owned, found) {
                result[slot - range.lowerBound] = (position, focus?.contains(storeLinks[slot].key) ?? false)
            }
            return result
        }.joined())
        let users = store.users
        var marks = [UserMarks](repeating: [], count: store.userSlotCount)
        var userLinks = SourceLinks(positions: scope.userPositionCount)
        let userIDs: (Int32) -> IdentityID = { users[Int($0)]!.id }
        for (slot, (position, focused)) in linked.enumerated() where position > -2 {
            marks[slot].insert(focused ? [.owned, .focused] : .owned)
            Self.link(Int32(slot), position: position >= 0 ? position : nil, externalID: { users[slot]!.origin.externalID! }, id: userIDs, into: &userLinks)
        }
        var groupLinks = SourceLinks(positions: scope.groupPositionCount)
        let groups = store.groups
        let groupIDs: (Int32) -> IdentityID = { groups[Int($0)]!.id }
        for (slot, link) in store.groupLinks.enumerated() where link.source == source {
            Self.link(Int32(slot), position: objectPositions.groups.value(for: link.key), externalID: { groups[slot]!.origin.externalID! }, id: groupIDs, into: &groupLinks)
        }
        self.userLinks = userLinks
        self.groupLinks = groupLinks
        userMarks = marks
        // An excerpt decides nothing about the other objects: their pending removals stay as remembered.
        pendingRemovals = remembered.values.filter { !(focus?.contains(ObjectKey($0.externalID)) ?? true) }
    }

    /// Adds a slot to the link group of its directory object, keeping each group ordered by identifier.
    private static func link(
        _ slot: Int32, position: Int32?, externalID: () -> String, id: (Int32) -> IdentityID, into links: inout SourceLinks
    ) {
        links.count += 1
        guard let position else {
            let externalID = externalID()
            links.absent[externalID, default: []].append(slot)
            if let slots = links.absent[externalID], slots.count > 1 { links.absent[externalID] = slots.sorted { id($0) < id($1) } }
            return
        }
        let first = links.first[Int(position)]
        guard first >= 0 else {
            links.first[Int(position)] = slot
            links.linkedPositions.append(position)
            return
        }
        var all = [first] + (links.more[position] ?? []) + [slot]
        all.sort { id($0) < id($1) }
        links.first[Int(position)] = all[0]
        links.more[position] = Array(all.dropFirst())
    }

    /// Whether the snapshot decides the fate of the directory object (always, without a focus).
    func decides(_ externalID: String) -> Bool { focus?.contains(ObjectKey(externalID)) ?? true }

    /// Whether this run may take the store user out of a group it does not decide.
    func managesMembership(of slot: Int32) -> Bool { focus == nil || userMarks[Int(slot)].contains(.focused) }

    func origin(_ externalID: String) -> IdentityOrigin { .directory(source, externalID: externalID) }

    /// The store user in `slot`.
    func storeUser(_ slot: Int32) -> IdentityUser { store.users[Int(slot)]! }

    /// The identifier of the store user in `slot`, read in place (a copy of the user would retain
    /// every one of its strings).
    func storeUserID(_ slot: Int32) -> IdentityID { store.users.withUnsafeBufferPointer { $0[Int(slot)]!.id } }

    /// The store group in `slot`.
    func storeGroup(_ slot: Int32) -> IdentityStoreIndex.Group { store.groups[Int(slot)]! }

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

    /// Where an operation's subject or group text comes from: a table and a row, so sorting finds
    /// the distinct texts by integers, not by hashing strings.
    enum Label {
        /// An in-scope user's label (``PlanBuilder/userLabel(ofScopeUser:)``), by scope number.
        case scopeUser(Int)
        /// A store user's label (email, else name), by slot.
        case storeUser(Int32)
        /// An in-scope group's display name, by its position among the selected groups.
        case scopeGroup(Int)
        /// A store group's name, by slot.
        case storeGroup(Int32)
        /// A text of ``PlanBuilder/otherLabels`` (0 is the empty text: no group).
        case other(Int)

        var reference: Int {
            switch self {
            case .scopeUser(let row): row << 3
            case .storeUser(let row): Int(row) << 3 | 1
            case .scopeGroup(let row): row << 3 | 2
            case .storeGroup(let row): Int(row) << 3 | 3
            case .other(let row): row << 3 | 4
            }
        }
    }

    /// The text a label names, kept for the next operation that names the same user.
    mutating func labelText(_ label: Label) -> String {
        switch label {
        case .scopeUser(let row):
            if let text = scopeUserLabels[row] { return text }
            let text = userLabel(ofScopeUser: row)
            scopeUserLabels.set(text, row: row)
            return text
        case .storeUser(let slot):
            if let text = storeUserLabels[Int(slot)] { return text }
            let text = userLabel(slot)
            storeUserLabels.set(text, row: Int(slot))
            return text
        case .scopeGroup, .storeGroup, .other:
            return text(label.reference)
        }
    }

    /// Makes the texts of the users these labels name, on every core, and keeps them for
    /// ``labelText(_:)`` and ``text(_:)``. Labels of other kinds are left as they are.
    mutating func prepareLabels(_ labels: some Sequence<Label>) {
        var scopeRows: [Int] = []
        var storeSlots: [Int] = []
        for label in labels {
            switch label {
            case .scopeUser(let row): scopeRows.append(row)
            case .storeUser(let slot): storeSlots.append(Int(slot))
            default: break
            }
        }
        // The tables are taken out of the builder whose copy makes the labels: a copy that
        // shared them would make the first write copy them whole.
        var (scopeLabels, storeLabels) = (scopeUserLabels, storeUserLabels)
        (scopeUserLabels, storeUserLabels) = (UserLabelTable(rows: 0), UserLabelTable(rows: 0))
        let builder = self
        scopeLabels.make(scopeRows) { builder.userLabel(ofScopeUser: $0) }
        storeLabels.make(storeSlots) { builder.userLabel(Int32($0)) }
        (scopeUserLabels, storeUserLabels) = (scopeLabels, storeLabels)
    }

    /// The text a label reference names.
    func text(_ reference: Int) -> String {
        let row = reference >> 3
        switch reference & 7 {
        case 0: return scopeUserLabels[row] ?? userLabel(ofScopeUser: row)
        case 1: return storeUserLabels[row] ?? userLabel(Int32(row))
        case 2: return scope.group(row).displayName
        case 3: return storeGroup(Int32(row)).profile.name
        default: return otherLabels[row]
        }
    }

    /// How a store user is named in operations: its email, else its name.
    func userLabel(_ slot: Int32) -> String {
        store.users.withUnsafeBufferPointer { users in users[Int(slot)]!.profile.email ?? users[Int(slot)]!.profile.name }
    }

    /// Adds an operation on the object `label` names (its subject is the label's text), in
    /// `group` (its text made once by the caller, for the group's many operations).
    mutating func add(_ phase: SyncPhase, _ action: SyncAction, label: Label, group: (text: String, label: Label)? = nil, _ reason: SyncReason) {
        let (operation, key) = self.operation(phase, action, subject: (labelText(label), label), group: group, reason)
        operations.append(operation)
        orderKeys.append(key)
    }

    /// An operation and its order key, as ``add(_:_:label:group:_:)`` adds them (the subject's text given).
    func operation(
        _ phase: SyncPhase, _ action: SyncAction, subject: (text: String, label: Label), group: (text: String, label: Label)?, _ reason: SyncReason
    ) -> (SyncOperation, OrderKey) {
        (SyncOperation(phase: phase, action: action, subject: subject.text, group: group?.text, reason: reason),
         OrderKey(rank: Int32(phase.rawValue * 16 + action.kind.order), group: Int32((group?.label ?? .other(0)).reference), subject: Int32(subject.label.reference)))
    }

    /// Adds an operation to a batch made apart from the plan, as ``add(_:_:label:group:_:)`` adds
    /// one to the plan; the label's text is made before (``prepareLabels(_:)``), else again here.
    func add(
        to batch: inout OperationBatch, _ phase: SyncPhase, _ action: SyncAction, label: Label, group: (text: String, label: Label)?, _ reason: SyncReason
    ) {
        let (operation, key) = self.operation(phase, action, subject: (text(label.reference), label), group: group, reason)
        batch.operations.append(operation)
        batch.keys.append(key)
    }

    /// Adds batches made apart, in order, into room made for them all at once; each batch is freed
    /// once added (a first sync of a large tenant makes millions of operations). Operations are
    /// moved, not copied: a copy retains every string an operation names, and freeing the batch
    /// releases them all again — one core's work at the plan's peak.
    mutating func append(_ batches: inout [OperationBatch]) {
        let total = operations.count + batches.reduce(0) { $0 + $1.operations.count }
        operations.reserveCapacity(total)
        orderKeys.reserveCapacity(total)
        for index in batches.indices {
            var batch = OperationBatch()
            swap(&batch, &batches[index])
            orderKeys.append(contentsOf: batch.keys)
            // Reversed through a buffer pointer, whose swaps move the operations (an array's own
            // swaps copy them, retaining their strings), then taken from the end.
            batch.operations.withUnsafeMutableBufferPointer { $0.reverse() }
            while let operation = batch.operations.popLast() { operations.append(operation) }
        }
    }

    mutating func finish() -> SyncPlan {
        sortOperations()
        // Their order found by index, compared in place, and the issues then copied once in it:
        // a sort of the issues themselves copies each several times, retaining every string.
        issues = issues.withUnsafeBufferPointer { issues in
            issues.indices.sorted { a, b in
                if issues[a].severity != issues[b].severity { return issues[a].severity < issues[b].severity }
                if issues[a].code != issues[b].code { return issues[a].code.rawValue < issues[b].code.rawValue }
                if issues[a].subject != issues[b].subject { return issues[a].subject < issues[b].subject }
                return issues[a].externalID < issues[b].externalID
            }.map { issues[$0] }
        }
        let verdict = settings.deletionGuard.verdict(
            removedUsers: removedUserCount, ownedUsers: userLinks.count, removedGroups: removedGroupCount,
            ownedGroups: groupLinks.count, removedMemberships: removedMembershipCount, ownedMemberships: ownedMembershipCount())
        return SyncPlan(
            sourceID: source, operations: operations, issues: issues, unchangedUsers: unchangedUsers,
            unchangedGroups: unchangedGroups, guardVerdict: verdict,
            unchanged: unchanged.sorted { ($0.objectKind.rawValue, $0.subject, $0.externalID) < ($1.objectKind.rawValue, $1.subject, $1.externalID) },
            pendingRemovals: pendingRemovals.sorted { ($0.objectKind.rawValue, $0.identityID.rawValue) < ($1.objectKind.rawValue, $1.identityID.rawValue) })
    }
}

extension PlanBuilder {
    /// The memberships of the source's users in the source's groups, the deletion guard's base for
    /// memberships: counted on every core, since a million users' groups list ten million members.
    private func ownedMembershipCount() -> Int {
        var slots: [Int32] = []
        slots.reserveCapacity(groupLinks.count)
        groupLinks.forEachGroup { _, first, others in
            slots.append(first)
            slots.append(contentsOf: others)
        }
        let (builder, groups) = (self, slots)
        return ParallelChunks.chunks(groups.count, chunkSize: 256) { range in
            range.reduce(0) { count, index in
                let group = builder.storeGroup(groups[index])
                return count + group.members.count { builder.userMarks[Int($0)].contains(.owned) }
                    + group.extraMembers.count { id in builder.store.userSlots[id].map { builder.userMarks[Int($0)].contains(.owned) } ?? false }
            }
        }.reduce(0, +)
    }

    /// Orders the operations by phase, kind, group, subject and directory object id. Groups and
    /// subjects are replaced by their ranks among the distinct texts first, so the sort compares
    /// integers (plans run to millions of operations); object ids break the rare remaining ties.
    mutating func sortOperations() {
        let groups = ranks(orderKeys.lazy.map { Int($0.group) })
        let subjects = ranks(orderKeys.lazy.map { Int($0.subject) })
        var keys = orderKeys.indices.map { index in SortKey(rank: orderKeys[index].rank, group: groups[index], subject: subjects[index], index: Int32(index)) }
        orderKeys = []
        keys.sort { a, b in
            if (a.rank, a.group, a.subject) != (b.rank, b.group, b.subject) { return (a.rank, a.group, a.subject) < (b.rank, b.group, b.subject) }
            let (x, y) = (operations[Int(a.index)].action.externalID ?? "", operations[Int(b.index)].action.externalID ?? "")
            return x != y ? x < y : a.index < b.index
        }
        // Put the operations in the new order in place, cycle by cycle of the permutation: the
        // first operation of a cycle is held, each place then takes the operation that belongs
        // there, and the last takes the one held. A move copies the bytes; every operation is
        // moved once (the first of a cycle twice), and no second array of operations is made (at
        // a million users, 50 MB at the plan's peak). A key whose place is filled is marked -1.
        // (`keys` is a permutation of the operations' indices: `add` appends one order key per operation.)
        precondition(keys.count == operations.count, "one order key per operation")
        operations.withUnsafeMutableBufferPointer { operations in
            guard let base = operations.baseAddress else { return }
            keys.withUnsafeMutableBufferPointer { keys in
                for start in keys.indices where keys[start].index >= 0 {
                    let held = (base + start).move()
                    var place = start
                    while true {
                        let from = Int(keys[place].index)
                        keys[place].index = -1
                        if from == start {
                            (base + place).initialize(to: held)
                            break
                        }
                        (base + place).moveInitialize(from: base + from, count: 1)
                        place = from
                    }
                }
            }
        }
    }

    /// Each label reference's rank among the distinct texts the references name, sorted (equal
    /// texts from different tables share a rank). The distinct references are found through one
    /// flat table, a slot per row of each label table, not by hashing.
    private func ranks(_ references: some Collection<Int>) -> [Int32] {
        // Where each label kind's rows start in the flat table (kinds as in `Label.reference`).
        let rows = [scope.userCount, store.userSlotCount, scope.groupIndices.count, store.groupSlotCount, otherLabels.count]
        var starts = [0]
        for count in rows { starts.append(starts.last! + count) }
        func slot(_ reference: Int) -> Int { starts[reference & 7] + reference >> 3 }
        var rankOf = [Int32](repeating: -1, count: starts.last!)
        var distinct: [Int] = []
        for reference in references where rankOf[slot(reference)] < 0 {
            rankOf[slot(reference)] = 0
            distinct.append(reference)
        }
        let (builder, named) = (self, distinct)
        let texts = ParallelChunks.map(named.count, chunkSize: 16_384) { builder.text(named[$0]) }
        for (reference, rank) in zip(distinct, Self.textRanks(texts)) { rankOf[slot(reference)] = rank }
        return references.map { rankOf[slot($0)] }
    }
}

extension PlanBuilder {
    /// Each text's rank among the distinct texts in `String`'s order (equal texts share a rank),
    /// found faster: a text whose UTF-8 bytes all come before U+0300 is in normal form C, and two
    /// such texts order and compare as their bytes do — so their first sixteen bytes, as two
    /// integers, decide most comparisons, and two such texts whose first sixteen bytes differ are
    /// different. Other pairs, and ties, are compared as strings. Large lists are keyed and sorted
    /// on two cores.
    static func textRanks(_ texts: [String]) -> [Int32] {
        let keys = ParallelChunks.map(texts.count, chunkSize: 16_384) { TextKey(texts[$0]) }
        let ordered: @Sendable (Int, Int) -> Bool = { a, b in
            if keys[a].decides(keys[b]) { return (keys[a].high, keys[a].low) < (keys[b].high, keys[b].low) }
            return texts[a] < texts[b]
        }
        var order = Array(texts.indices)
        sortInHalves(&order, by: ordered)
        var ranks = [Int32](repeating: 0, count: texts.count)
        var rank: Int32 = 0
        for (position, index) in order.enumerated() {
            if position > 0, case let previous = order[position - 1], keys[previous].decides(keys[index]) || texts[previous] != texts[index] { rank += 1 }
            ranks[index] = rank
        }
        return ranks
    }

    /// Sorts `items` by `ordered`, stably; a large list as two halves sorted at once on two
    /// cores, then merged back into its place on two cores too: one merges from the front and
    /// fills the first half of the places, the other from the back and fills the rest. (The
    /// stable merge's order is total — of equal items, the left half's first — so the smallest
    /// half taken from the front and the rest taken from the back are exactly its two halves.)
    static func sortInHalves<T: Sendable>(_ items: inout [T], by ordered: @Sendable (T, T) -> Bool) {
        guard items.count > 50_000 else { return items.sort(by: ordered) }
        let halves: [[T]]
        do {
            // The halves are copies, so the list can take the merge in place once this is gone.
            let list = items
            halves = ParallelChunks.chunks(list.count, chunkSize: (list.count + 1) / 2) { range in list[range].sorted(by: ordered) }
        }
        let (left, right, count) = (halves[0], halves[1], items.count)
        items.withUnsafeMutableBufferPointer { merged in
            let places = SharedPointer(merged.baseAddress!)
            _ = ParallelChunks.chunks(2, chunkSize: 1) { part in
                if part.lowerBound == 0 {
                    var (a, b) = (0, 0)
                    for place in 0..<count / 2 {
                        // Of equal items, the left half's first.
                        if b == right.count || (a < left.count && !ordered(right[b], left[a])) {
                            places.base[place] = left[a]
                            a += 1
                        } else {
                            places.base[place] = right[b]
                            b += 1
                        }
                    }
                } else {
                    var (a, b) = (left.count - 1, right.count - 1)
                    for place in (count / 2..<count).reversed() {
                        // From the back: of equal items, the right half's first.
                        if a < 0 || (b >= 0 && !ordered(right[b], left[a])) {
                            places.base[place] = right[b]
                            b -= 1
                        } else {
                            places.base[place] = left[a]
                            a -= 1
                        }
                    }
                }
            }
        }
    }
}

/// The first sixteen UTF-8 bytes of a text as two big-endian integers, and whether every byte
/// comes before U+0300 (``PlanBuilder/textRanks(_:)``).
private struct TextKey: Sendable {
    var high: UInt64 = 0
    var low: UInt64 = 0
    var isPlain = true

    init(_ text: String) {
        if let key = text.utf8.withContiguousStorageIfAvailable(Self.init(bytes:)) {
            self = key
        } else {
            self = Array(text.utf8).withUnsafeBufferPointer(Self.init(bytes:))
        }
    }

    init(bytes: UnsafeBufferPointer<UInt8>) {
        for (place, byte) in bytes.prefix(16).enumerated() {
            if place < 8 { high |= UInt64(byte) << (56 - 8 * place) } else { low |= UInt64(byte) << (56 - 8 * (place - 8)) }
        }
        isPlain = !bytes.contains { $0 >= 0xCC }
    }

    /// Whether the two keys alone order their texts, and tell them apart: both plain, and
    /// different in their first sixteen bytes.
    func decides(_ other: TextKey) -> Bool { isPlain && other.isPlain && (high, low) != (other.high, other.low) }
}

/// A sort key of one operation: integers only (``PlanBuilder/sortOperations()``).
private struct SortKey {
    var rank: Int32
    var group: Int32
    var subject: Int32
    var index: Int32
}
