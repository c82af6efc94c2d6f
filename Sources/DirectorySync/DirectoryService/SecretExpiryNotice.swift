import Foundation

/// The last secret-expiry lead time a ``DirectoryService`` announced for a source, and for which
/// expiry date: kept with the source so each lead time is announced once, across restarts, and
/// a new expiry date starts again.
///
/// JSON (in the saved source): `{"expiration": "2026-06-30T00:00:00Z", "days": 7}`; `days` is the
/// lead time (`0`: the expiry itself).
struct SecretExpiryNotice: Hashable, Codable, Sendable {
    /// The expiry date the notice was for.
    var expiration: Date
    /// The lead time announced last, in days (0 for "expired").
    var days: Int

    /// Whole days left until `expiration` at `now`: at least 1 while it has not passed (so half a
    /// day left is "1 day", never "expired"), 0 or fewer once it has.
    static func daysLeft(until expiration: Date, now: Date) -> Int {
        let days = Int((expiration.timeIntervalSince(now) / 86_400).rounded(.down))
        return expiration > now ? max(1, days) : min(0, days)
    }

    /// The lead time that `daysLeft` has reached — the smallest of `leadTimes` (and 0, the
    /// expiry) that is at least `daysLeft` — or `nil` when it is further away than all of them.
    static func leadTime(reachedAt daysLeft: Int, leadTimes: [Int]) -> Int? {
        (leadTimes.filter { $0 > 0 } + [0]).filter { daysLeft <= $0 }.min()
    }
}
