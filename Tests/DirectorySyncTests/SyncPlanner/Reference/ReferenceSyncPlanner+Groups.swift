// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

extension ReferencePlanBuilder {
    /// Correlates, creates, adopts, updates and removes the source's groups (rule 2 for groups).
    mutating func planGroups() {
        let groups = scope.groups
        groupStates = Array(repeating: .absent, count: groups.count)
        var manualByName: [String: IdentityGroup] = [:]
        var nameHolders: [String: IdentityID] = [:]
        for group in groupsByID.values {
            nameHolders[group.profile.name.lowercasedKey] = group.id
            if group.origin == .manual { manualByName[group.profile.name.lowercasedKey] = group }
        }

        // Targets: the linked group, else a manual group with the same name (adoption).
        var targets = [IdentityID?](repeating: nil, count: groups.count)
        var nameCount: [String: Int] = [:]
        for (index, group) in groups.enumerated() {
            let key = group.displayName.lowercasedKey
            nameCount[key, default: 0] += 1
            targets[index] = linkedGroups[group.id]?.first?.id ?? manualByName[key]?.id
        }

        var claimants = [ReferenceUniqueValueResolver.Claimant?](repeating: nil, count: groups.count)
        for (index, group) in groups.enumerated() {
            let key = group.displayName.lowercasedKey
            if nameCount[key, default: 0] > 1 {
                report(
                    .conflict, .duplicateGroupNameInSource, .group, externalID: group.id, subject: group.displayName,
                    "\(nameCount[key]!) groups in the directory are named '\(group.displayName)' and group names must be unique in the store; rename all but one in Entra ID or narrow the filter.")
                leaveUntouched(groupAt: index, target: targets[index])
                continue
            }
            claimants[index] = .init(target: targets[index], values: [.init(key: key, isPrimary: true)])
        }

        let removals = plannedGroupRemovals()
        let released = Set(removals.removed.map(\.group.id))
        let outcomes = ReferenceUniqueValueResolver.resolve(claimants, holders: nameHolders, released: released)
        for (index, outcome) in outcomes.enumerated() {
            guard let outcome else { continue }
            let group = groups[index]
            switch outcome {
            case .blocked(_, let holder):
                let held = groupsByID[holder]!
                report(
                    .conflict, .groupNameInUse, .group, externalID: group.id, subject: group.displayName,
                    "The name is held by \(describeHolder(origin: held.origin, name: held.profile.name, id: holder, kind: "group")); rename one of the two groups.",
                    related: [holder])
                leaveUntouched(groupAt: index, target: targets[index])
            case .proceed(_, let deferred, let releasesForOthers):
                planGroup(at: index, target: targets[index], deferred: !deferred.isEmpty, releasesForOthers: releasesForOthers)
            }
        }
        applyGroupRemovals(removals)
    }

    private mutating func leaveUntouched(groupAt index: Int, target: IdentityID?) {
        if let target, groupsByID[target]?.origin.sourceID == source { groupStates[index] = .untouched(target) }
    }

    private mutating func planGroup(at index: Int, target: IdentityID?, deferred: Bool, releasesForOthers: Bool) {
        let group = scope.groups[index]
        let desired = GroupProfile(name: group.displayName, description: capabilities.groupDescriptions ? group.description : nil)
        guard let target, let existing = groupsByID[target] else {
            add(deferred ? .deferredGroups : .groups, .createGroup(externalID: group.id, profile: desired),
                subject: group.displayName, .newInScope)
            groupStates[index] = .proceeds(.created(externalID: group.id), deferredCreate: deferred)
            return
        }
        groupStates[index] = .proceeds(.existing(target), deferredCreate: false)
        let adopting = existing.origin != origin(group.id)
        if !adopting && existing.profile == desired {
            unchangedGroups += 1
            if listsUnchanged {
                unchanged.append(.init(objectKind: .group, externalID: group.id, identityID: target, subject: group.displayName))
            }
            return
        }
        func action(_ profile: GroupProfile) -> SyncAction {
            let changes = FieldChange.between(existing.profile, profile)
            return adopting
                ? .adoptGroup(target, externalID: group.id, profile: profile, changes: changes)
                : .updateGroup(target, externalID: group.id, profile: profile, changes: changes)
        }
        let reason: SyncReason = adopting ? .matchedByName : wasPending(target) ? .returnedInScope : .attributesChanged
        guard deferred else {
            add(.groups, action(desired), subject: group.displayName, reason)
            return
        }
        if releasesForOthers {
            // Two groups trade names: step aside under a name no other group can hold, then take the new one.
            let interim = GroupProfile(name: "\(desired.name) (\(group.id))", description: desired.description)
            add(.groups, action(interim), subject: group.displayName, .releasesValueForAnother)
            add(.deferredGroups, .updateGroup(target, externalID: group.id, profile: desired,
                changes: FieldChange.between(interim, desired)), subject: group.displayName, .takesReleasedValue)
        } else {
            add(.deferredGroups, action(desired), subject: group.displayName, adopting ? reason : .takesReleasedValue)
        }
    }

    /// The source's groups that left the scope or are second links to one directory group, and
    /// what happens to each.
    struct GroupRemovals {
        /// Removed in this run (their names become free).
        var removed: [(group: IdentityGroup, externalID: String, reason: SyncReason)] = []
        /// Kept, with their members, while their removal is pending.
        var pending: [(group: IdentityGroup, until: Date, isNew: Bool)] = []
    }

    private mutating func plannedGroupRemovals() -> GroupRemovals {
        let inScope = Set(scope.groups.map(\.id))
        var removals = GroupRemovals()
        for (externalID, groups) in linkedGroups where decides(externalID) {
            for (position, group) in groups.enumerated() {
                let leftScope = !inScope.contains(externalID)
                guard position == 0 else {
                    removals.removed.append((group, externalID, leftScope ? .leftScope : .duplicateLink))
                    continue
                }
                guard leftScope else { continue }
                switch fate(ofOutOfScope: .group, group.id, externalID: externalID) {
                case .remove(let reason): removals.removed.append((group, externalID, reason))
                case .disable: removals.removed.append((group, externalID, .leftScope))
                case .keep: break
                case .pending(let until, let isNew): removals.pending.append((group, until, isNew))
                }
            }
        }
        return removals
    }

    private mutating func applyGroupRemovals(_ removals: GroupRemovals) {
        for (group, externalID, reason) in removals.removed {
            for member in group.memberIDs {
                add(.emptyRemovedGroups, .removeMember(user: member, group: group.id),
                    subject: userLabel(member), group: group.profile.name, .groupBeingRemoved)
            }
            add(.groupRemovals, .removeGroup(group.id, externalID: externalID), subject: group.profile.name, reason)
        }
        for (group, until, isNew) in removals.pending {
            reportPending(.group, group.id, externalID: group.origin.externalID ?? "", subject: group.profile.name, until: until, isNew: isNew, disabledNow: false)
        }
        // As for users: a staged removal counts once, when it becomes pending.
        removedGroupCount = removals.removed.count { $0.reason != .gracePeriodEnded } + removals.pending.count { $0.isNew }
    }

    /// How a store user is named in operations: its email, else its name.
    func userLabel(_ id: IdentityID) -> String {
        guard let user = usersByID[id] else { return id.rawValue }
        return user.profile.email ?? user.profile.name
    }
}
