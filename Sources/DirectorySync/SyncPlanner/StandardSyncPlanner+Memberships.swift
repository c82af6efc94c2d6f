extension PlanBuilder {
    /// Adds and removes members of the source's groups (rule 6). Only the source's own users are
    /// managed: members an administrator added from elsewhere stay, and groups the source does not
    /// own are never touched.
    ///
    /// The changes are found on every core (``membershipChanges()``), their users' labels and ids
    /// made once, and their operations made on every core too, then added in the groups' order:
    /// the plan is the same however the work was split.
    mutating func planMemberships() {
        let chunks = membershipChanges()
        prepareLabels(chunks.joined().lazy.map { $0.leaves ? .storeUser($0.member) : .scopeUser(Int($0.member)) })
        // Unpacked into a `var` alone: a copy kept beside it would keep every batch alive while `append` frees them.
        var batches: [OperationBatch]
        let leavers: Int
        (batches, leavers) = membershipOperations(chunks)
        append(&batches)
        removedMembershipCount += leavers
        planFocusedLeavers()
    }

    /// Each chunk's operations, made on every core, with their order keys and the number that take
    /// a user out of a group. The users' labels are made before (``prepareLabels(_:)``; a label
    /// not made is made again for each operation), and each created member's id is made here once
    /// for all its groups (a user keeps its strings together), as its label is.
    private func membershipOperations(_ chunks: [[MembershipChange]]) -> (batches: [OperationBatch], leavers: Int) {
        var isCreated = [Bool](repeating: false, count: scope.userCount)
        for change in chunks.joined() where !change.leaves && userStates[Int(change.member)].kind != .existing { isCreated[Int(change.member)] = true }
        let (scope, created) = (scope, isCreated.indices.filter { isCreated[$0] })
        var ids: [String?] = created.isEmpty ? [] : Array(repeating: nil, count: scope.userCount)
        ParallelChunks.fill(&ids, rows: created) { scope.userID($0) }
        let (builder, memberIDs) = (self, ids)
        let parts = ParallelChunks.chunks(chunks.count, chunkSize: 1) { range in builder.chunkOperations(chunks[range.lowerBound], ids: memberIDs) }
        return (parts.map(\.batch), parts.reduce(0) { $0 + $1.leavers })
    }

    /// The operations of these membership changes, in order, with their order keys and the number
    /// that take a user out of a group; `ids` holds the id of every member the plan creates, by
    /// scope number.
    private func chunkOperations(_ changes: [MembershipChange], ids: [String?]) -> (batch: OperationBatch, leavers: Int) {
        var (batch, leavers) = (OperationBatch(capacity: changes.count), 0)
        var groupIndex = -1
        var groupReference = IdentityReference.created(externalID: "")
        var groupID: IdentityID?  // the store group's, for an existing group
        var groupLabel = (text: "", label: Label.other(0))
        for change in changes {
            if Int(change.group) != groupIndex {
                groupIndex = Int(change.group)
                let group = scope.group(groupIndex)
                let state = groupStates[groupIndex]
                groupID = state.kind == .existing ? storeGroup(state.slot).id : nil
                groupReference = groupID.map(IdentityReference.existing) ?? .created(externalID: group.id)
                groupLabel = (text: group.displayName, label: Label.scopeGroup(groupIndex))
            }
            guard !change.leaves else {
                // Only an existing group has leavers (``membershipChanges()``), so its id is set.
                add(to: &batch, .memberships, .removeMember(user: storeUserID(change.member), group: groupID!),
                    label: .storeUser(change.member), group: groupLabel, .notMemberInDirectory)
                leavers += 1
                continue
            }
            let memberState = userStates[Int(change.member)]
            let reference: IdentityReference = memberState.kind == .existing
                ? .existing(storeUserID(memberState.slot)) : .created(externalID: ids[Int(change.member)]!)
            let deferred = groupStates[groupIndex].kind == .createdDeferred || memberState.kind == .createdDeferred
            add(to: &batch, deferred ? .deferredMemberships : .memberships, .addMember(user: reference, group: groupReference),
                label: .scopeUser(Int(change.member)), group: groupLabel, .memberInDirectory)
        }
        return (batch, leavers)
    }

    /// A member that joins or leaves one of the source's groups: ``PlanBuilder/membershipChanges()``.
    struct MembershipChange {
        /// The group, by its place among the selected groups.
        var group: Int32
        /// The joining user's scope number, or the leaving user's store slot.
        var member: Int32
        /// Whether the user leaves the group (else it joins).
        var leaves: Bool
    }

    /// The members that join and leave each of the source's groups, in the groups' order: each
    /// group's joiners in scope order, then its leavers by identifier.
    ///
    /// A pure read, on every core: groups are split into chunks, and each chunk compares members
    /// by store slot — it stamps a group's current and wanted members in two tables by slot of its
    /// own, so no set is built per group.
    func membershipChanges() -> [[MembershipChange]] {
        let builder = self
        let count = groupStates.count
        return ParallelChunks.chunks(count, chunkSize: max(256, (count + 7) / 8)) { range in
            var changes: [MembershipChange] = []
            var current = [Int32](repeating: -1, count: builder.store.userSlotCount)
            var wanted = [Int32](repeating: -1, count: builder.store.userSlotCount)
            var leaving: [Int32] = []
            for groupIndex in range {
                let state = builder.groupStates[groupIndex]
                guard state.kind != .absent, state.kind != .untouched else { continue }
                let stamp = Int32(groupIndex)
                if state.kind == .existing {
                    for member in builder.storeGroup(state.slot).members where builder.userMarks[Int(member)].contains(.owned) { current[Int(member)] = stamp }
                }
                for member in builder.scope.members[groupIndex] {
                    let memberState = builder.userStates[Int(member)]
                    switch memberState.kind {
                    case .absent: continue
                    case .untouched:
                        wanted[Int(memberState.slot)] = stamp
                        continue
                    case .existing:
                        wanted[Int(memberState.slot)] = stamp
                        if current[Int(memberState.slot)] == stamp { continue }
                    case .created, .createdDeferred: break
                    }
                    changes.append(MembershipChange(group: stamp, member: member, leaves: false))
                }
                guard state.kind == .existing else { continue }
                // An excerpt decides who leaves a group only for the group's own members if it read
                // them all, else for focused users. Users that left the scope but stay (`never`, or
                // their removal is pending) keep their memberships.
                let decided = builder.decides(builder.scope.group(groupIndex).id)
                leaving.removeAll(keepingCapacity: true)
                for member in builder.storeGroup(state.slot).members where current[Int(member)] == stamp && wanted[Int(member)] != stamp {
                    let marks = builder.userMarks[Int(member)]
                    guard marks.isDisjoint(with: [.removed, .keptOutOfScope]), decided || builder.managesMembership(of: member) else { continue }
                    leaving.append(member)
                }
                // Sort only the few that leave, not every member.
                if leaving.count > 1 { leaving.sort { builder.storeUserID($0) < builder.storeUserID($1) } }
                changes.append(contentsOf: leaving.map { MembershipChange(group: stamp, member: $0, leaves: true) })
            }
            return changes
        }
    }

    /// With a focus, focused users leave the source's groups the excerpt does not hold in scope.
    /// A group the excerpt holds (one of the user's groups) is out of scope, and a whole run
    /// removes it, members and all — unless a user filter decides groups by their members, which
    /// the excerpt does not hold. A group it does not hold has the user as no member.
    private mutating func planFocusedLeavers() {
        guard focus != nil else { return }
        let decidedByMembers = if case .usersByUser = settings.filter { true } else { false }
        // Under `never` and staged deletion a group out of scope keeps its members, and one in
        // scope keeps an in-scope member the directory lists: a group the excerpt does not hold, or
        // whose scope a user filter decides by members it does not hold, is left to a whole run.
        let outOfScopeGroupsStay = switch settings.outOfScope {
            case .remove, .disable: false
            case .never, .disableThenRemove: true
            }
        var linked: [(position: Int32?, slots: [Int32])] = []
        groupLinks.forEachGroup { position, first, others in linked.append((position, [first] + others)) }
        for (position, slots) in linked {
            let externalID = storeGroup(slots[0]).origin.externalID ?? ""
            let inScope = position.map { scope.groupScopeNumbers[Int($0)] >= 0 } ?? false
            guard !decides(externalID), !inScope else { continue }
            let isHeld = position != nil
            if outOfScopeGroupsStay && (!isHeld || decidedByMembers) { continue }
            for slot in slots {
                let group = storeGroup(slot)
                let removed = isHeld && !decidedByMembers
                if removed && !wholeRunRemoves(outOfScopeGroup: group.id, externalID: group.origin.externalID ?? "") { continue }
                let groupLabel = (text: group.profile.name, label: Label.storeGroup(slot))
                for member in members(of: group) {
                    guard case .slot(let memberSlot) = member else { continue }
                    let marks = userMarks[Int(memberSlot)]
                    guard marks.contains(.focused), marks.isDisjoint(with: [.removed, .keptOutOfScope]) else { continue }
                    add(removed ? .emptyRemovedGroups : .memberships, .removeMember(user: memberID(member), group: group.id), label: .storeUser(memberSlot),
                        group: groupLabel, removed ? .groupBeingRemoved : .notMemberInDirectory)
                    if !removed { removedMembershipCount += 1 }
                }
            }
        }
    }
}
