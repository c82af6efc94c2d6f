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

    /// Whether a host name or address is the loopback interface: `localhost`, 127.0.0.0/8 or `::1`.
    /// - Parameter host: A host name or IP address.
    package static func isLoopback(_ host: String) -> Bool { SecureURL.isLoopback(host) }
}
