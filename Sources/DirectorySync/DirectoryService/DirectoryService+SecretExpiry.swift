import Foundation

extension DirectoryService {
    /// Announces every source's secret expiry that reached a lead time since it was last
    /// announced (``announceSecretExpiry(of:now:)``), and saves what was announced.
    func announceSecretExpiry() async {
        let now = clock.now()
        var announced = false
        for source in allSources() where announceSecretExpiry(of: source.id, now: now) { announced = true }
        // Remembered in memory at once; a save that fails only means a restart may say it again.
        if announced { try? await persist() }
    }

    /// Emits `.warning(id, .secretExpiring(days:))` when the source's client secret reached a lead
    /// time of the connector's ``DirectoryConnector/secretExpiryLeadTimes`` (or expired) since it
    /// was last announced: once per lead time and expiry date — a check that finds several passed
    /// at once announces the nearest only — remembered with the source (the caller saves it), so a
    /// restart does not repeat it. A new expiry date starts again. Days are counted as
    /// ``SourceCredentials/secretExpiry(now:leadTimes:)`` counts them.
    /// - Returns: Whether it announced anything.
    func announceSecretExpiry(of id: SourceID, now: Date) -> Bool {
        guard let source = sources[id], let expiration = source.credentials?.secretExpiration else { return false }
        let days = SourceCredentials.daysLeft(until: expiration, now: now)
        guard let lead = SourceCredentials.leadTime(reachedAt: days, leadTimes: connector.secretExpiryLeadTimes) else { return false }
        if let notice = source.secretExpiryNotice, notice.expiration == expiration, notice.days <= lead { return false }
        sources[id]?.secretExpiryNotice = SecretExpiryNotice(expiration: expiration, days: lead)
        hub.emit(.warning(id, .secretExpiring(days: days)))
        return true
    }
}
