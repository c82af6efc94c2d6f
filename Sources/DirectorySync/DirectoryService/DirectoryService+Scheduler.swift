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
    /// A host without a process that stays up calls this from cron or a timer (`dirsync --state
    /// DIR run-due`): quarantined sources then back off as they do under ``startScheduler()``.
    /// - Returns: The records of the runs started.
    public func runDueSynchronizations() async -> [RunRecord] {
        await announceSecretExpiry()
        let now = clock.now()
        var due: [SourceID] = []
        for source in sources.values where runs[source.id] == nil {
            guard let next = nextRun(of: source), next <= now else { continue }
            sources[source.id]?.scheduledFrom = now
            due.append(source.id)
        }
        guard !due.isEmpty else { return [] }
        try? await persist()
        return await withTaskGroup(of: RunRecord?.self) { group in
            for id in due { group.addTask { await self.scheduledRun(id) } }
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

    private func secondsUntilNextRun() -> Double {
        let now = clock.now()
        return sources.values.compactMap { nextRun(of: $0) }.map { $0.timeIntervalSince(now) }.min() ?? 60
    }
}
