extension PlanBuilder {
    /// Adds and removes members of the source's groups (rule 6). Only the source's own users are
    /// managed: members an administrator added from elsewhere stay, and groups the source does not
    /// own are never touched.
    ///
    /// Members are compared by store slot: each group stamps its current and its wanted members
    /// in two tables by slot, so no set is built per group.
    mutating func planMemberships() {
        var current = [Int32](repeating: -1, count: store.userSlotCount)
        var wanted = [Int32](repeating: -1, count: store.userSlotCount)
        var leaving: [Int32] = []
        // Each member's id made once for all its groups (a user keeps its strings together), as its label is.
        var ids: [String?] = []
        for (groupIndex, state) in groupStates.enumerated() {
            let groupReference: IdentityReference
            let group = scope.group(groupIndex)
            switch state.kind {
            case .absent, .untouched: continue
            case .existing: groupReference = .existing(storeGroup(state.slot).id)
            case .created, .createdDeferred: groupReference = .created(externalID: group.id)
            }
            let stamp = Int32(groupIndex)
            let groupDeferred = state.kind == .createdDeferred
            let groupLabel = (text: group.displayName, label: Label.scopeGroup(groupIndex))
            if state.kind == .existing {
                for member in storeGroup(state.slot).members where userMarks[Int(member)].contains(.owned) { current[Int(member)] = stamp }
            }
            for member in scope.members[groupIndex] {
                let memberState = userStates[Int(member)]
                let reference: IdentityReference
                switch memberState.kind {
                case .absent: continue
                case .untouched:
                    wanted[Int(memberState.slot)] = stamp
                    continue
                case .existing:
                    wanted[Int(memberState.slot)] = stamp
                    if current[Int(memberState.slot)] == stamp { continue }
                    reference = .existing(storeUserID(memberState.slot))
                case .created, .createdDeferred:
                    if ids.isEmpty { ids = Array(repeating: nil, count: scope.userCount) }
                    if ids[Int(member)] == nil { ids[Int(member)] = scope.userID(Int(member)) }
                    reference = .created(externalID: ids[Int(member)]!)
                }
                let deferred = groupDeferred || memberState.kind == .createdDeferred
                add(deferred ? .deferredMemberships : .memberships, .addMember(user: reference, group: groupReference),
                    label: .scopeUser(Int(member)), group: groupLabel, .memberInDirectory)
            }
            guard state.kind == .existing else { continue }
            // An excerpt decides who leaves a group only for the group's own members if it read
            // them all, else for focused users. Users that left the scope but stay (`never`, or
            // their removal is pending) keep their memberships.
            let decided = decides(group.id)
            leaving.removeAll(keepingCapacity: true)
            for member in storeGroup(state.slot).members where current[Int(member)] == stamp && wanted[Int(member)] != stamp {
                let marks = userMarks[Int(member)]
                guard marks.isDisjoint(with: [.removed, .keptOutOfScope]), decided || managesMembership(of: member) else { continue }
                leaving.append(member)
            }
            // Sort only the few that leave, not every member.
            if leaving.count > 1 { leaving.sort { storeUserID($0) < storeUserID($1) } }
            let groupID = storeGroup(state.slot).id
            for member in leaving {
                add(.memberships, .removeMember(user: storeUserID(member), group: groupID), label: .storeUser(member),
                    group: groupLabel, .notMemberInDirectory)
                removedMembershipCount += 1
            }
        }
        planFocusedLeavers()
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
