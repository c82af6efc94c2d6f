/// The state of one ``SyncExecutor/apply(_:to:fence:)`` call: outcomes so far and the identifiers of
/// identities created in this run, which later phases refer to.
struct ExecutionRun {
    let plan: SyncPlan
    let onEvent: SyncEventHandler
    private var outcomes: [SyncOperationResult.Outcome]
    private var createdUsers: [ObjectKey: IdentityID] = [:]
    private var createdGroups: [ObjectKey: IdentityID] = [:]
    private var completed = 0

    init(plan: SyncPlan, onEvent: @escaping SyncEventHandler) {
        self.plan = plan
        self.onEvent = onEvent
        outcomes = Array(repeating: .notStarted, count: plan.operations.count)
    }

    /// What a unit of work produced: an outcome per operation and, for creations, the new identifier.
    private struct UnitResult: Sendable {
        var outcomes: [(index: Int, outcome: SyncOperationResult.Outcome)]
        var created: (externalID: String, id: IdentityID, isGroup: Bool)?
    }

    /// Runs the units with at most `concurrency` in flight; stops starting new ones when cancelled
    /// or once the run's claim (`fence`) is no longer held.
    mutating func perform(_ units: [WorkUnit], on store: some IdentityStore, concurrency: Int, fence: (any RunClaim)? = nil) async {
        let operations = plan.operations
        let sourceID = plan.sourceID
        let createdUsers = self.createdUsers
        let createdGroups = self.createdGroups
        await withTaskGroup(of: UnitResult.self) { group in
            var next = 0
            func startNext() -> Bool {
                guard next < units.count, !Task.isCancelled, fence?.isHeld ?? true else { return false }
                let unit = units[next]
                next += 1
                group.addTask {
                    await Self.run(unit, sourceID: sourceID, operations: operations, store: store, users: createdUsers, groups: createdGroups, fence: fence)
                }
                return true
            }
            for _ in 0..<concurrency where !startNext() { break }
            while let result = await group.next() {
                record(result)
                _ = startNext()
            }
        }
    }

    private mutating func record(_ result: UnitResult) {
        if let created = result.created {
            if created.isGroup { createdGroups[ObjectKey(created.externalID)] = created.id } else { createdUsers[ObjectKey(created.externalID)] = created.id }
        }
        // An operation left not started (its claim was lost) did not finish.
        for (index, outcome) in result.outcomes where outcome != .notStarted {
            outcomes[index] = outcome
            completed += 1
            onEvent(.operationFinished(
                SyncOperationResult(operation: plan.operations[index], outcome: outcome), completed: completed,
                total: plan.operations.count))
        }
    }

    func report(cancelled: Bool) -> SyncReport {
        SyncReport(
            sourceID: plan.sourceID, results: SyncReport.Results(operations: plan.operations, outcomes: outcomes),
            wasCancelled: cancelled || outcomes.contains(.notStarted))
    }

    // MARK: Running one unit

    /// Runs one unit. Every call to the store is made only while the run's claim (`fence`) is
    /// held, known locally: an operation whose call would come after the claim was lost is left
    /// not started (a request already sent cannot be called back: the store has no fence).
    private static func run(
        _ unit: WorkUnit, sourceID: SourceID, operations: [SyncOperation], store: some IdentityStore,
        users: [ObjectKey: IdentityID], groups: [ObjectKey: IdentityID], fence: (any RunClaim)?
    ) async -> UnitResult {
        if unit.indices.count == 1 || !isMembership(operations[unit.indices[0]].action) {
            return await runSingle(unit.indices[0], sourceID: sourceID, operations: operations, store: store, users: users, groups: groups, fence: fence)
        }
        // A batch of membership changes to one group; on failure, retry one by one so that one bad
        // member does not fail the others.
        let actions = unit.indices.map { operations[$0].action }
        var resolved: [(index: Int, user: IdentityID)] = []
        var outcomes: [(index: Int, outcome: SyncOperationResult.Outcome)] = []
        var groupID: IdentityID?
        var adding = false
        for (index, action) in zip(unit.indices, actions) {
            switch resolve(action, users: users, groups: groups) {
            case .success(let (user, group, isAdd)):
                resolved.append((index, user))
                groupID = group
                adding = isAdd
            case .failure(let skip): outcomes.append((index, skip.outcome))
            }
        }
        guard let groupID, !resolved.isEmpty else { return UnitResult(outcomes: outcomes) }
        guard fence?.isHeld ?? true else { return UnitResult(outcomes: outcomes + resolved.map { ($0.index, .notStarted) }) }
        do {
            let ids = resolved.map(\.user)
            if adding { try await store.addMembers(ids, to: groupID) } else { try await store.removeMembers(ids, from: groupID) }
            outcomes += resolved.map { ($0.index, .succeeded) }
        } catch {
            for (index, _) in resolved {
                let single = await runSingle(index, sourceID: sourceID, operations: operations, store: store, users: users, groups: groups, fence: fence)
                outcomes += single.outcomes
            }
        }
        return UnitResult(outcomes: outcomes)
    }

    private static func isMembership(_ action: SyncAction) -> Bool {
        switch action {
        case .addMember, .removeMember: true
        default: false
        }
    }

    private struct Skip: Error {
        var outcome: SyncOperationResult.Outcome
    }

    private static func resolve(
        _ action: SyncAction, users: [ObjectKey: IdentityID], groups: [ObjectKey: IdentityID]
    ) -> Result<(IdentityID, IdentityID, Bool), Skip> {
        func lookup(_ reference: IdentityReference, _ created: [ObjectKey: IdentityID]) -> IdentityID? {
            switch reference {
            case .existing(let id): id
            case .created(let externalID): created[ObjectKey(externalID)]
            }
        }
        switch action {
        case .addMember(let user, let group):
            guard let groupID = lookup(group, groups) else {
                return .failure(Skip(outcome: .skipped("the group was not created")))
            }
            guard let userID = lookup(user, users) else {
                return .failure(Skip(outcome: .skipped("the user was not created")))
            }
            return .success((userID, groupID, true))
        case .removeMember(let user, let group):
            return .success((user, group, false))
        default:
            return .failure(Skip(outcome: .skipped("not a membership change")))
        }
    }

    private static func runSingle(
        _ index: Int, sourceID: SourceID, operations: [SyncOperation], store: some IdentityStore,
        users: [ObjectKey: IdentityID], groups: [ObjectKey: IdentityID], fence: (any RunClaim)?
    ) async -> UnitResult {
        guard fence?.isHeld ?? true else { return UnitResult(outcomes: [(index, .notStarted)]) }
        let action = operations[index].action
        do {
            var created: (String, IdentityID, Bool)?
            switch action {
            case .createUser(let externalID, let profile):
                let user = try await store.createUser(profile, origin: .directory(sourceID, externalID: externalID))
                created = (externalID, user.id, false)
            case .adoptUser(let id, let externalID, let profile, _), .updateUser(let id, let externalID, let profile, _),
                .disableUser(let id, let externalID, let profile):
                _ = try await store.updateUser(id, profile: profile, origin: .directory(sourceID, externalID: externalID))
            case .removeUser(let id, _):
                try await store.deleteUser(id)
            case .createGroup(let externalID, let profile):
                let group = try await store.createGroup(profile, origin: .directory(sourceID, externalID: externalID))
                created = (externalID, group.id, true)
            case .adoptGroup(let id, let externalID, let profile, _), .updateGroup(let id, let externalID, let profile, _):
                _ = try await store.updateGroup(id, profile: profile, origin: .directory(sourceID, externalID: externalID))
            case .removeGroup(let id, _):
                try await store.deleteGroup(id)
            case .addMember, .removeMember:
                switch resolve(action, users: users, groups: groups) {
                case .failure(let skip): return UnitResult(outcomes: [(index, skip.outcome)])
                case .success(let (user, group, adding)):
                    if adding { try await store.addMembers([user], to: group) } else { try await store.removeMembers([user], from: group) }
                }
            }
            return UnitResult(outcomes: [(index, .succeeded)], created: created)
        } catch let error as IdentityStoreError {
            return UnitResult(outcomes: [(index, .failed(code: error.code, message: error.description))])
        } catch {
            return UnitResult(outcomes: [(index, .failed(code: nil, message: String(describing: error)))])
        }
    }
}
