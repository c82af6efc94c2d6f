// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

extension ReferencePlanBuilder {
    /// Adds and removes members of the source's groups (rule 6). Only the source's own users are
    /// managed: members an administrator added from elsewhere stay, and groups the source does not
    /// own are never touched.
    mutating func planMemberships() {
        for (groupIndex, state) in groupStates.enumerated() {
            guard case .proceeds(let groupReference, let groupDeferred) = state else { continue }
            let group = scope.groups[groupIndex]
            var desired: [(reference: IdentityReference, label: String)] = []
            var desiredExisting: Set<IdentityID> = []
            var untouched: Set<IdentityID> = []
            var deferredUsers: Set<String> = []
            for member in scope.members[groupIndex] {
                switch userStates[member] {
                case .proceeds(let reference, let deferredCreate):
                    desired.append((reference, userLabels[member]))
                    if case .existing(let id) = reference { desiredExisting.insert(id) }
                    if deferredCreate { deferredUsers.insert(scope.users[member].id) }
                case .untouched(let id): untouched.insert(id)
                case .absent: break
                }
            }

            var current: Set<IdentityID> = []
            if case .existing(let groupID) = groupReference, let existing = groupsByID[groupID] {
                current = Set(existing.memberIDs.filter(ownedUserIDs.contains))
            }
            for (reference, label) in desired {
                if case .existing(let id) = reference, current.contains(id) { continue }
                var deferred = groupDeferred
                if case .created(let externalID) = reference, deferredUsers.contains(externalID) { deferred = true }
                add(deferred ? .deferredMemberships : .memberships, .addMember(user: reference, group: groupReference),
                    subject: label, group: group.displayName, .memberInDirectory)
            }
            guard case .existing(let groupID) = groupReference else { continue }
            // Sort only the few that leave, not every member. An excerpt decides who leaves a
            // group only for the group's own members if it read them all, else for focused users.
            let decided = decides(group.id)
            // Users that left the scope but stay (`never`, or their removal is pending) keep their memberships.
            let leaving = current.filter {
                !desiredExisting.contains($0) && !untouched.contains($0) && !deletedUserIDs.contains($0) && !keptOutOfScopeUserIDs.contains($0)
                    && (decided || managesMembership(of: $0))
            }
            for member in leaving.sorted() {
                add(.memberships, .removeMember(user: member, group: groupID), subject: userLabel(member),
                    group: group.displayName, .notMemberInDirectory)
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
        let inScope = Set(scope.groups.map { ObjectKey($0.id) })
        let held = Set(scope.allGroupIDs)
        let decidedByMembers = if case .usersByUser = settings.filter { true } else { false }
        // Under `never` and staged deletion a group out of scope keeps its members, and one in
        // scope keeps an in-scope member the directory lists: a group the excerpt does not hold, or
        // whose scope a user filter decides by members it does not hold, is left to a whole run.
        let outOfScopeGroupsStay = switch settings.outOfScope {
            case .remove, .disable: false
            case .never, .disableThenRemove: true
            }
        for (externalID, groups) in linkedGroups where !decides(externalID) && !inScope.contains(ObjectKey(externalID)) {
            let isHeld = held.contains(ObjectKey(externalID))
            if outOfScopeGroupsStay && (!isHeld || decidedByMembers) { continue }
            for group in groups {
                let removed = isHeld && !decidedByMembers
                if removed && !wholeRunRemoves(outOfScopeGroup: group.id, externalID: externalID) { continue }
                for member in group.memberIDs.sorted()
                where focusedUserIDs.contains(member) && !deletedUserIDs.contains(member) && !keptOutOfScopeUserIDs.contains(member) {
                    add(removed ? .emptyRemovedGroups : .memberships, .removeMember(user: member, group: group.id), subject: userLabel(member),
                        group: group.profile.name, removed ? .groupBeingRemoved : .notMemberInDirectory)
                    if !removed { removedMembershipCount += 1 }
                }
            }
        }
    }
}
