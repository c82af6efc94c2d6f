import Foundation

/// Which URLs DirectorySync talks to: `https` anywhere, plain `http` only to loopback addresses
/// (tests and emulators).
public enum URLPolicy {
    /// Checks a URL against the policy.
    /// - Parameter url: The URL.
    /// - Throws: ``HTTPTransportError`` (`invalidURL` or `insecureURL`).
    public static func check(_ url: URL) throws {
        guard let scheme = url.scheme?.lowercased(), let host = url.host, !host.isEmpty else {
            throw HTTPTransportError(.invalidURL, detail: "'\(Redactor.redact(url: url))' is not an absolute URL")
        }
        switch scheme {
        case "https": return
        case "http" where isLoopback(host): return
        case "http": throw HTTPTransportError(.insecureURL, detail: "plain http to '\(host)' is not allowed")
        default: throw HTTPTransportError(.invalidURL, detail: "the scheme '\(scheme)' is not http or https")
        }
    }

    /// Whether a host name or address is the loopback interface: `localhost`, 127.0.0.0/8 or `::1`.
    /// - Parameter host: A host name or IP address.
    public static func isLoopback(_ host: String) -> Bool {
        let lowered = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if lowered == "localhost" || lowered == "::1" || lowered == "0:0:0:0:0:0:0:1" { return true }
        let parts = lowered.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts[0] == "127" && parts.allSatisfy { UInt8($0) != nil }
    }
}
