extension SourceSynchronizer {
    /// What one directory object a focused plan is about.
    package enum FocusTarget: Sendable {
        /// The users a user key names (id, user principal name, email address or `DOMAIN\name`).
        case user(String)
        /// The groups a group key names (id or display name).
        case group(String)
    }

    /// Reads what the target's fate depends on (a few lookups, never a whole read) and plans for
    /// it alone against the store as it is now. Nothing is applied or committed.
    /// - Parameters:
    ///   - target: The object.
    ///   - settings: The source's filter and policies.
    /// - Returns: The focused plan.
    /// - Throws: Read and planning errors; the store's errors.
    package func focusedPlan(_ target: FocusTarget, settings: SyncSettings) async throws -> FocusedPlan {
        // Each read waits for a run's plan and apply to finish, so it never sees half of one.
        var gatherer = ExcerptGatherer(source: sourceID, provider: provider) { [coordinator, store] query in
            try await coordinator.withLock(.store) { try await store.identities(query) }
        } whole: { [coordinator, store] in
            try await coordinator.withLock(.store) { try await store.contents() }
        }
        let pending = try await pendingRemovals(for: settings)
        switch target {
        case .user(let key):
            let (excerpt, targets, missing, focus, complete) = try await gatherer.gatherUsers(named: key)
            var plan = try await focusedPlan(excerpt, focus: focus, settings: settings, gatherer: &gatherer, pendingRemovals: pending)
            plan.users = excerpt.users.filter { targets.contains($0.id) }
            plan.missing = missing
            plan.isComplete = complete && !Self.namesUndecided(excerpt, settings.filter)
            return plan
        case .group(let key):
            let (excerpt, targets, missing, holders) = try await gatherer.gatherGroups(named: key)
            let named = excerpt.groups.filter { group in
                targets.contains(group.id) || excerpt.groups.contains { targets.contains($0.id) && $0.displayName.lowercasedKey == group.displayName.lowercasedKey }
            }
            let focus = Set(named.map(\.id) + missing + holders)
            var plan = try await focusedPlan(excerpt, focus: focus, settings: settings, gatherer: &gatherer, pendingRemovals: pending)
            plan.groups = excerpt.groups.filter { targets.contains($0.id) }
            plan.missing = missing
            return plan
        }
    }

    /// Whether a group name is held twice in the directory by a group read without its members
    /// while a user filter decides groups by their members: whether a whole run leaves the
    /// users' group alone (both in scope) is then unknown.
    static func namesUndecided(_ excerpt: DirectoryExcerpt, _ filter: SyncFilter) -> Bool {
        guard case .usersByUser = filter else { return false }
        var count: [String: Int] = [:]
        for group in excerpt.groups { count[group.displayName.lowercasedKey, default: 0] += 1 }
        return excerpt.groups.contains { group in
            group.memberUserIDs.isEmpty && group.memberGroupIDs.isEmpty && count[group.displayName.lowercasedKey, default: 0] > 1
        }
    }

    /// Plans an excerpt for the focused objects, against the part of the store that can matter to
    /// them (``ExcerptGatherer/relevantContents(to:focus:)``): planning one user costs what the
    /// excerpt holds, not what the store holds. Staged deletion plans with the removals pending
    /// (``pendingRemovals(for:)``) at the clock's current time.
    func focusedPlan(
        _ excerpt: DirectoryExcerpt, focus: Set<String>, settings: SyncSettings, gatherer: inout ExcerptGatherer, pendingRemovals: [PendingRemoval] = []
    ) async throws -> FocusedPlan {
        let relevant = try await gatherer.relevantContents(to: excerpt, focus: focus)
        let plan = try configuration.planner.plan(
            SyncPlanRequest(
                sourceID: sourceID,
                directory: DirectorySnapshot(users: excerpt.users, groups: excerpt.groups, isComplete: excerpt.isComplete, statistics: excerpt.statistics),
                store: relevant, settings: settings, listsUnchanged: true, focus: focus, now: clock.now(), pendingRemovals: pendingRemovals))
        return FocusedPlan(excerpt: excerpt, users: [], groups: [], missing: [], focus: focus, plan: plan, store: relevant, isComplete: true)
    }
}

extension SourceSynchronizer {
    /// Synchronizes the users `key` names, now: reads them and what their fate depends on, plans
    /// for them alone and applies their own operations — create, adopt, update, disable or
    /// remove, and their memberships in groups the store already holds — under the store lock and
    /// the deletion guard. Change tracking is never committed.
    /// - Parameters:
    ///   - key: The user key (id, user principal name, email address or `DOMAIN\name`).
    ///   - settings: The source's filter and policies.
    ///   - earlierRemovals: What earlier on-demand runs removed since the last whole run; the
    ///     deletion guard counts them with this run's.
    ///   - planned: Receives the plan applied, before the deletion guard can stop it.
    ///   - fence: The run's claim on the source, or `nil`: checked before planning, and every write
    ///     passes it (as in a whole run).
    ///   - planned: Receives the plan applied, before the deletion guard can stop it.
    ///   - applied: Receives the executor's report.
    /// - Returns: What was read, planned and done (`committed` is always `false`).
    /// - Throws: Read and planning errors; ``SyncExecutionError/deletionGuardExceeded(_:)``;
    ///   ``SyncCoordinationError`` (`claimLost`).
    package func synchronize(
        user key: String, settings: SyncSettings, earlierRemovals: SyncPlan.Removals = SyncPlan.Removals(), fence: (any RunClaim)? = nil,
        planned: @Sendable (SyncPlan, ReadKind, ReadStatistics) -> Void,
        applied: @Sendable (SyncReport) -> Void
    ) async throws -> SyncRunResult {
        let gathered = try await focusedPlan(.user(key), settings: settings)
        // Lookups that stopped at their bounds decide nothing to apply (explain only warns).
        guard gathered.isComplete else { throw SyncPlanningError.incompleteRead }
        let targets = gathered.users.map(\.id) + gathered.missing
        let focus = gathered.focus
        let readKind = ReadKind.lookup(objects: gathered.excerpt.users.count)
        var statistics = gathered.excerpt.statistics
        statistics.filterPushedDown = false
        let (plan, report) = try await coordinator.withLock(.store) { () async throws -> (SyncPlan, SyncReport) in
            // Another replica may have taken the source over while this one looked the user up.
            try await fence?.check()
            // Planned again against the store as it is now, inside the lock.
            let contents = try await self.store.contents()
            var gatherer = ExcerptGatherer(source: self.sourceID, provider: self.provider) { [store = self.store] in
                try await store.identities($0)
            } whole: { contents }
            let pending = try await self.pendingRemovals(for: settings)
            let focused = try await self.focusedPlan(gathered.excerpt, focus: focus, settings: settings, gatherer: &gatherer, pendingRemovals: pending)
            let plan = focused.onDemandPlan(for: targets, guard: settings.deletionGuard, store: contents, earlier: earlierRemovals, pendingBefore: pending)
            planned(plan, readKind, statistics)
            if plan.guardVerdict.isWithinLimits || self.configuration.executor.allowExceedingDeletionGuard {
                try await self.remember(plan, previously: pending, settings: settings, fence: fence)
            }
            let report = try await SyncExecutor(configuration: self.configuration.executor, onEvent: self.onEvent).apply(plan, to: self.store, fence: fence)
            return (plan, report)
        }
        applied(report)
        return SyncRunResult(readKind: readKind, statistics: statistics, plan: plan, report: report, committed: false)
    }
}

extension FocusedPlan {
    /// The plan an on-demand run applies for the target users: their own operations, and their
    /// memberships in groups the store holds; what depends on other objects' operations is left
    /// to the next whole run (``SyncIssue/Code/waitsForFullSynchronization``). The deletion guard
    /// judges these removals, with those of the on-demand runs since the last whole run
    /// (`earlier`), against everything the source owns in `store` (the whole contents) and owned
    /// before those runs. Under staged deletion only the targets' own pending removals change
    /// (those of a target whose update waits for a whole run stay too): every other entry is kept
    /// as it was before (`pendingBefore`), since the run neither disables nor enables another
    /// user — one dated here would start a grace without a disable, and escape the guard when a
    /// whole run disables it.
    func onDemandPlan(
        for targets: [String], guard deletionGuard: DeletionGuard, store: IdentityStoreContents, earlier: SyncPlan.Removals, pendingBefore: [PendingRemoval]
    ) -> SyncPlan {
        var operations: [SyncOperation] = []
        var issues: [SyncIssue] = []
        var unchanged: [SyncPlan.UnchangedObject] = []
        // Counted without making the store's lists: a store's contents are its index.
        let owned = store.ownership(of: plan.sourceID)
        let ownedGroups = owned.groups
        // The targets whose own user operations are all applied here (none waits for a whole run).
        var settled: Set<String> = []
        for target in targets {
            let share = share(of: target, kind: .user)
            issues += share.issues
            unchanged += share.unchanged
            var waiting: [String] = []
            // What depends on other objects' operations in the same run: a deferred step (an
            // address another identity gives up first, a group created first) — and then every
            // step of the user's, so a swap is never left half done.
            let deferred: Set<SyncPhase> = [.deferredGroups, .deferredUsers, .deferredMemberships]
            let userWaits = share.operations.contains { deferred.contains($0.phase) && $0.action.externalID != nil }
            for operation in share.operations {
                switch operation.action {
                case .addMember(_, .existing(let group)), .removeMember(_, let group):
                    if !ownedGroups.contains(group) {
                        waiting.append("it joins '\(operation.group ?? "")', a manual group a whole run adopts first")
                        continue
                    }
                case .addMember(_, .created):
                    waiting.append("it joins '\(operation.group ?? "")', which the store does not hold yet")
                    continue
                default: break
                }
                if deferred.contains(operation.phase) || (userWaits && operation.action.externalID != nil) {
                    waiting.append("it takes an address or name another identity gives up in the same run")
                } else {
                    operations.append(operation)
                }
            }
            if !userWaits { settled.insert(target.lowercasedKey) }
            if !waiting.isEmpty {
                issues.append(SyncIssue(
                    severity: .warning, code: .waitsForFullSynchronization, objectKind: .user, externalID: target,
                    subject: share.operations.first?.subject ?? target,
                    detail: "Part of the change waits for the next whole synchronization: \(Array(Set(waiting)).sorted().joined(separator: "; "))."))
            }
        }
        let removedUsers = operations.count { [.removeUser, .disableUser].contains($0.action.kind) }
        let removedMemberships = operations.count { $0.action.kind == .removeMember }
        // Users removed earlier are gone from the store: what the source owned counts them back.
        let verdict = deletionGuard.verdict(
            removedUsers: removedUsers + earlier.users, ownedUsers: owned.users + earlier.removedUsers,
            removedGroups: 0, ownedGroups: owned.groups.count,
            removedMemberships: removedMemberships + earlier.memberships,
            ownedMemberships: owned.memberships + earlier.memberships)
        let own: (PendingRemoval) -> Bool = { $0.objectKind == .user && settled.contains($0.externalID.lowercasedKey) }
        let pending = (plan.pendingRemovals.filter(own) + pendingBefore.filter { !own($0) })
            .sorted { ($0.objectKind.rawValue, $0.identityID.rawValue) < ($1.objectKind.rawValue, $1.identityID.rawValue) }
        return SyncPlan(
            sourceID: plan.sourceID, operations: operations, issues: issues, unchangedUsers: unchanged.count, guardVerdict: verdict, unchanged: unchanged,
            pendingRemovals: pending)
    }
}
