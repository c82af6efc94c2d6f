import DirectorySync
import Foundation

/// What an administrator keeps for an Entra ID source: the tenant (its primary domain or its id),
/// the application (client) id, the client secret *value*, and optionally the secret's expiry.
public struct EntraCredentials: Hashable, Sendable, CustomStringConvertible {
    /// The tenant's domain (`contoso.com`) or id (a GUID).
    public var tenant: String
    /// The application (client) id.
    public var clientID: String
    /// The client secret's value (never printed).
    public var clientSecret: Secret
    /// When the client secret expires, if known.
    public var secretExpiration: Date?

    /// Creates credentials.
    /// - Parameters:
    ///   - tenant: The tenant's domain or id.
    ///   - clientID: The application (client) id.
    ///   - clientSecret: The client secret's value.
    ///   - secretExpiration: When the secret expires.
    public init(tenant: String, clientID: String, clientSecret: Secret, secretExpiration: Date? = nil) {
        self.tenant = tenant
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.secretExpiration = secretExpiration
    }

    /// The tenant, client id and expiry; the secret shows as `«redacted»`.
    public var description: String {
        "EntraCredentials(tenant: \(tenant), clientID: \(clientID), clientSecret: \(clientSecret), secretExpiration: \(secretExpiration.map { $0.formatted(.iso8601) } ?? "unknown"))"
    }

    /// How close the client secret is to expiring.
    public enum SecretExpiry: Hashable, Sendable {
        /// No expiry date is known.
        case unknown
        /// Far enough away.
        case valid(daysLeft: Int)
        /// Within one of the lead times: warn the administrator.
        case expiresSoon(daysLeft: Int)
        /// Already expired: the connection test fails before calling Entra.
        case expired(since: Date)
    }

    /// The secret's expiry status.
    /// - Parameters:
    ///   - now: The current instant, from the host's clock.
    ///   - leadTimes: Days before expiry at which to warn (default 30 and 7).
    /// - Returns: The status.
    public func secretExpiry(now: Date, leadTimes: [Int] = [30, 7]) -> SecretExpiry {
        guard let expiration = secretExpiration else { return .unknown }
        if expiration <= now { return .expired(since: expiration) }
        let days = Int((expiration.timeIntervalSince(now) / 86_400).rounded(.down))
        return days < (leadTimes.max() ?? 0) ? .expiresSoon(daysLeft: days) : .valid(daysLeft: days)
    }

    /// Checks the shape of the input before any request: a tenant that is a DNS name or a GUID
    /// (nothing that could change the request's path), a GUID client id, a non-empty secret.
    /// - Throws: ``EntraError`` with code `invalidInput`.
    public func validate() throws(EntraError) {
        let tenant = tenant.trimmingCharacters(in: .whitespaces)
        guard Self.isGUID(tenant) || Self.isDomain(tenant) else {
            throw EntraError(.invalidInput, detail: "the tenant '\(tenant)' is neither a domain name (such as contoso.com) nor a tenant id (a GUID)")
        }
        guard Self.isGUID(clientID) else {
            throw EntraError(.invalidInput, detail: "the client id '\(clientID)' is not an application id (a GUID such as 11111111-2222-3333-4444-555555555555)")
        }
        guard !clientSecret.isEmpty else { throw EntraError(.invalidInput, detail: "the client secret is empty") }
    }

    static func isGUID(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        return parts.map(\.count) == [8, 4, 4, 4, 12] && parts.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }

    static func isDomain(_ text: String) -> Bool {
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, text.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        } && labels.last!.allSatisfy(\.isLetter)
    }
}
