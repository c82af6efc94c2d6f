import Foundation

extension DirectoryService {
    /// Synchronizes a source that is on. A request while a run of the same source is going joins
    /// it (both get the same record): a source never synchronizes twice at once — except a forced
    /// full read, which waits for the running one and then reads everything in a run of its own.
    /// - Parameters:
    ///   - id: The source.
    ///   - trigger: What asks for the run.
    ///   - forceFullRead: Read every user and group even when only the changes could be read (the
    ///     record's read kind is then `full` with reason `requested`); change tracking starts again
    ///     from this read.
    /// - Returns: The run's record (also kept in the history), whatever its outcome.
    /// - Throws: ``DirectoryServiceError`` when the source is off, unknown, or has no secret.
    public func synchronize(_ id: SourceID, trigger: SyncTrigger = .manual, forceFullRead: Bool = false) async throws -> RunRecord {
        while true {
            // A run for one user on demand is waited for, never joined.
            await waitForOnDemandRun(id)
            let source = try source(id)
            guard !stopping.contains(id) else { throw DirectoryServiceError(.sourceIsOff, "'\(source.name)' is being turned off", fix: "Turn it on again to synchronize.") }
            if let running = runs[id] {
                let record = await running.value
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
                await self.execute(id, trigger: trigger, signedIn: signedIn) { planned, applied in
                    try await synchronizer.synchronize(
                        settings: settings, forceFullRead: forceFullRead, allowExceedingDeletionGuard: trigger == .confirmation, planned: planned,
                        applied: applied)
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
            let task = Task { await self.execute(id, trigger: .scheduled, signedIn: signedIn) { _, _ in throw error } }
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
                await self.execute(id, trigger: .onDemand, signedIn: signedIn) { planned, applied in
                    // The guard judges this run's removals together with those the on-demand runs
                    // since the last whole run made: one user at a time must not get around it.
                    // Read once the run is registered, so no run ends (or starts) meanwhile.
                    let earlier = try await self.onDemandRemovals(id)
                    return try await synchronizer.synchronize(user: key, settings: settings, earlierRemovals: earlier, planned: planned, applied: applied)
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

    /// One synchronization of any kind: `run` reads, plans and applies, handing out what it
    /// planned and applied; the record, report and history are kept whatever happens.
    private func execute(
        _ id: SourceID, trigger: SyncTrigger, signedIn: CredentialsInUse,
        run: (_ planned: @escaping @Sendable (SyncPlan, ReadKind, ReadStatistics) -> Void, _ applied: @escaping @Sendable (SyncReport) -> Void) async throws -> SyncRunResult
    ) async -> RunRecord {
        let before = sources[id]?.state ?? .on
        setState(id, .synchronizing)
        hub.emit(.runStarted(id, trigger))
        let started = clock.now()
        var record = RunRecord(id: UUID().uuidString, sourceID: id, trigger: trigger, startedAt: started, endedAt: started, outcome: .succeeded)
        let planned = Locked<SyncPlan?>(nil)
        // How the directory was read, known once planned: kept when the guard or a failed commit ends the run.
        let read = Locked<(kind: ReadKind, statistics: ReadStatistics)?>(nil)
        let applied = Locked<SyncReport?>(nil)
        var failure: RunFailure?
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
        } catch {
            record.outcome = .failed(String(describing: error))
            failure = RunFailure(error)
        }
        if let contents = try? await store.contents() {
            let origin: (IdentityOrigin) -> Bool = { $0.sourceID == id }
            record.usersSynchronized = contents.users.count { origin($0.origin) }
            record.groupsSynchronized = contents.groups.count { origin($0.origin) }
        }
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
        await finish(record, restoring: trigger == .onDemand ? before : nil, failure: failure, signedIn: signedIn)
        return record
    }

    /// Keeps the record and sets the source's state from its outcome — or back to `restoring`
    /// (on-demand runs: one user's run says nothing about the source as a whole; a quarantine
    /// released while it ran is not restored). A whole run that failed counts towards quarantine
    /// (``recordFailure(_:_:at:)``) — unless the credentials it signed in with (`signedIn`) were
    /// replaced while it ran: its failure says nothing about the new ones. One that read and
    /// planned ends it.
    private func finish(_ record: RunRecord, restoring: SourceState?, failure: RunFailure?, signedIn: CredentialsInUse) async {
        let id = record.sourceID
        // What this end makes (a quarantine, a release, more conflicts) goes out with the record.
        notifications.runEnding(id)
        if stopping.contains(id) || sources[id] == nil {
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
                if let source = sources[id], CredentialsInUse(source) != signedIn {
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
        // A preview is valid until the next synchronization.
        try? await state.remove(.preview(id))
        // A history that cannot be read is never replaced: the runs it holds would be lost.
        do {
            var history = try await state.load([RunRecord].self, for: .history(id)) ?? []
            if restoring == nil, let rise = Self.conflictsIncrease(record, after: history) { hub.emit(.warning(id, rise)) }
            history.append(record)
            if history.count > configuration.historyLimit { history.removeFirst(history.count - configuration.historyLimit) }
            try await state.save(history, for: .history(id))
        } catch {
            hub.emit(.warning(id, .historyNotSaved(String(describing: error))))
        }
        if sources[id] != nil { try? await persist() }
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
        _ = try source(id)
        return try await state.load([RunRecord].self, for: .history(id)) ?? []
    }
}
