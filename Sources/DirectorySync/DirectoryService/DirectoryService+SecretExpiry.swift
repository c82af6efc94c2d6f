import Foundation

extension DirectoryService {
    /// Emits `.warning(id, .secretExpiring(days:))` for every source whose client secret reached
    /// a lead time of ``Configuration/secretExpiryEventDays`` (or expired) since it was last
    /// announced: once per lead time and expiry date — a check that finds several passed at once
    /// announces the nearest only — remembered in the saved sources, so a restart does not repeat
    /// it. A new expiry date starts again.
    func announceSecretExpiry() async {
        let now = clock.now()
        var announced = false
        for source in allSources() {
            guard let expiration = source.credentials?.secretExpiration else { continue }
            let days = SecretExpiryNotice.daysLeft(until: expiration, now: now)
            guard let lead = SecretExpiryNotice.leadTime(reachedAt: days, leadTimes: configuration.secretExpiryEventDays) else { continue }
            if let notice = source.secretExpiryNotice, notice.expiration == expiration, notice.days <= lead { continue }
            sources[source.id]?.secretExpiryNotice = SecretExpiryNotice(expiration: expiration, days: lead)
            hub.emit(.warning(source.id, .secretExpiring(days: days)))
            announced = true
        }
        // Remembered in memory at once; a save that fails only means a restart may say it again.
        if announced { try? await persist() }
    }
}
