/// Turns a focused plan into one ``ObjectExplanation`` per object the key names.
struct ExplanationBuilder {
    let focused: FocusedPlan
    let settings: SyncSettings
    let key: String

    /// The explanations: one per user or group the key names, else one that says it names nothing.
    func explanations(kind: SyncIssue.ObjectKind) -> [ObjectExplanation] {
        let found: [(id: String, subject: String)] = kind == .user
            ? focused.users.map { ($0.id, $0.primaryEmail ?? $0.userPrincipalName) }
            : focused.groups.map { ($0.id, $0.displayName) }
        var result = found.map { explanation(kind: kind, externalID: $0.id, subject: $0.subject) }
        result += focused.missing.map { explanation(kind: kind, externalID: $0, subject: nil) }
        if result.isEmpty { result.append(nothing(kind: kind)) }
        return result
    }

    private func explanation(kind: SyncIssue.ObjectKind, externalID: String, subject: String?) -> ObjectExplanation {
        let share = focused.share(of: externalID, kind: kind)
        let records = share.operations.map(PreviewRecord.init) + share.issues.map(PreviewRecord.init) + share.unchanged.map(PreviewRecord.init)
        let directory: ObjectExplanation.Directory = subject.map { subject in
            .init(found: true, externalID: externalID, subject: subject, detail: "The directory holds the \(kind.rawValue) '\(subject)' (\(externalID)).")
        } ?? .init(
            found: false, externalID: externalID, subject: nil,
            detail: "The directory no longer holds the \(kind.rawValue) \(externalID) that a synchronized identity is linked to: it was deleted, or the application may not read it.")
        let scope = subject == nil
            ? ObjectExplanation.Scope(inScope: false, conditions: [], path: [], detail: "Out of scope: it is not in the directory.")
            : kind == .user ? userScope(externalID) : groupScope(externalID)
        return ObjectExplanation(
            sourceID: focused.plan.sourceID, key: key, objectKind: kind, directory: directory, scope: scope,
            correlation: correlation(kind: kind, externalID: externalID, share: share, inScope: scope.inScope),
            action: action(share), records: records, lastRun: nil, requests: focused.requests, isComplete: focused.isComplete)
    }

    private func nothing(kind: SyncIssue.ObjectKind) -> ObjectExplanation {
        ObjectExplanation(
            sourceID: focused.plan.sourceID, key: key, objectKind: kind,
            directory: .init(
                found: false, externalID: nil, subject: nil,
                detail: kind == .user
                    ? "No user in the directory has the id, user principal name or email address '\(key)', and no identity of this source is linked to one."
                    : "No group in the directory has the id or name '\(key)', and no group of this source is linked to one."),
            scope: .init(inScope: false, conditions: [], path: [], detail: "Out of scope: it is not in the directory."),
            correlation: .init(kind: .none, identityID: nil, related: [], detail: "It has no identity in the store."),
            action: nil, records: [], lastRun: nil, requests: focused.requests, isComplete: focused.isComplete)
    }

    private func userScope(_ externalID: String) -> ObjectExplanation.Scope {
        guard let user = focused.excerpt.users.first(where: { $0.id == externalID }) else {
            return .init(inScope: false, conditions: [], path: [], detail: "Out of scope: it is not in the directory.")
        }
        switch settings.filter {
        case .all:
            return .init(inScope: true, conditions: [], path: [], detail: "In scope: the source synchronizes every user (no filter).")
        case .usersByUser(let expression):
            let (matches, deciding) = expression.decision(for: user)
            let words = deciding.map { "\($0) (\($0.attribute.rawValue) is \(Self.quoted(user.value(of: $0.attribute))))" }
            return .init(
                inScope: matches, conditions: deciding, path: [],
                detail: matches ? "In scope: the user filter selects it by \(words.joined(separator: " and "))."
                    : "Out of scope: the user filter leaves it out, as \(Self.noneHolds(words)).")
        case .usersByGroup(let expression):
            guard let (path, deciding) = groupPath(from: user.id, expression) else {
                let direct = focused.excerpt.groups.filter { $0.memberUserIDs.contains(user.id) }.map(\.displayName).sorted()
                return .init(
                    inScope: false, conditions: expression.conditions, path: [],
                    detail: direct.isEmpty ? "Out of scope: it is a member of no group, and the group filter (\(expression)) selects users through their groups."
                        : "Out of scope: none of its groups (\(direct.map { "'\($0)'" }.joined(separator: ", ")), nested ones included) passes the group filter \(expression).")
            }
            let through = path.count > 1 ? " through \(path.dropFirst().reversed().map { "'\($0)'" }.joined(separator: " in "))" : ""
            return .init(
                inScope: true, conditions: deciding, path: path,
                detail: "In scope: it is a member of '\(path[0])'\(through), which the group filter selects by \(deciding.map(\.description).joined(separator: " and ")).")
        }
    }

    /// The shortest path from a group the expression selects down to the user: group names, the
    /// selected one first.
    private func groupPath(from userID: String, _ expression: FilterExpression) -> ([String], [FilterCondition])? {
        let groups = focused.excerpt.groups
        var parents: [ObjectKey: [Int]] = [:]
        for (index, group) in groups.enumerated() {
            for member in group.memberUserIDs.objectKeys + group.memberGroupIDs.objectKeys { parents[member, default: []].append(index) }
        }
        var queue: [(Int, [String])] = (parents[ObjectKey(userID)] ?? []).sorted { groups[$0].displayName < groups[$1].displayName }.map { ($0, [groups[$0].displayName]) }
        var visited = Set(queue.map(\.0))
        var position = 0
        while position < queue.count {
            let (index, chain) = queue[position]
            position += 1
            let decision = expression.decision(for: groups[index])
            if decision.matches { return (chain.reversed(), decision.deciding) }
            for parent in (parents[ObjectKey(groups[index].id)] ?? []).sorted(by: { groups[$0].displayName < groups[$1].displayName })
            where visited.insert(parent).inserted {
                queue.append((parent, chain + [groups[parent].displayName]))
            }
        }
        return nil
    }

    private func groupScope(_ externalID: String) -> ObjectExplanation.Scope {
        guard let group = focused.excerpt.groups.first(where: { $0.id == externalID }) else {
            return .init(inScope: false, conditions: [], path: [], detail: "Out of scope: it is not in the directory.")
        }
        switch settings.filter {
        case .all:
            return .init(inScope: true, conditions: [], path: [], detail: "In scope: the source synchronizes every group (no filter).")
        case .usersByGroup(let expression):
            let (matches, deciding) = expression.decision(for: group)
            return .init(
                inScope: matches, conditions: deciding, path: [],
                detail: matches ? "In scope: the group filter selects it by \(deciding.map(\.description).joined(separator: " and "))."
                    : "Out of scope: the group filter leaves it out, as \(Self.noneHolds(deciding.map(\.description))).")
        case .usersByUser(let expression):
            let memberIDs = Set(group.memberUserIDs.objectKeys)
            let members = focused.excerpt.users.filter { memberIDs.contains(ObjectKey($0.id)) }
            let selected = members.filter(expression.matches)
            return .init(
                inScope: !selected.isEmpty, conditions: expression.conditions, path: [],
                detail: selected.isEmpty
                    ? "Out of scope: none of its \(members.count) members (nested ones included) passes the user filter \(expression), and a user filter keeps only groups with a selected member."
                    : "In scope: \(selected.count) of its \(members.count) members (nested ones included) pass the user filter \(expression).")
        }
    }

    private func correlation(
        kind: SyncIssue.ObjectKind, externalID: String, share: (operations: [SyncOperation], issues: [SyncIssue], unchanged: [SyncPlan.UnchangedObject]),
        inScope: Bool
    ) -> ObjectExplanation.Correlation {
        let linked = focused.identities(of: externalID, kind: kind).filter { id in
            kind == .user ? focused.store.users.contains { $0.id == id && $0.origin.sourceID == focused.plan.sourceID }
                : focused.store.groups.contains { $0.id == id && $0.origin.sourceID == focused.plan.sourceID }
        }.sorted()
        if let conflict = share.issues.first(where: { $0.severity == .conflict }) {
            return .init(kind: .conflict, identityID: linked.first, related: conflict.relatedIdentityIDs, detail: conflict.detail)
        }
        for operation in share.operations {
            switch operation.action {
            case .adoptUser(let id, _, _, _), .adoptGroup(let id, _, _, _):
                let how: ObjectExplanation.Correlation.Kind = operation.reason == .matchedByLogin ? .matchedByLogin
                    : operation.reason == .matchedByName ? .matchedByName : .matchedByEmail
                return .init(kind: how, identityID: id, related: [id], detail: "A synchronization adopts the manual \(kind.rawValue) \(id): \(operation.reason.explanation).")
            case .createUser, .createGroup:
                return .init(kind: .new, identityID: nil, related: [], detail: "No identity in the store is linked to it or matches it: a synchronization creates one.")
            default: continue
            }
        }
        if let id = linked.first {
            return .init(kind: .linked, identityID: id, related: Array(linked.dropFirst()), detail: "The identity \(id) of this source is linked to it.")
        }
        return .init(
            kind: .none, identityID: nil, related: [],
            detail: inScope ? "It has no identity in the store and gets none in this run." : "It has no identity in the store, and out of scope it gets none.")
    }

    /// What a synchronization does to the object itself, in one word.
    private func action(_ share: (operations: [SyncOperation], issues: [SyncIssue], unchanged: [SyncPlan.UnchangedObject])) -> PreviewRecord.Action? {
        if let own = share.operations.first(where: { $0.action.externalID != nil }) { return PreviewRecord(own).action }
        if !share.unchanged.isEmpty { return .unchanged }
        if share.issues.contains(where: { $0.severity == .conflict }) { return .conflict }
        if share.issues.contains(where: { $0.severity == .skipped }) { return .skipped }
        // Only its memberships change (a group whose own attributes need nothing, say).
        if let membership = share.operations.first { return PreviewRecord(membership).action }
        return nil
    }

    /// "X does not hold", or "none of X, Y holds".
    private static func noneHolds(_ conditions: [String]) -> String {
        conditions.count == 1 ? "\(conditions[0]) does not hold" : "none of \(conditions.joined(separator: ", ")) holds"
    }

    private static func quoted(_ value: String?) -> String { value.map { "'\($0)'" } ?? "not set" }
}
