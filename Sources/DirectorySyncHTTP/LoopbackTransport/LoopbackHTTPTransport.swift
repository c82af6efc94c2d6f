import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An ``HTTPTransport`` that speaks HTTP/1.1 itself over TCP — plain `http` to loopback addresses
/// only — for local servers whose answers `URLSession` on Linux cannot read.
///
/// etcd's v3 JSON gateway sends every error answer as a chunked body with a trailer field, and
/// swift-corelibs-foundation (Swift 6.3 on Linux) stops the whole process on such an answer
/// ("Transfer completed, but there's no response"). This transport reads chunked bodies with
/// trailers, `Content-Length` bodies and bodies that end with the connection, and keeps connections
/// open between requests (up to 8 idle per server). `EtcdClient` uses it for `http` endpoints;
/// hosts may use it for any loopback service — a sidecar, an emulator.
///
/// Every request is bounded like ``URLSessionTransport``'s: by
/// ``HTTPTransportConfiguration/connectTimeout`` until the answer starts and by
/// ``HTTPTransportConfiguration/timeout`` for the whole request, and an answer longer than
/// ``HTTPTransportConfiguration/maximumResponseBytes`` fails as soon as it passes the limit.
/// Cancelling the task closes the connection at once and throws `CancellationError`. It follows
/// redirects as every transport of the package does (to the same origin only), keeps no cache and no
/// cookies, and asks for no compression.
///
/// An `https` URL, or `http` to a host that is not loopback, fails with ``HTTPTransportError``
/// (`insecureURL` or `invalidURL`) before anything is sent: use ``URLSessionTransport`` there.
public struct LoopbackHTTPTransport: HTTPTransport {
    /// How the transport behaves.
    public let configuration: HTTPTransportConfiguration
    private let idle = IdleConnections()

    /// Creates a transport. Share one: it keeps its connections open between requests.
    /// - Parameter configuration: Timeouts, user agent and the largest answer.
    public init(configuration: HTTPTransportConfiguration = HTTPTransportConfiguration()) {
        self.configuration = configuration
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await Redirects.follow(request, through: sendOnce)
    }

    /// One request, no redirect followed.
    private func sendOnce(_ request: HTTPRequest) async throws -> HTTPResponse {
        try URLPolicy.check(request.url)
        guard request.url.scheme?.lowercased() == "http", let host = request.url.host, URLPolicy.isLoopback(host) else {
            throw HTTPTransportError(
                .invalidURL, detail: "'\(Redactor.redact(url: request.url))' is not plain http to a loopback address, the only URLs LoopbackHTTPTransport sends to")
        }
        let head = try Self.head(of: request, host: host, userAgent: configuration.userAgent)
        var bytes = Array(head.utf8)
        if let body = request.body { bytes += body }
        let exchange = Exchange(
            host: host, port: request.url.port ?? 80, bytes: bytes, method: request.method, retryable: request.isRetryable,
            configuration: configuration, idle: idle)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                // Blocking socket calls, bounded by poll, on a thread of their own: not on the
                // cooperative pool, and not on Dispatch's global queues either, which run only as
                // many blocks at once as there are cores — a few requests waiting on a silent
                // server would hold up every other one (and let leases expire).
                do {
                    try RequestThread.start { continuation.resume(with: Result { try exchange.run() }) }
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        } onCancel: {
            exchange.cancel()
        }
    }

    /// The request line and header fields, ending with the empty line.
    private static func head(of request: HTTPRequest, host: String, userAgent: String) throws -> String {
        let components = URLComponents(url: request.url, resolvingAgainstBaseURL: false)
        var target = components?.percentEncodedPath ?? ""
        if target.isEmpty { target = "/" }
        if let query = components?.percentEncodedQuery { target += "?\(query)" }
        let authority = (host.contains(":") ? "[\(host)]" : host) + (request.url.port.map { ":\($0)" } ?? "")
        var lines = ["\(request.method.rawValue) \(target) HTTP/1.1", "Host: \(authority)"]
        let framing: Set<String> = ["host", "user-agent", "content-length", "transfer-encoding", "connection", "te", "trailer", "upgrade", "keep-alive"]
        for field in [(name: "User-Agent", value: userAgent)] + request.headers.filter({ !framing.contains($0.name.lowercased()) }) {
            guard !field.name.isEmpty, field.name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: ":") }),
                field.value.utf8.allSatisfy({ $0 >= 0x20 && $0 != 0x7F || $0 == 9 })
            else {
                throw HTTPTransportError(.invalidRequest, detail: "the header field '\(field.name.prefix(40))' holds a line break or a control character")
            }
            lines.append("\(field.name): \(field.value)")
        }
        if let body = request.body {
            if request.headers["Content-Type"] == nil { lines.append("Content-Type: application/octet-stream") }
            lines.append("Content-Length: \(body.count)")
        } else if [.post, .put, .patch].contains(request.method) {
            lines.append("Content-Length: 0")
        }
        return lines.joined(separator: "\r\n") + "\r\n\r\n"
    }
}

extension LoopbackHTTPTransport: CustomReflectable {
    /// What `dump` shows: the configuration only — never the connections.
    public var customMirror: Mirror { Mirror(self, children: ["configuration": configuration], displayStyle: .struct) }
}

/// The idle connections of a ``LoopbackHTTPTransport``, per origin.
private final class IdleConnections: @unchecked Sendable {
    private static let limit = 8
    private let lock = NSLock()
    private var connections: [String: [SocketConnection]] = [:]

    /// An open idle connection to `origin`, if one is kept; closed ones are dropped.
    func take(_ origin: String) -> SocketConnection? {
        while let connection = lock.withLock({ connections[origin]?.popLast() }) {
            if connection.isReusable { return connection }
            connection.close()
        }
        return nil
    }

    /// Keeps a connection whose last answer was read completely.
    func give(_ connection: SocketConnection) {
        let kept = lock.withLock { () -> Bool in
            guard connections[connection.origin, default: []].count < Self.limit else { return false }
            connections[connection.origin, default: []].append(connection)
            return true
        }
        if !kept { connection.close() }
    }
}

/// One request on its way: run on a thread of its own, cancelled from any thread.
private final class Exchange: @unchecked Sendable {
    let host: String
    let port: Int
    let bytes: [UInt8]
    let method: HTTPRequest.Method
    let retryable: Bool
    let configuration: HTTPTransportConfiguration
    let idle: IdleConnections
    /// The two deadlines' lengths, as messages show them.
    private let connectText: String
    private let timeoutText: String
    private let lock = NSLock()
    private var cancelled = false
    private var current: SocketConnection?

    init(
        host: String, port: Int, bytes: [UInt8], method: HTTPRequest.Method, retryable: Bool, configuration: HTTPTransportConfiguration,
        idle: IdleConnections
    ) {
        self.host = host
        self.port = port
        self.bytes = bytes
        self.method = method
        self.retryable = retryable
        self.configuration = configuration
        self.idle = idle
        let (timeout, connectTimeout) = configuration.deadlines
        connectText = HTTPTransportConfiguration.seconds(connectTimeout)
        timeoutText = HTTPTransportConfiguration.seconds(timeout)
    }

    func cancel() {
        lock.withLock {
            cancelled = true
            return current
        }?.abort()
    }

    func run() throws -> HTTPResponse {
        if lock.withLock({ cancelled }) { throw CancellationError() }
        let (timeout, connectTimeout) = configuration.deadlines
        let start = ContinuousClock.now
        let deadline = start + .seconds(timeout)
        let connectDeadline = start + .seconds(connectTimeout)
        let origin = "\(host):\(port)"
        // A kept connection the server closed just as it was taken fails before any byte of the
        // answer; then a request that may be repeated goes once more on a new connection. Any
        // other fails: the server may have read it before it closed.
        if let kept = idle.take(origin) {
            do {
                return try exchange(on: kept, connectDeadline: connectDeadline, deadline: deadline)
            } catch let failure as StaleConnection {
                guard retryable else { throw failure.mayHaveApplied }
            }
        }
        let connection = try SocketConnection.connect(
            host: host, port: port, deadline: connectDeadline, timeoutText: connectText, attempting: watch)
        do {
            return try exchange(on: connection, connectDeadline: connectDeadline, deadline: deadline)
        } catch let failure as StaleConnection {
            throw failure.mayHaveApplied
        }
    }

    /// A failure before any byte of the answer on a kept connection.
    private struct StaleConnection: Error {
        var error: HTTPTransportError

        /// The failure, saying that the request went out: the server may have acted on it.
        var mayHaveApplied: HTTPTransportError {
            HTTPTransportError(error.code, detail: "\(error.detail), after the request was sent: it may have been applied", underlying: error.underlying)
        }
    }

    /// Makes `connection` the one a cancellation aborts (at once, when it came already).
    private func watch(_ connection: SocketConnection) {
        let aborted = lock.withLock { () -> Bool in
            current = connection
            return cancelled
        }
        if aborted { connection.abort() }
    }

    /// Stops watching the connection; `true` when the request was cancelled meanwhile.
    private func unwatch() -> Bool {
        lock.withLock {
            current = nil
            return cancelled
        }
    }

    private func exchange(on connection: SocketConnection, connectDeadline: ContinuousClock.Instant, deadline: ContinuousClock.Instant) throws -> HTTPResponse {
        watch(connection)
        connection.answered = false
        let source = SocketByteSource(
            connection: connection, host: host, connectDeadline: connectDeadline, deadline: deadline, connectText: connectText, timeoutText: timeoutText)
        do {
            try connection.write(bytes, until: deadline, host: host, timeoutText: timeoutText)
            var reader = HTTPResponseReader(source: source, host: host, maximumBodyBytes: configuration.maximumResponseBytes)
            let (response, reusable) = try reader.read(method: method)
            // Kept only when no cancellation can reach it any more: an abort meant for this
            // request must never hit the next one on the same connection.
            if !unwatch() && reusable { idle.give(connection) } else { connection.close() }
            return response
        } catch {
            connection.close()
            if unwatch() { throw CancellationError() }
            if let error = error as? HTTPTransportError, error.code == .connectionFailed, !connection.answered {
                throw StaleConnection(error: error)
            }
            throw error
        }
    }
}

/// A socket as an ``HTTPByteSource``: until the first byte of the answer, reads wait no later than
/// the connect deadline; after it, no later than the request's.
private struct SocketByteSource: HTTPByteSource {
    let connection: SocketConnection
    let host: String
    let connectDeadline: ContinuousClock.Instant
    let deadline: ContinuousClock.Instant
    let connectText: String
    let timeoutText: String

    mutating func receive(into buffer: inout [UInt8]) throws -> Bool {
        let answered = connection.answered
        let until = answered ? deadline : min(deadline, connectDeadline)
        let received = try connection.receive(
            into: &buffer, until: until,
            timeoutText: answered || deadline <= connectDeadline
                ? "\(host) did not answer completely within \(timeoutText)"
                : "\(host) did not start answering within \(connectText) (connect timeout)")
        if received { connection.answered = true }
        return received
    }
}

/// Starts the threads requests run on, and says so when one cannot start (Foundation's `Thread`
/// drops `pthread_create`'s failure, and the request would wait for ever).
private enum RequestThread {
    private final class Body {
        let run: () -> Void
        init(_ run: @escaping () -> Void) { self.run = run }
    }

    static func start(_ run: @escaping @Sendable () -> Void) throws {
        let attributes = UnsafeMutablePointer<pthread_attr_t>.allocate(capacity: 1)
        pthread_attr_init(attributes)
        defer {
            pthread_attr_destroy(attributes)
            attributes.deallocate()
        }
        pthread_attr_setdetachstate(attributes, Int32(PTHREAD_CREATE_DETACHED))
        pthread_attr_setstacksize(attributes, 1 << 20)
        let body = Unmanaged.passRetained(Body(run)).toOpaque()
        #if canImport(Glibc)
        var thread: pthread_t = 0
        #else
        var thread: pthread_t?
        #endif
        let result = pthread_create(&thread, attributes, { context in
            Unmanaged<Body>.fromOpaque(context!).takeRetainedValue().run()
            return nil
        }, body)
        guard result == 0 else {
            Unmanaged<Body>.fromOpaque(body).release()
            throw HTTPTransportError(.connectionFailed, detail: "no thread could be started for the request (\(String(cString: strerror(result))))")
        }
    }
}
