import DirectorySync
import Foundation

/// Which URLs DirectorySync talks to: `https` anywhere, plain `http` only to loopback addresses
/// (tests and emulators).
package enum URLPolicy {
    /// Checks a URL against the policy.
    /// - Parameter url: The URL.
    /// - Throws: ``HTTPTransportError`` (`invalidURL` or `insecureURL`).
    package static func check(_ url: URL) throws {
        switch SecureURL.problem(with: url) {
        case nil: return
        case .notAbsolute: throw HTTPTransportError(.invalidURL, detail: "'\(Redactor.redact(url: url))' is not an absolute URL")
        case .insecure(let host): throw HTTPTransportError(.insecureURL, detail: "plain http to '\(host)' is not allowed")
        case .unsupportedScheme(let scheme): throw HTTPTransportError(.invalidURL, detail: "the scheme '\(scheme)' is not http or https")
        }
    }

    /// Whether a redirect from `from` to `to` may be followed: only to the same origin (scheme, host
    /// and port) and under the policy — never to plain http, never to another host that would
    /// receive the request's bearer token. Every transport of the package follows this one rule.
    package static func followsRedirect(from: URL, to: URL) -> Bool {
        (try? check(to)) != nil && from.scheme?.lowercased() == to.scheme?.lowercased()
            && from.host?.lowercased() == to.host?.lowercased() && from.port == to.port
    }

    /// Whether a host name or address is the loopback interface: `localhost`, 127.0.0.0/8 or `::1`.
    /// - Parameter host: A host name or IP address.
    package static func isLoopback(_ host: String) -> Bool { SecureURL.isLoopback(host) }
}
