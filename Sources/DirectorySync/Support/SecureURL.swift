import Foundation

/// The package's one rule for the URLs it sends credentials or data to: `https` anywhere, plain
/// `http` only to the loopback interface (tests and emulators). `URLPolicy` applies it to every
/// request; ``DirectoryService`` applies it when endpoints are saved.
package enum SecureURL {
    /// Why a URL breaks the rule.
    package enum Problem: Equatable {
        /// Not an absolute URL with a host.
        case notAbsolute
        /// Plain `http` to a host that is not loopback.
        case insecure(host: String)
        /// Neither `http` nor `https`.
        case unsupportedScheme(String)
    }

    /// What is wrong with `url`, or `nil` when it keeps the rule.
    package static func problem(with url: URL) -> Problem? {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else { return .notAbsolute }
        switch scheme {
        case "https": return nil
        case "http": return isLoopback(host) ? nil : .insecure(host: host)
        default: return .unsupportedScheme(scheme)
        }
    }

    /// Whether a host name or address is the loopback interface: `localhost`, 127.0.0.0/8 or `::1`.
    package static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if lowered == "localhost" || lowered == "::1" || lowered == "0:0:0:0:0:0:0:1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        // Each part as an address spells it (`08` is no octet: the resolver would ask DNS for it).
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { part in UInt8(part).map { String($0) == part } ?? false }
    }
}
