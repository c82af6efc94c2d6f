import Foundation

extension PlanBuilder {
    /// Correlates, creates, adopts, updates and removes the source's groups (rule 2 for groups).
    mutating func planGroups() {
        let count = scope.groupIndices.count
        groupStates = Array(repeating: .absent, count: count)

        // Targets: the linked group, else a manual group with the same name (adoption).
        var keys = KeyTable()
        var nameIDs = [Int32](repeating: -1, count: count)
        var nameCount: [Int32] = []
        var targets = [Int32](repeating: -1, count: count)
        for index in 0..<count {
            let position = Int(scope.groupIndices[index])
            let key = scope.snapshotGroups[scope.groupIndex(position)].displayName.lowercasedKey
            let id = keys.intern(key)
            if Int(id) == nameCount.count { nameCount.append(0) }
            nameCount[Int(id)] += 1
            nameIDs[index] = id
            let linked = groupLinks.first[position]
            if linked >= 0 {
                targets[index] = linked
            } else if let holder = store.groupNameHolders[key], storeGroup(holder).origin == .manual {
                targets[index] = holder
            }
        }

        var resolver = UniqueValueResolver(count: count)
        for index in 0..<count {
            let group = scope.group(index)
            let id = nameIDs[index]
            if nameCount[Int(id)] > 1 {
                report(
                    .conflict, .duplicateGroupNameInSource, .group, externalID: group.id, subject: group.displayName,
                    "\(nameCount[Int(id)]) groups in the directory are named '\(group.displayName)' and group names must be unique in the store; rename all but one in Entra ID or narrow the filter.")
                leaveUntouched(groupAt: index, target: targets[index])
                continue
            }
            (resolver.targets[index], resolver.active[index]) = (targets[index], true)
            if let holder = store.groupNameHolders[keys[id]], holder != targets[index] {
                resolver.claim(index, [.init(key: id, holder: holder, isPrimary: true)])
            }
        }

        let removals = plannedGroupRemovals()
        let released = Set(removals.removed.map(\.slot))
        let resolution = resolver.resolve(slots: store.groupSlotCount) { released.contains($0) }
        for index in 0..<count where resolver.active[index] {
            let group = scope.group(index)
            if let (_, holder) = resolution.blocked[index] {
                let held = storeGroup(holder)
                report(
                    .conflict, .groupNameInUse, .group, externalID: group.id, subject: group.displayName,
                    "The name is held by \(describeHolder(origin: held.origin, name: held.profile.name, id: held.id, kind: "group")); rename one of the two groups.",
                    related: [held.id])
                leaveUntouched(groupAt: index, target: targets[index])
                continue
            }
            planGroup(at: index, target: targets[index], deferred: resolution.isDeferred(index), releasesForOthers: resolution.releasers.contains(index))
        }
        applyGroupRemovals(removals)
    }

    private mutating func leaveUntouched(groupAt index: Int, target: Int32) {
        if target >= 0, storeGroup(target).origin.sourceID == source { groupStates[index] = PlannedState(kind: .untouched, slot: target) }
    }

    private mutating func planGroup(at index: Int, target: Int32, deferred: Bool, releasesForOthers: Bool) {
        let group = scope.group(index)
        let desired = GroupProfile(name: group.displayName, description: capabilities.groupDescriptions ? group.description : nil)
        guard target >= 0 else {
            add(deferred ? .deferredGroups : .groups, .createGroup(externalID: group.id, profile: desired),
                label: .scopeGroup(index), .newInScope)
            groupStates[index] = PlannedState(kind: deferred ? .createdDeferred : .created, slot: -1)
            return
        }
        let existing = storeGroup(target)
        groupStates[index] = PlannedState(kind: .existing, slot: target)
        let adopting = existing.origin != origin(group.id)
        if !adopting && existing.profile == desired {
            unchangedGroups += 1
            if listsUnchanged {
                unchanged.append(.init(objectKind: .group, externalID: group.id, identityID: existing.id, subject: group.displayName))
            }
            return
        }
        func action(_ profile: GroupProfile) -> SyncAction {
            let changes = FieldChange.between(existing.profile, profile)
            return adopting
                ? .adoptGroup(existing.id, externalID: group.id, profile: profile, changes: changes)
                : .updateGroup(existing.id, externalID: group.id, profile: profile, changes: changes)
        }
        let reason: SyncReason = adopting ? .matchedByName : wasPending(existing.id) ? .returnedInScope : .attributesChanged
        guard deferred else {
            add(.groups, action(desired), label: .scopeGroup(index), reason)
            return
        }
        if releasesForOthers {
            // Two groups trade names: step aside under a name no other group can hold, then take the new one.
            let interim = GroupProfile(name: "\(desired.name) (\(group.id))", description: desired.description)
            add(.groups, action(interim), label: .scopeGroup(index), .releasesValueForAnother)
            add(.deferredGroups, .updateGroup(existing.id, externalID: group.id, profile: desired,
                changes: FieldChange.between(interim, desired)), label: .scopeGroup(index), .takesReleasedValue)
        } else {
            add(.deferredGroups, action(desired), label: .scopeGroup(index), adopting ? reason : .takesReleasedValue)
        }
    }

    /// The source's groups that left the scope or are second links to one directory group, and
    /// what happens to each.
    struct GroupRemovals {
        /// Removed in this run (their names become free).
        var removed: [(slot: Int32, reason: SyncReason)] = []
        /// Kept, with their members, while their removal is pending.
        var pending: [(slot: Int32, until: Date, isNew: Bool)] = []
    }

    private mutating func plannedGroupRemovals() -> GroupRemovals {
        var removals = GroupRemovals()
        groupLinks.forEachGroup { position, first, others in
            let inScope = position.map { scope.groupScopeNumbers[Int($0)] >= 0 } ?? false
            let externalID = storeGroup(first).origin.externalID ?? ""
            guard decides(externalID) else { return }
            defer { for slot in others { removals.removed.append((slot, inScope ? .duplicateLink : .leftScope)) } }
            guard !inScope else { return }
            switch fate(ofOutOfScope: .group, storeGroup(first).id, externalID: externalID) {
            case .remove(let reason): removals.removed.append((first, reason))
            case .disable: removals.removed.append((first, .leftScope))
            case .keep: break
            case .pending(let until, let isNew): removals.pending.append((first, until, isNew))
            }
        }
        return removals
    }

    private mutating func applyGroupRemovals(_ removals: GroupRemovals) {
        // A removed group's members run to thousands: they are sorted, labelled and their
        // operations made on every core. A member id no user has is named by itself: those labels
        // are numbered first, each group's from `firstOther` on, in the members' order.
        let members = removedGroupsMembers(removals.removed)
        prepareLabels(members.joined().lazy.compactMap { if case .slot(let slot) = $0 { Label.storeUser(slot) } else { nil } })
        var firstOther = [Int](repeating: 0, count: members.count)
        for (index, groupMembers) in members.enumerated() {
            firstOther[index] = otherLabels.count
            for case .id(let id) in groupMembers { otherLabels.append(id.rawValue) }
        }
        var batches = removalOperations(removals.removed, members: members, firstOther: firstOther)
        append(&batches)
        for (slot, until, isNew) in removals.pending {
            let group = storeGroup(slot)
            reportPending(.group, group.id, externalID: group.origin.externalID ?? "", subject: group.profile.name, until: until, isNew: isNew, disabledNow: false)
        }
        // As for users: a staged removal counts once, when it becomes pending.
        removedGroupCount = removals.removed.count { $0.reason != .gracePeriodEnded } + removals.pending.count { $0.isNew }
    }

    /// Each removed group's members sorted by identifier (``members(of:)``), the groups spread over the cores.
    private func removedGroupsMembers(_ removed: [(slot: Int32, reason: SyncReason)]) -> [[Member]] {
        let builder = self
        return ParallelChunks.map(removed.count, chunkSize: 8) { builder.members(of: builder.storeGroup(removed[$0].slot)) }
    }

    /// The operations that empty and remove these groups, on every core: each group's members
    /// leave it, then it is removed. A group's member ids no user has are named by the other
    /// labels numbered from `firstOther[group]` on, in the members' order.
    private func removalOperations(_ removed: [(slot: Int32, reason: SyncReason)], members: [[Member]], firstOther: [Int]) -> [OperationBatch] {
        let builder = self
        return ParallelChunks.chunks(removed.count, chunkSize: 8) { range in
            var batch = OperationBatch(capacity: range.reduce(0) { $0 + members[$1].count + 1 })
            for index in range {
                let group = builder.storeGroup(removed[index].slot)
                let groupLabel = (text: group.profile.name, label: Label.storeGroup(removed[index].slot))
                var other = firstOther[index]
                for member in members[index] {
                    let subject: Label
                    switch member {
                    case .slot(let slot): subject = .storeUser(slot)
                    case .id:
                        subject = .other(other)
                        other += 1
                    }
                    builder.add(to: &batch, .emptyRemovedGroups, .removeMember(user: builder.memberID(member), group: group.id),
                        label: subject, group: groupLabel, .groupBeingRemoved)
                }
                builder.add(to: &batch, .groupRemovals, .removeGroup(group.id, externalID: group.origin.externalID ?? ""),
                    label: groupLabel.label, group: nil, removed[index].reason)
            }
            return batch
        }
    }

    /// A store group's member: a user of the store, or an identifier the group lists that no user has.
    enum Member {
        case slot(Int32)
        case id(IdentityID)
    }

    /// A store group's members sorted by identifier, each as often as the group lists it.
    func members(of group: IdentityStoreIndex.Group) -> [Member] {
        var members = group.members.map(Member.slot)
        for id in group.extraMembers { members.append(store.userSlots[id].map(Member.slot) ?? .id(id)) }
        let ids = store.users.withUnsafeBufferPointer { users in members.map { memberID($0, users) } }
        return ids.indices.sorted { ids[$0] < ids[$1] }.map { members[$0] }
    }

    /// The member's identifier.
    func memberID(_ member: Member) -> IdentityID { store.users.withUnsafeBufferPointer { memberID(member, $0) } }

    private func memberID(_ member: Member, _ users: UnsafeBufferPointer<IdentityUser?>) -> IdentityID {
        switch member {
        case .slot(let slot): users[Int(slot)]!.id
        case .id(let id): id
        }
    }
}
