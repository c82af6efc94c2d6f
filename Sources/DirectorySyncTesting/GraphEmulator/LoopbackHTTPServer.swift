import DirectorySync
import DirectorySyncHTTP
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A small HTTP/1.1 server on `127.0.0.1` (Foundation and POSIX sockets): keep-alive, concurrent
/// connections (a thread each), `Content-Length` bodies. It serves a ``GraphEmulator`` — or any
/// handler — to clients in other processes and other languages.
///
/// It never trusts its input: framing that is not HTTP/1.x, a missing or conflicting
/// `Content-Length`, headers or bodies over ``Configuration`` limits, and requests that arrive too
/// slowly are answered with a 4xx/5xx (a Graph-shaped JSON error) and the connection is closed;
/// no input stops the server. When the process runs out of file descriptors the accept loop backs
/// off and keeps accepting.
///
/// ```swift
/// let server = LoopbackHTTPServer(emulator)
/// let port = try server.start()          // port 0 picks a free port
/// defer { server.stop() }
/// ```
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// Answers one request.
    public typealias Handler = @Sendable (HTTPRequest) -> GraphEmulator.Reply

    /// The server's limits. Anything over a limit is refused with the status named and the
    /// connection is closed; the server keeps serving others.
    public struct Configuration: Sendable {
        /// The longest request head (request line and headers), in bytes: 64 KiB by default. Over it: 431.
        public var maximumHeaderBytes: Int
        /// The largest request body, in bytes: 8 MiB by default (the emulator's control API takes
        /// small JSON documents). Over it: 413, sent as soon as the `Content-Length` is read,
        /// before any of the body is.
        public var maximumBodyBytes: Int
        /// Seconds from a request's first byte to its last: 30 by default. Over it (a client that
        /// sends slowly or stops half-way): 408.
        public var requestTimeout: TimeInterval
        /// Seconds a kept-alive connection may wait for its next request: 120 by default. Over it
        /// the connection is closed without an answer.
        public var idleTimeout: TimeInterval
        /// Connections served at once: 512 by default. One more is answered 503 and closed.
        public var maximumConnections: Int

        /// Creates a configuration.
        /// - Parameters:
        ///   - maximumHeaderBytes: The longest request head in bytes (default 64 KiB).
        ///   - maximumBodyBytes: The largest request body in bytes (default 8 MiB).
        ///   - requestTimeout: Seconds from a request's first byte to its last (default 30).
        ///   - idleTimeout: Seconds a kept-alive connection may stay silent (default 120).
        ///   - maximumConnections: Connections served at once (default 512).
        public init(
            maximumHeaderBytes: Int = 64 << 10, maximumBodyBytes: Int = 8 << 20, requestTimeout: TimeInterval = 30,
            idleTimeout: TimeInterval = 120, maximumConnections: Int = 512
        ) {
            self.maximumHeaderBytes = maximumHeaderBytes
            self.maximumBodyBytes = maximumBodyBytes
            self.requestTimeout = requestTimeout
            self.idleTimeout = idleTimeout
            self.maximumConnections = maximumConnections
        }
    }

    /// The server's limits.
    public let configuration: Configuration
    private let handler: Handler
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var stopping = false
    private var acceptLoopEnded: DispatchSemaphore?
    private var connections: Set<Int32> = []
    private var boundPort: UInt16 = 0

    /// Creates a server for an emulator.
    /// - Parameters:
    ///   - emulator: The emulator to serve.
    ///   - configuration: The server's limits.
    public convenience init(_ emulator: GraphEmulator, configuration: Configuration = Configuration()) {
        self.init(configuration: configuration, handler: { emulator.handle($0) })
    }

    /// Creates a server for any handler.
    /// - Parameters:
    ///   - configuration: The server's limits.
    ///   - handler: Answers requests.
    public init(configuration: Configuration = Configuration(), handler: @escaping Handler) {
        self.configuration = configuration
        self.handler = handler
    }

    /// The port the server listens on (0 before ``start(port:)``).
    public var port: UInt16 { lock.withLock { boundPort } }

    /// `http://127.0.0.1:<port>`
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts listening on loopback.
    /// - Parameter port: The port; 0 picks a free one.
    /// - Returns: The port listened on.
    /// - Throws: ``LoopbackServerError`` when the socket cannot be made or bound (``LoopbackServerError`` (`addressInUse`)
    ///   when another process holds the port).
    @discardableResult
    public func start(port: UInt16 = 0) throws -> UInt16 {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw LoopbackServerError(.cannotListen, port: port, errno: errno) }
        var yes: Int32 = 1
        setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(descriptor, 128) == 0 else {
            let failure = errno
            close(descriptor)
            throw LoopbackServerError(failure == EADDRINUSE ? .addressInUse : .cannotListen, port: port, errno: failure)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let actual = UInt16(bigEndian: address.sin_port)
        let ended = DispatchSemaphore(value: 0)
        lock.withLock {
            listener = descriptor
            boundPort = actual
            stopping = false
            acceptLoopEnded = ended
        }
        let thread = Thread { [self] in
            acceptLoop(descriptor)
            ended.signal()
        }
        thread.stackSize = 1 << 20
        thread.start()
        return actual
    }

    /// Stops listening and closes every connection.
    ///
    /// The listening socket is closed by the accept loop when it sees the shutdown; this waits
    /// (briefly) for that, so the port is free when it returns.
    public func stop() {
        // Only shut down here, under the lock: closing is left to the accept loop and to each
        // connection's thread (which closes only after leaving the set, under the same lock), so no
        // descriptor number is shut down after it was closed and reused by another file.
        let ended = lock.withLock { () -> DispatchSemaphore? in
            if listener >= 0 { shutdown(listener, Int32(SHUT_RDWR)) }
            for connection in connections { shutdown(connection, Int32(SHUT_RDWR)) }
            defer {
                listener = -1
                stopping = true
                connections = []
                acceptLoopEnded = nil
            }
            return acceptLoopEnded
        }
        _ = ended?.wait(timeout: .now() + 2)
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func acceptLoop(_ descriptor: Int32) {
        defer { close(descriptor) }
        var backoff = Self.minimumBackoff
        while true {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else {
                let failure = errno
                if isStopping { return }
                switch failure {
                case EINTR, ECONNABORTED, EPROTO:
                    continue
                case EMFILE, ENFILE, ENOBUFS, ENOMEM:
                    // Out of descriptors or memory: the pending connection stays queued; wait for
                    // connections to close and try again, instead of ending the loop for good.
                    Thread.sleep(forTimeInterval: backoff)
                    backoff = min(backoff * 2, Self.maximumBackoff)
                    continue
                default:
                    return
                }
            }
            backoff = Self.minimumBackoff
            var noDelay: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            let admitted = lock.withLock { () -> Bool in
                guard !stopping, connections.count < configuration.maximumConnections else { return false }
                connections.insert(connection)
                return true
            }
            guard admitted else {
                refuse(connection, Rejection(status: 503, code: "ServiceUnavailable", message: "Too many connections (the limit is \(configuration.maximumConnections))"))
                continue
            }
            let thread = Thread { [self] in
                serve(connection)
                lock.withLock {
                    _ = connections.remove(connection)
                    close(connection)
                }
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private static let minimumBackoff: TimeInterval = 0.01
    private static let maximumBackoff: TimeInterval = 0.5

    /// Why a request is refused: a status and a Graph-shaped error.
    struct Rejection: Error {
        var status: Int
        var code: String
        var message: String
    }

    private func serve(_ connection: Int32) {
        var buffer = [UInt8]()
        while true {
            let request: ParsedRequest
            do {
                guard let parsed = try readRequest(connection, &buffer) else { return }
                request = parsed
            } catch let rejection as Rejection {
                refuse(connection, rejection)
                return
            } catch {
                return
            }
            let reply = handler(request.request)
            if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
            if reply.dropConnection { return }
            var response = "HTTP/1.1 \(reply.response.status) \(Self.reason(reply.response.status))\r\n"
            for field in reply.response.headers where field.name.lowercased() != "content-length" && field.name.lowercased() != "connection" {
                response += "\(field.name): \(field.value)\r\n"
            }
            response += "Content-Length: \(reply.response.body.count)\r\nConnection: \(request.keepAlive ? "keep-alive" : "close")\r\n\r\n"
            var bytes = Array(response.utf8)
            bytes.append(contentsOf: reply.response.body)
            guard Self.writeAll(connection, bytes) else { return }
            if !request.keepAlive { return }
        }
    }

    /// A request read off the wire.
    private struct ParsedRequest {
        var request: HTTPRequest
        var keepAlive: Bool
    }

    /// Reads one request; `nil` when the client closed (or idled out) between requests.
    /// - Throws: ``Rejection`` for input that is not a well-framed request within the limits.
    private func readRequest(_ connection: Int32, _ buffer: inout [UInt8]) throws -> ParsedRequest? {
        var deadline: ContinuousClock.Instant? = buffer.isEmpty ? nil : .now + .seconds(configuration.requestTimeout)
        let idleDeadline = ContinuousClock.now + .seconds(configuration.idleTimeout)
        var scanned = 0
        var headEnd: Int?
        while true {
            try HTTPFraming.checkStart(buffer)
            if let end = HTTPFraming.find([13, 10, 13, 10], in: buffer, from: scanned) {
                headEnd = end
                break
            }
            scanned = max(0, buffer.count - 3)
            if buffer.count > configuration.maximumHeaderBytes { throw HTTPFraming.headersTooLarge(configuration.maximumHeaderBytes) }
            switch receive(connection, into: &buffer, until: deadline ?? idleDeadline) {
            case .received:
                if deadline == nil { deadline = .now + .seconds(configuration.requestTimeout) }
            case .closed:
                return nil
            case .timedOut:
                if buffer.isEmpty { return nil }
                throw HTTPFraming.timedOut(configuration.requestTimeout)
            }
        }
        guard let headEnd else { return nil }
        let requestDeadline = deadline ?? .now + .seconds(configuration.requestTimeout)
        if headEnd + 4 > configuration.maximumHeaderBytes { throw HTTPFraming.headersTooLarge(configuration.maximumHeaderBytes) }
        let head = try HTTPFraming.parseHead(Array(buffer[0..<headEnd]))
        buffer.removeFirst(headEnd + 4)
        if head.contentLength > configuration.maximumBodyBytes {
            throw Rejection(
                status: 413, code: "RequestEntityTooLarge",
                message: "The request body of \(head.contentLength) bytes is larger than the limit of \(configuration.maximumBodyBytes) bytes")
        }
        if head.expectsContinue && buffer.count < head.contentLength {
            guard Self.writeAll(connection, Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)) else { return nil }
        }
        while buffer.count < head.contentLength {
            switch receive(connection, into: &buffer, until: requestDeadline) {
            case .received: continue
            case .closed: return nil
            case .timedOut: throw HTTPFraming.timedOut(configuration.requestTimeout)
            }
        }
        let body = head.contentLength > 0 ? Data(buffer[0..<head.contentLength]) : nil
        buffer.removeFirst(head.contentLength)
        guard let url = URL(string: "http://127.0.0.1:\(port)\(head.target)") else {
            throw Rejection(status: 400, code: "BadRequest", message: "The request target is not a valid URL path")
        }
        return ParsedRequest(request: HTTPRequest(method: .init(rawValue: head.method), url: url, headers: head.headers, body: body), keepAlive: head.keepAlive)
    }

    private enum ReceiveOutcome { case received, closed, timedOut }

    /// Reads what is available into `buffer`, waiting no later than `deadline`.
    private func receive(_ connection: Int32, into buffer: inout [UInt8], until deadline: ContinuousClock.Instant) -> ReceiveOutcome {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let remaining = deadline - .now
            guard remaining > .zero else { return .timedOut }
            let milliseconds = remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1
            var descriptor = pollfd(fd: connection, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(clamping: milliseconds))
            if ready < 0 {
                if errno == EINTR { continue }
                return .closed
            }
            if ready == 0 { continue }
            let count = read(connection, &chunk, chunk.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return .closed
            }
            if count == 0 { return .closed }
            buffer.append(contentsOf: chunk[0..<count])
            return .received
        }
    }

    /// Answers a refused request and closes the connection gracefully: the write side first, then
    /// what the client still sends is read and dropped for a moment (never kept), so the answer is
    /// not lost to a reset.
    private func refuse(_ connection: Int32, _ rejection: Rejection) {
        var json = JSONBytes()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.field("code", rejection.code)
        json.field("message", rejection.message)
        json.endObject()
        json.endObject()
        let body = json.data
        let head = "HTTP/1.1 \(rejection.status) \(Self.reason(rejection.status))\r\nContent-Type: application/json\r\n"
            + "Content-Length: \(body.count)\r\nConnection: close\r\n\r\n"
        var bytes = Array(head.utf8)
        bytes.append(contentsOf: body)
        guard Self.writeAll(connection, bytes) else { return }
        shutdown(connection, Int32(SHUT_WR))
        var discarded = [UInt8]()
        let lingerUntil = ContinuousClock.now + .seconds(1)
        while case .received = receive(connection, into: &discarded, until: lingerUntil) { discarded.removeAll(keepingCapacity: true) }
    }

    /// Writes every byte to a socket; `false` when the peer has gone.
    package static func writeAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            #if os(Linux)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            let written = bytes[offset...].withUnsafeBytes { send(connection, $0.baseAddress, $0.count, flags) }
            if written <= 0 { return false }
            offset += written
        }
        return true
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 408: "Request Timeout"
        case 410: "Gone"
        case 413: "Content Too Large"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}
