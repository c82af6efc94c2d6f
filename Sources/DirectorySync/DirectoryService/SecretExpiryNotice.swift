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
}
