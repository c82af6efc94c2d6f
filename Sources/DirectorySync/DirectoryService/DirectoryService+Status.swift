import Foundation

extension DirectoryService {
    /// What a host shows for a source: state, schedule, last whole run (on-demand runs for one user
    /// are in the history only), counts, warnings, next run, and — when quarantined — since when,
    /// why and the next attempt; under staged deletion, the removals pending.
    ///
    /// A pending-removals document that cannot be read does not hide the rest: the status is
    /// given without ``SourceStatus/pendingRemovals`` and with the warning
    /// ``SourceWarning/pendingRemovalsUnreadable(_:)`` naming the document (runs meanwhile stop
    /// before they plan, so nothing is lost).
    ///
    /// With several replicas, the status takes in what the others saved, and
    /// ``SourceStatus/runningOn`` names the replica running the source now (a coordinator that
    /// cannot be asked leaves it `nil`, never failing the status).
    /// - Throws: ``DirectoryServiceError``; ``SyncStateError`` when the history cannot be read.
    public func status(_ id: SourceID) async throws -> SourceStatus {
        try? await refresh()
        let source = try source(id)
        let runningOn = try? await coordinator.runHolder(of: id)
        // A run for one user on demand says nothing about the source as a whole.
        let history = try await history(id)
        let lastRun = history.last { $0.trigger != .onDemand }
        // The counts, though, are the store's as of the latest run of any kind.
        let latest = history.last
        var warnings: [SourceWarning] = []
        let now = clock.now()
        switch source.credentials?.secretExpiry(now: now, leadTimes: connector.secretExpiryLeadTimes) {
        case .expiresSoon(let days): warnings.append(.secretExpiring(days: days))
        case .expired(let since): warnings.append(.secretExpiring(days: SourceCredentials.daysLeft(until: since, now: now)))
        case .valid, .unknown, nil: break
        }
        if source.state == .needsConfirmation { warnings.append(.needsConfirmation) }
        if let lastRun {
            if case .failed(let message) = lastRun.outcome { warnings.append(.lastRunFailed(message)) }
            if case .partiallyFailed = lastRun.outcome { warnings.append(.lastRunFailed(Self.summary(of: lastRun))) }
            if let count = lastRun.summary.issues[.missingEmail], count > 0 { warnings.append(.usersWithoutEmail(count)) }
            if lastRun.summary.conflicts > 0 { warnings.append(.conflicts(lastRun.summary.conflicts)) }
        }
        var pending: SourceStatus.PendingRemovals?
        do {
            pending = try await pendingRemovals(of: source)
        } catch {
            warnings.append(.pendingRemovalsUnreadable(String(describing: error)))
        }
        return SourceStatus(
            source: source, type: connector.sourceType, lastRun: lastRun, usersSynchronized: latest?.usersSynchronized ?? 0,
            groupsSynchronized: latest?.groupsSynchronized ?? 0, warnings: warnings, nextRun: nextRun(of: source),
            quarantine: source.quarantine, consecutiveFailures: source.consecutiveFailures, pendingRemovals: pending, runningOn: runningOn)
    }
}
