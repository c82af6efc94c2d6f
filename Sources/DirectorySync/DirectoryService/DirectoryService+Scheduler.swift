import Foundation

extension DirectoryService {
    /// When a source's next scheduled run is due (`nil` when off or manual only); for a
    /// quarantined source, its next attempt.
    func nextRun(of source: Source) -> Date? {
        guard source.state.isOn, source.state != .needsConfirmation else { return nil }
        if let quarantine = source.quarantine { return quarantine.nextAttempt }
        guard let from = source.scheduledFrom else { return nil }
        return configuration.scheduleCalculator.nextRun(of: source.schedule, after: from)
    }

    /// Runs every synchronization that is due now — once, however many runs were missed while the
    /// host was down — concurrently across sources; a quarantined source runs when its next
    /// attempt is due. A scheduled run that cannot even start (its secret is gone, the connector
    /// refuses the credentials) is recorded as a failed run, so it counts towards quarantine.
    /// First announces every secret-expiry lead time reached since the last check
    /// (`.warning(_, .secretExpiring(days:))`, once per lead time of the connector's
    /// ``DirectoryConnector/secretExpiryLeadTimes`` and expiry date, remembered in the saved
    /// sources; every run checks its own source too).
    ///
    /// However many replicas run the scheduler (``Configuration/coordinator``), each due run — a
    /// ``ScheduledSlot`` — runs once: the replica that claims it runs it
    /// (``SyncCoordinator/claimSlot(_:)``), the others skip it. A slot whose replica stopped before
    /// finishing it (``SyncCoordinator/abandonedSlots()``) is taken over and run again; the run
    /// repairs what the stopped one left half applied.
    ///
    /// A host without a process that stays up calls this from cron or a timer (`dirsync --state
    /// DIR run-due`): quarantined sources then back off as they do under ``startScheduler()``.
    /// - Returns: The records of the runs started.
    public func runDueSynchronizations() async -> [RunRecord] {
        // What other replicas ran and changed since the last pass.
        try? await refresh()
        await announceSecretExpiry()
        let now = clock.now()
        var due: [SourceID: [ScheduledSlot]] = [:]
        var skipped: Set<ScheduledSlot> = []
        for source in allSources() where runs[source.id] == nil {
            guard let next = nextRun(of: source), next <= now else { continue }
            let slot = ScheduledSlot(sourceID: source.id, due: next)
            // Another replica runs it (or ran it already), or the coordinator did not answer: the
            // scheduler looks again after a while (``skippedSlotPoll``), not at once.
            guard (try? await coordinator.claimSlot(slot)) == true else {
                skipped.insert(slot)
                continue
            }
            sources[source.id]?.scheduledFrom = now
            due[source.id, default: []].append(slot)
        }
        for slot in (try? await coordinator.abandonedSlots()) ?? [] where runs[slot.sourceID] == nil {
            guard (try? await coordinator.claimSlot(slot)) == true else { continue }
            if let source = sources[slot.sourceID], source.state.isOn {
                // Taken over: the schedule moves on from now, as for a slot claimed when due (the
                // stopped replica may never have saved it).
                if source.quarantine == nil, let next = nextRun(of: source), next <= now { sources[slot.sourceID]?.scheduledFrom = now }
                skipped.remove(ScheduledSlot(sourceID: slot.sourceID, due: nextRun(of: source) ?? slot.due))
                due[slot.sourceID, default: []].append(slot)
            } else {
                // Its source was turned off or removed since: nothing left to run.
                try? await coordinator.finishSlot(slot)
            }
        }
        skippedSlots = skipped
        guard !due.isEmpty else { return [] }
        try? await persist()
        return await withTaskGroup(of: RunRecord?.self) { group in
            for (id, slots) in due {
                group.addTask {
                    let record = await self.scheduledRun(id)
                    for slot in slots { try? await self.coordinator.finishSlot(slot) }
                    return record
                }
            }
            var records: [RunRecord] = []
            for await record in group { if let record { records.append(record) } }
            return records
        }
    }

    /// Starts running due synchronizations in the background until ``stopScheduler()``; it wakes
    /// at the next due run (at least once a minute, so schedule changes are noticed).
    public func startScheduler() {
        guard scheduler == nil else { return }
        scheduler = Task { [clock] in
            while !Task.isCancelled {
                _ = await self.runDueSynchronizations()
                let wait = self.secondsUntilNextRun()
                do { try await clock.sleep(for: .seconds(min(max(wait, 0.001), 60))) } catch { return }
            }
        }
    }

    /// Stops the background scheduler (running synchronizations finish).
    public func stopScheduler() async {
        scheduler?.cancel()
        if let scheduler { await scheduler.value }
        scheduler = nil
    }

    /// How long the scheduler waits before it looks again at a slot it skipped (another replica
    /// claimed it, or the coordinator did not answer): the slot stays due here until that
    /// replica's run saves the source's next run, which takes a while.
    static let skippedSlotPoll: Double = 10

    /// Seconds until the next due run; a slot skipped in the last pass counts as due only after
    /// ``skippedSlotPoll``.
    func secondsUntilNextRun() -> Double {
        let now = clock.now()
        return sources.values.compactMap { source -> Double? in
            guard let next = nextRun(of: source) else { return nil }
            if skippedSlots.contains(ScheduledSlot(sourceID: source.id, due: next)) { return max(next.timeIntervalSince(now), Self.skippedSlotPoll) }
            return next.timeIntervalSince(now)
        }.min() ?? 60
    }
}
