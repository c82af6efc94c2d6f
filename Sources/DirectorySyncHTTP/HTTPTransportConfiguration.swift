import Foundation

/// How an ``HTTPTransport`` of this module behaves — ``URLSessionTransport`` and
/// ``LoopbackHTTPTransport`` alike: the two deadlines of every request, the `User-Agent`, and the
/// largest answer accepted.
///
/// Every request is bounded twice, so an interactive command never waits minutes on a host that
/// accepts a connection and then stays silent (or speaks another protocol): ``connectTimeout``
/// (10 s) until the answer starts, and ``timeout`` (30 s) for the whole request. Either one
/// expiring throws ``HTTPTransportError`` (`timedOut`).
public struct HTTPTransportConfiguration: Sendable {
    /// Seconds for one whole request — connecting, sending, and receiving the full answer:
    /// 30 by default. Over it the request fails with ``HTTPTransportError`` (`timedOut`).
    public var timeout: TimeInterval
    /// Seconds until the answer starts — connecting, the TLS handshake, and the server's first
    /// response line: 10 by default. A host that accepts and then never answers, or speaks
    /// another protocol, fails within this time with ``HTTPTransportError`` (`timedOut`).
    /// This also covers the time the server takes to start answering; raise it for servers that
    /// think longer. Values above ``timeout`` act as ``timeout``.
    public var connectTimeout: TimeInterval
    /// The `User-Agent` sent with every request.
    public var userAgent: String
    /// The largest response body accepted: 128 MiB by default (a Graph page of 999 users is a
    /// few MB). A larger one — a hostile or broken server streaming without end — fails with
    /// ``HTTPTransportError`` (`responseTooLarge`) as soon as it passes the limit, instead of
    /// filling memory.
    public var maximumResponseBytes: Int

    /// Creates a configuration.
    /// - Parameters:
    ///   - timeout: Seconds for one whole request (default 30).
    ///   - connectTimeout: Seconds until the answer starts (default 10).
    ///   - userAgent: The `User-Agent` (default `DirectorySync/0.1`).
    ///   - maximumResponseBytes: The largest response body accepted (default 128 MiB).
    public init(
        timeout: TimeInterval = 30, connectTimeout: TimeInterval = 10, userAgent: String = "DirectorySync/0.1",
        maximumResponseBytes: Int = 128 * 1024 * 1024
    ) {
        self.timeout = timeout
        self.connectTimeout = connectTimeout
        self.userAgent = userAgent
        self.maximumResponseBytes = maximumResponseBytes
    }

    /// The request deadline and the connect deadline, both clamped to be non-negative and the
    /// second no later than the first.
    var deadlines: (timeout: TimeInterval, connectTimeout: TimeInterval) {
        let timeout = max(0, self.timeout)
        return (timeout, min(max(0, connectTimeout), timeout))
    }

    /// A number of seconds as messages show it (`5 s`, `0.5 s`).
    static func seconds(_ value: TimeInterval) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }
}
