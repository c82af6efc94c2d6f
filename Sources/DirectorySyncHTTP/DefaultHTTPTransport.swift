import Foundation

/// The transport a client of this package makes when its host passes none.
///
/// ``LoopbackHTTPTransport`` when every URL is plain `http` — which ``URLPolicy`` allows only to
/// loopback addresses: a sidecar, a local server, an emulator. It reads answers `URLSession` on
/// Linux cannot (etcd's trailers), and spends a fraction of the CPU per request: on Linux,
/// `URLSession` spins while it waits on a fresh connection (Documentation/Performance.md). For
/// `https`, or a mix, ``URLSessionTransport``.
///
/// Package access: `EtcdClient` and `SCIMIdentityStore` share the rule; a host that wants another
/// passes its own transport.
package enum DefaultHTTPTransport {
    /// The transport for `urls`, bounded by `configuration`.
    package static func `for`(_ urls: [URL], configuration: HTTPTransportConfiguration) -> any HTTPTransport {
        let loopback = !urls.isEmpty && urls.allSatisfy { url in
            url.scheme?.lowercased() == "http" && url.host.map(URLPolicy.isLoopback) == true
        }
        return loopback ? LoopbackHTTPTransport(configuration: configuration) : URLSessionTransport(configuration: configuration)
    }
}
