import Foundation

extension DirectoryService {
    /// Synchronizes a source that is on. A request while a run of the same source is going joins
    /// it (both get the same record): a source never synchronizes twice at once — except a forced
    /// full read, which waits for the running one and then reads everything in a run of its own.
    ///
    /// Across replicas (``Configuration/coordinator``) the same holds: the run claims the source
    /// first, and a run another replica holds is waited for and its record returned from the
    /// history (``RunHolder``); when that replica stopped before saving it, this one runs.
    /// - Parameters:
    ///   - id: The source.
    ///   - trigger: What asks for the run.
    ///   - forceFullRead: Read every user and group even when only the changes could be read (the
    ///     record's read kind is then `full` with reason `requested`); change tracking starts again
    ///     from this read.
    /// - Returns: The run's record (also kept in the history), whatever its outcome.
    /// - Throws: ``DirectoryServiceError`` when the source is off, unknown, or has no secret.
    public func synchronize(_ id: SourceID, trigger: SyncTrigger = .manual, forceFullRead: Bool = false) async throws -> RunRecord {
        // What other replicas changed (turned off, filter) counts for this run.
        try? await refresh()
        while true {
            // A run for one user on demand is waited for, never joined.
            await waitForOnDemandRun(id)
            let source = try source(id)
            guard !stopping.contains(id) else { throw DirectoryServiceError(.sourceIsOff, "'\(source.name)' is being turned off", fix: "Turn it on again to synchronize.") }
            if let running = runs[id] {
                requestsWaitingForRun[id, default: 0] += 1
                let record = await running.value
                requestsWaitingForRun[id, default: 1] -= 1
                // A forced full read never joins a run that may read only the changes.
                if forceFullRead { continue }
                return record
            }
            guard source.state.isOn else {
                throw DirectoryServiceError(.sourceIsOff, "'\(source.name)' is off", fix: "Turn it on to synchronize (or make a preview).")
            }
            let synchronizer = try await synchronizer(for: source)
            // A run may have started while the synchronizer was made: join it (or wait) instead.
            guard runs[id] == nil else { continue }
            guard let current = sources[id], current.state.isOn, !stopping.contains(id) else {
                throw DirectoryServiceError(.sourceIsOff, "'\(source.name)' was turned off", fix: "Turn it on again to synchronize.")
            }
            // An administrator's run (not a scheduled attempt) releases a quarantine: it tries now,
            // and counts failures afresh (saved with the run's outcome).
            if trigger != .scheduled, current.quarantine != nil { release(id) }
            // From here to the registration nothing waits: the run gets the settings and
            // credentials as they are now (a change made while it got ready is not lost).
            let settings = current.settings
            let signedIn = CredentialsInUse(current)
            // The task starts on this actor only after this method suspends, so it is registered
            // first; it unregisters itself once its record is saved (a request until then joins it).
            let task = Task {
                await self.coordinatedRun(id, trigger: trigger, signedIn: signedIn, joining: !forceFullRead) { fence, current, planned, applied in
                    // After waiting for another replica's run: the settings and credentials as they are now.
                    let synchronizer = if let current { try await self.synchronizer(for: current) } else { synchronizer }
                    return try await synchronizer.synchronize(
                        settings: current?.settings ?? settings, forceFullRead: forceFullRead, allowExceedingDeletionGuard: trigger == .confirmation,
                        fence: fence, planned: planned, applied: applied)
                }
            }
            runs[id] = task
            return await task.value
        }
    }

    /// A scheduled run. One that cannot start although the source is on — no secret, a secret
    /// store that fails, credentials the connector refuses — is recorded as a failed run (history,
    /// events, quarantine) instead of vanishing: nobody is there to see the error.
    func scheduledRun(_ id: SourceID) async -> RunRecord? {
        do {
            return try await synchronize(id, trigger: .scheduled)
        } catch let error as DirectoryServiceError where error.code == .sourceIsOff || error.code == .unknownSource {
            return nil
        } catch {
            guard runs[id] == nil, let source = sources[id], source.state.isOn, !stopping.contains(id) else { return nil }
            let signedIn = CredentialsInUse(source)
            let task = Task { await self.coordinatedRun(id, trigger: .scheduled, signedIn: signedIn, joining: true) { _, _, _, _ in throw error } }
            runs[id] = task
            return await task.value
        }
    }

    /// Synchronizes one user now, without waiting for the schedule: reads the user and what its
    /// fate depends on (a few lookups, never a whole read), and applies that user's operations —
    /// create, adopt, update, disable or remove, and its memberships in groups the store already
    /// holds — under the same rules, store lock and deletion guard as a whole run. The run is
    /// recorded with trigger ``SyncTrigger/onDemand`` and its report; change tracking is never
    /// committed, so the next scheduled run reads what it would have read anyway. What depends on
    /// other objects' changes waits for the next whole run (`waitsForFullSynchronization`).
    ///
    /// A whole run of the source that is going is waited for first; requests made meanwhile wait
    /// for this one.
    ///
    /// ```swift
    /// let record = try await service.synchronize("contoso", user: "adele@contoso.com")
    /// let report = try await service.report("contoso", run: record.id)
    /// ```
    /// - Parameters:
    ///   - id: The source (on).
    ///   - key: The user's object id, user principal name, email address or alias, or `DOMAIN\name`.
    /// - Returns: The run's record (also kept in the history), whatever its outcome.
    /// - Throws: ``DirectoryServiceError`` when the source is off or unknown, the credentials are
    ///   untested, or the key is empty.
    public func synchronize(_ id: SourceID, user key: String) async throws -> RunRecord {
        try? await refresh()
        _ = try source(id)
        let key = try Self.lookupKey(key, kind: "user")
        while true {
            let source = try source(id)
            try Self.allowsOnDemand(source, stopping: stopping.contains(id))
            let synchronizer = try await synchronizer(for: source)
            if let running = runs[id] {
                _ = await running.value
                continue
            }
            // Everything may have changed while the synchronizer was made or a run was waited for.
            guard let current = sources[id] else { throw DirectoryServiceError(.unknownSource, "The source was removed", fix: "List the sources.") }
            try Self.allowsOnDemand(current, stopping: stopping.contains(id))
            // From here to the registration nothing waits: no other run can start in between.
            let settings = current.settings
            let signedIn = CredentialsInUse(current)
            onDemandRuns.insert(id)
            let task = Task {
                // A run another replica makes is waited for, never joined.
                await self.coordinatedRun(id, trigger: .onDemand, signedIn: signedIn, joining: false) { fence, current, planned, applied in
                    if let current { try Self.allowsOnDemand(current, stopping: false) }
                    // After waiting for another replica's run: the settings and credentials as they are now.
                    let synchronizer = if let current { try await self.synchronizer(for: current) } else { synchronizer }
                    // The guard judges this run's removals together with those the on-demand runs
                    // since the last whole run made: one user at a time must not get around it.
                    // Read once the run holds the source, so no run ends (or starts) meanwhile.
                    let earlier = try await self.onDemandRemovals(id)
                    return try await synchronizer.synchronize(
                        user: key, settings: current?.settings ?? settings, earlierRemovals: earlier, fence: fence, planned: planned, applied: applied)
                }
            }
            runs[id] = task
            return await task.value
        }
    }

    /// The removals of the on-demand runs since the last whole run (those that applied anything).
    private func onDemandRemovals(_ id: SourceID) async throws -> SyncPlan.Removals {
        try await history(id).reversed().prefix { $0.trigger == .onDemand }.reduce(into: SyncPlan.Removals()) { sum, record in
            switch record.outcome {
            case .succeeded, .partiallyFailed, .cancelled: sum.add(record.summary)
            case .needsConfirmation, .failed: break
            }
        }
    }

    /// Whether the source may synchronize a user on demand: it is on, not being turned off, and
    /// not waiting for removals to be confirmed (one user at a time must not get around the
    /// deletion guard that held a whole run).
    private static func allowsOnDemand(_ source: Source, stopping: Bool) throws(DirectoryServiceError) {
        guard source.state.isOn, !stopping else {
            throw DirectoryServiceError(.sourceIsOff, "'\(source.name)' is off", fix: "Turn it on to synchronize a user on demand (or explain the user).")
        }
        guard source.state != .needsConfirmation else {
            throw DirectoryServiceError(
                .needsConfirmation, "'\(source.name)' waits for the removals its last run planned to be confirmed",
                fix: "Review them (history --run last) and confirm them, or correct the filter; then synchronize users on demand.")
        }
    }

    /// Waits while the source synchronizes a user on demand.
    private func waitForOnDemandRun(_ id: SourceID) async {
        while onDemandRuns.contains(id), let running = runs[id] { _ = await running.value }
    }

    /// Applies the plan the deletion guard stopped (the removals were reviewed and are wanted).
    /// - Returns: The run's record.
    /// - Throws: ``DirectoryServiceError``.
    public func confirmRemovals(_ id: SourceID) async throws -> RunRecord {
        try await synchronize(id, trigger: .confirmation)
    }

    /// What a run does once it holds its source: reads, plans and applies, every write fenced by
    /// the claim, handing out what it planned and applied. `current` is the source as it is when
    /// the claim was taken after waiting for another replica's run (its settings and credentials
    /// may have changed meanwhile), `nil` when the run claimed at once.
    typealias ClaimedRun = (
        _ fence: any RunClaim, _ current: Source?, _ planned: @escaping @Sendable (SyncPlan, ReadKind, ReadStatistics) -> Void,
        _ applied: @escaping @Sendable (SyncReport) -> Void
    ) async throws -> SyncRunResult

    /// A run of the source once this replica holds it (``SyncCoordinator/claimRun(of:runID:)``).
    /// A run another replica holds is waited for; a whole run that may join it (`joining`) then
    /// returns its record from the history — unless it was a run for one user on demand. Otherwise,
    /// or when that replica stopped before saving its record, this one claims the source again.
    /// A coordinator that fails ends the run as failed, without a record in the history and
    /// without counting towards quarantine: the source did not fail, the coordination did.
    private func coordinatedRun(_ id: SourceID, trigger: SyncTrigger, signedIn: CredentialsInUse, joining: Bool, run: @escaping ClaimedRun) async -> RunRecord {
        var signedIn = signedIn
        var current: Source?
        while true {
            let runID = UUID().uuidString
            let outcome: RunClaimOutcome
            do {
                outcome = try await coordinator.claimRun(of: id, runID: runID)
            } catch {
                return coordinationFailed(id, runID: runID, trigger: trigger, error)
            }
            switch outcome {
            case .claimed(let claim):
                return await execute(id, runID: runID, trigger: trigger, signedIn: signedIn, claim: claim) { [current] planned, applied in
                    try await run(claim, current, planned, applied)
                }
            case .heldBy(let holder):
                do {
                    try await coordinator.waitForRelease(of: id, holder)
                } catch is CancellationError {
                    return endWaiting(id, with: unsavedRecord(id, runID: runID, trigger: trigger, outcome: .cancelled))
                } catch {
                    return coordinationFailed(id, runID: runID, trigger: trigger, error)
                }
                try? await refresh()
                if joining, let record = try? await state.load([RunRecord].self, for: .history(id))?.last(where: { $0.id == holder.runID }),
                    record.trigger != .onDemand
                {
                    return endWaiting(id, with: record)
                }
                // Turned off or removed meanwhile (here or elsewhere), or cancelled: nothing runs.
                guard !Task.isCancelled, let source = sources[id], source.state.isOn, !stopping.contains(id) else {
                    return endWaiting(id, with: unsavedRecord(id, runID: runID, trigger: trigger, outcome: .cancelled))
                }
                // The next claim runs with the source as it is now.
                current = source
                signedIn = CredentialsInUse(source)
            }
        }
    }

    /// Ends a run the coordinator failed (it could not claim the source or wait for another
    /// replica's run): a failed record kept nowhere — no claim, so no write — and a warning.
    private func coordinationFailed(_ id: SourceID, runID: String, trigger: SyncTrigger, _ error: any Error) -> RunRecord {
        let record = unsavedRecord(id, runID: runID, trigger: trigger, outcome: .failed(String(describing: error)))
        hub.emit(.warning(id, .lastRunFailed(Self.summary(of: record))))
        return endWaiting(id, with: record)
    }

    /// Ends a run that waited for another replica's instead of running: the source is free here again.
    private func endWaiting(_ id: SourceID, with record: RunRecord) -> RunRecord {
        runs[id] = nil
        onDemandRuns.remove(id)
        return record
    }

    /// The record of a run that never started here and is kept nowhere.
    private func unsavedRecord(_ id: SourceID, runID: String, trigger: SyncTrigger, outcome: RunRecord.Outcome) -> RunRecord {
        let now = clock.now()
        return RunRecord(id: runID, sourceID: id, trigger: trigger, startedAt: now, endedAt: now, outcome: outcome)
    }

    /// One synchronization of any kind: `run` reads, plans and applies, handing out what it
    /// planned and applied; the record, report and history are kept whatever happens — unless
    /// the run lost its claim (`claim`): another replica then runs the source, and this run writes
    /// nothing more.
    private func execute(
        _ id: SourceID, runID: String, trigger: SyncTrigger, signedIn: CredentialsInUse, claim: (any RunClaim)?,
        run: (_ planned: @escaping @Sendable (SyncPlan, ReadKind, ReadStatistics) -> Void, _ applied: @escaping @Sendable (SyncReport) -> Void) async throws -> SyncRunResult
    ) async -> RunRecord {
        let before = sources[id]?.state ?? .on
        setState(id, .synchronizing)
        hub.emit(.runStarted(id, trigger))
        let started = clock.now()
        var record = RunRecord(id: runID, sourceID: id, trigger: trigger, startedAt: started, endedAt: started, outcome: .succeeded)
        let planned = Locked<SyncPlan?>(nil)
        // How the directory was read, known once planned: kept when the guard or a failed commit ends the run.
        let read = Locked<(kind: ReadKind, statistics: ReadStatistics)?>(nil)
        let applied = Locked<SyncReport?>(nil)
        var failure: RunFailure?
        var claimLost = false
        var coordinationFailed = false
        // The report's planned records are written while the plan is applied.
        let reportWriter = RunReportWriter(shelf: RunReportShelf(state: state, sourceID: id, retention: configuration.reports), run: record.id)
        do {
            let result = try await run(
                { plan, kind, statistics in
                    planned.withLock { $0 = plan }
                    read.withLock { $0 = (kind, statistics) }
                    reportWriter.planned(plan)
                }, { report in applied.withLock { $0 = report } })
            read.withLock { $0 = (result.readKind, result.statistics) }
            record.outcome = result.report.wasCancelled ? .cancelled : result.report.isSuccess ? .succeeded : .partiallyFailed
        } catch let error as SyncExecutionError where error.code == .deletionGuardExceeded {
            record.outcome = .needsConfirmation(error.violations.map(\.description))
        } catch is CancellationError {
            record.outcome = .cancelled
        } catch let error as SyncCoordinationError where error.code == .claimLost {
            record.outcome = .failed(String(describing: error))
            claimLost = true
        } catch let error as SyncCoordinationError {
            // The coordinator did not answer: no failure of the source's (never towards quarantine).
            record.outcome = .failed(String(describing: error))
            coordinationFailed = true
        } catch {
            record.outcome = .failed(String(describing: error))
            failure = RunFailure(error)
        }
        if let claim, claimLost || !claim.isHeld {
            record.endedAt = clock.now()
            if !claimLost { record.outcome = .failed(String(describing: SyncCoordinationError.claimLost(id, replica: claim.holder.replica))) }
            return await abandon(record, before: before)
        }
        if let contents = try? await store.contents() {
            let owned = contents.ownership(of: id)
            (record.usersSynchronized, record.groupsSynchronized) = (owned.users, owned.groups.count)
        }
        // The count is a long read: a claim lost meanwhile writes nothing more.
        if let lost = lostClaim(claim, of: id) { return await abandon(record, before: before, lost: lost) }
        record.endedAt = clock.now()
        // From what was read, planned and applied, whatever came after (the guard, a failed commit).
        if let read = read.withLock({ $0 }) {
            record.readKind = read.kind
            record.requests = read.statistics.requests
        }
        let plan = planned.withLock { $0 }
        let report = applied.withLock { $0 }
        if let plan { record.summary = plan.summary }
        if let report {
            record.succeeded = report.succeeded
            record.failed = report.failed.count
        }
        do {
            let heldBack = if case .needsConfirmation = record.outcome { true } else { false }
            try await reportWriter.finish(plan: plan, outcomes: report?.results.outcomes, heldBack: heldBack)
        } catch {
            // A report that cannot be saved is a warning, never a failed run.
            hub.emit(.warning(id, .reportNotSaved(String(describing: error))))
        }
        // Another replica may have turned the source off (or changed it) while it ran.
        try? await refresh()
        if let lost = lostClaim(claim, of: id) { return await abandon(record, before: before, lost: lost) }
        await finish(
            record, before: before, restoring: trigger == .onDemand ? before : nil, failure: failure, signedIn: signedIn, claim: claim,
            coordinationFailed: coordinationFailed)
        return record
    }

    /// The record's failure when the run's claim is no longer held (known locally), else `nil`.
    private func lostClaim(_ claim: (any RunClaim)?, of id: SourceID) -> RunRecord.Outcome? {
        guard let claim, !claim.isHeld else { return nil }
        return .failed(String(describing: SyncCoordinationError.claimLost(id, replica: claim.holder.replica)))
    }

    /// Ends a run that lost its claim: another replica runs the source now (or the next run does),
    /// so this one writes nothing more — no history, report, preview removal or sources — and the
    /// source here goes back to the state it had before the run, then takes in what is saved.
    private func abandon(_ record: RunRecord, before: SourceState, lost: RunRecord.Outcome? = nil) async -> RunRecord {
        var record = record
        if let lost { record.outcome = lost }
        let id = record.sourceID
        if sources[id]?.state == .synchronizing { setState(id, before == .synchronizing ? .on : before) }
        try? await refresh()
        runs[id] = nil
        onDemandRuns.remove(id)
        turnedOffElsewhere.remove(id)
        hub.emit(.runFinished(id, record))
        return record
    }

    /// Keeps the record and sets the source's state from its outcome — or back to `restoring`
    /// (on-demand runs: one user's run says nothing about the source as a whole; a quarantine
    /// released while it ran is not restored). A whole run that failed counts towards quarantine
    /// (``recordFailure(_:_:at:)``) — unless the credentials it signed in with (`signedIn`) were
    /// replaced while it ran: its failure says nothing about the new ones — or the coordinator
    /// failed it (`coordinationFailed`): the source did not fail. One that read and planned ends it.
    private func finish(
        _ record: RunRecord, before: SourceState, restoring: SourceState?, failure: RunFailure?, signedIn: CredentialsInUse, claim: (any RunClaim)?,
        coordinationFailed: Bool
    ) async {
        let id = record.sourceID
        // What the run's end changes here (state, quarantine), to be undone when its claim is lost
        // before it is saved: that standing is the run's, and the run no longer counts.
        let standing = sources[id]
        // What this end makes (a quarantine, a release, more conflicts) goes out with the record.
        notifications.runEnding(id)
        // Turned off on another replica while it ran: off wins over the run's end.
        let offElsewhere = turnedOffElsewhere.remove(id) != nil
        if stopping.contains(id) || sources[id] == nil || offElsewhere {
            setState(id, .off)
        } else if let restoring {
            let quarantined = sources[id]?.quarantine != nil
            setState(id, restoring == .synchronizing || (restoring == .quarantined && !quarantined) ? .on : restoring)
            if case .failed = record.outcome { hub.emit(.warning(id, .lastRunFailed(Self.summary(of: record)))) }
        } else {
            switch record.outcome {
            case .succeeded:
                setState(id, .on)
                release(id)
            case .needsConfirmation:
                release(id)
                setState(id, .needsConfirmation)
                hub.emit(.warning(id, .needsConfirmation))
            case .cancelled: setState(id, sources[id]?.quarantine == nil ? .on : .quarantined)
            case .partiallyFailed:
                // The directory was read and the plan applied in part: the source works.
                release(id)
                setState(id, .error)
                hub.emit(.warning(id, .lastRunFailed(Self.summary(of: record))))
            case .failed(let message):
                if let source = sources[id], CredentialsInUse(source) != signedIn || coordinationFailed {
                    setState(id, source.quarantine == nil ? .error : .quarantined)
                } else {
                    setState(id, recordFailure(id, failure ?? RunFailure(message: message, errorCode: nil, isLasting: false), at: record.endedAt))
                }
                hub.emit(.warning(id, .lastRunFailed(Self.summary(of: record))))
            }
        }
        // Every run checks the secret's expiry too: a host that only synchronizes (a `sync` from
        // cron) hears of it all the same (saved with the source below).
        if sources[id] != nil { _ = announceSecretExpiry(of: id, now: record.endedAt) }
        // A preview is valid until the next synchronization. Every write from here is fenced by the
        // run's claim: a replica that lost it writes nothing more.
        do {
            try await state.setData([(key: .preview(id), data: nil)], fencedBy: claim)
            // A history that cannot be read is never replaced: the runs it holds would be lost.
            // Saved on the condition that the claim is held: a replica that lost it never drops
            // the record of the one that took over.
            do {
                var history = try await state.load([RunRecord].self, for: .history(id)) ?? []
                if restoring == nil, let rise = Self.conflictsIncrease(record, after: history) { hub.emit(.warning(id, rise)) }
                history.append(record)
                if history.count > configuration.historyLimit { history.removeFirst(history.count - configuration.historyLimit) }
                try await state.save([(key: .history(id), value: history)], fencedBy: claim)
            } catch let error as SyncCoordinationError where error.code == .claimLost {
                throw error
            } catch {
                hub.emit(.warning(id, .historyNotSaved(String(describing: error))))
            }
            if let claim, !claim.isHeld { throw SyncCoordinationError.claimLost(id, replica: claim.holder.replica) }
        } catch {
            // Lost: the run's end is undone here (state, quarantine, failures), and the saved
            // sources taken in.
            if let standing, let current = sources[id], current.state != standing.state { setState(id, standing.state) }
            if let standing, sources[id] != nil { sources[id] = standing }
            _ = await abandon(record, before: before, lost: lostClaim(claim, of: id) ?? .failed(String(describing: error)))
            return
        }
        if sources[id] != nil { try? await persist() }
        // Released once the record is saved: a replica that waited for the run finds it.
        await claim?.release()
        runs[id] = nil
        onDemandRuns.remove(id)
        hub.emit(.runFinished(id, record))
    }

    /// What a run signs in with: the credentials and the key of their secret (a rotation changes
    /// the key, an edit the credentials).
    private struct CredentialsInUse: Equatable {
        var credentials: SourceCredentials?
        var secretKey: SecretKey

        init(_ source: Source) {
            credentials = source.credentials
            secretKey = source.secretKey
        }
    }

    /// `conflictsIncreased` when a whole run that planned reports more conflicts than the last
    /// whole run before it that planned (runs that failed or were cancelled planned nothing to compare).
    static func conflictsIncrease(_ record: RunRecord, after history: [RunRecord]) -> SourceWarning? {
        func planned(_ run: RunRecord) -> Bool {
            guard run.trigger != .onDemand else { return false }
            return switch run.outcome {
            case .succeeded, .partiallyFailed, .needsConfirmation: true
            case .failed, .cancelled: false
            }
        }
        guard planned(record), let previous = history.last(where: planned), record.summary.conflicts > previous.summary.conflicts else { return nil }
        return .conflictsIncreased(from: previous.summary.conflicts, to: record.summary.conflicts)
    }

    static func summary(of record: RunRecord) -> String {
        switch record.outcome {
        case .failed(let message): message
        case .partiallyFailed: "\(record.failed) operation\(record.failed == 1 ? "" : "s") failed; the next run retries them"
        default: "\(record.outcome)"
        }
    }

    /// The source's runs, oldest first (at most ``Configuration/historyLimit``).
    /// - Throws: ``DirectoryServiceError``; ``SyncStateError``.
    public func history(_ id: SourceID) async throws -> [RunRecord] {
        _ = try await knownSource(id)
        return try await state.load([RunRecord].self, for: .history(id)) ?? []
    }
}
