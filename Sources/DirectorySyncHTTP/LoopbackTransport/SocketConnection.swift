import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One TCP connection of a ``LoopbackHTTPTransport``, non-blocking, every wait bounded by `poll`.
/// Used by one request at a time; ``abort()`` may come from another thread (cancellation) and
/// wakes a request waiting on it.
final class SocketConnection: @unchecked Sendable {
    /// `host:port`, the key of the transport's idle connections.
    let origin: String
    /// Whether a byte of the current request's answer arrived (the connect deadline no longer applies).
    var answered = false
    private let descriptor: Int32
    /// Where `recv` puts what arrives, before it is appended to the answer's buffer.
    private var scratch = [UInt8](repeating: 0, count: 65_536)
    private let lock = NSLock()
    private var aborted = false
    private var closed = false

    private init(descriptor: Int32, origin: String) {
        self.descriptor = descriptor
        self.origin = origin
    }

    deinit { close() }

    /// Connects to `host` (a name or numeric address) and `port`, trying each address it resolves to.
    /// - Parameters:
    ///   - attempting: Called with each socket before it waits for its connection, so a
    ///     cancellation can ``abort()`` the wait.
    /// - Throws: ``HTTPTransportError`` `connectionFailed` with `URLError(.cannotConnectToHost)`
    ///   (also when the connect timeout passed) or `.cannotFindHost` as its underlying error:
    ///   nothing was sent. `CancellationError` when aborted.
    static func connect(
        host: String, port: Int, deadline: ContinuousClock.Instant, timeoutText: String, attempting: (SocketConnection) -> Void
    ) throws -> SocketConnection {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Glibc)
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #else
        hints.ai_socktype = SOCK_STREAM
        #endif
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw HTTPTransportError(.connectionFailed, detail: "\(host): the host name cannot be resolved", underlying: URLError(.cannotFindHost))
        }
        defer { freeaddrinfo(list) }
        var problem = "no address"
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let address = candidate {
            candidate = address.pointee.ai_next
            // A name that looked like loopback (`localhost`, `127.0.0.08`) but resolved elsewhere —
            // through a hosts file without it, or DNS — is never connected to: the request may
            // carry a credential in plain text.
            guard let socketAddress = address.pointee.ai_addr, Self.isLoopback(socketAddress) else {
                problem = "it resolves to an address that is not loopback"
                continue
            }
            let descriptor = socket(address.pointee.ai_family, address.pointee.ai_socktype, address.pointee.ai_protocol)
            guard descriptor >= 0 else {
                problem = String(cString: strerror(errno))
                continue
            }
            let connection = SocketConnection(descriptor: descriptor, origin: "\(host):\(port)")
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
            var yes: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &yes, socklen_t(MemoryLayout<Int32>.size))
            #if canImport(Darwin)
            setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &yes, socklen_t(MemoryLayout<Int32>.size))
            #endif
            attempting(connection)
            if systemConnect(descriptor, address.pointee.ai_addr, address.pointee.ai_addrlen) == 0 { return connection }
            let connectError = errno
            guard connectError == EINPROGRESS else {
                problem = String(cString: strerror(connectError))
                continue
            }
            guard try connection.wait(for: Int16(POLLOUT), until: deadline) else {
                // Not connected, so nothing was sent: the request may go elsewhere.
                throw HTTPTransportError(
                    .connectionFailed, detail: "\(host) did not accept the connection within \(timeoutText) (connect timeout)",
                    underlying: URLError(.cannotConnectToHost))
            }
            var failure: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length)
            if failure == 0 { return connection }
            problem = String(cString: strerror(failure))
        }
        throw HTTPTransportError(
            .connectionFailed, detail: "\(host): could not connect to port \(port) (\(problem))", underlying: URLError(.cannotConnectToHost))
    }

    /// Whether a socket address is a loopback one: `127.0.0.0/8`, `::1`, or `::ffff:127.x.y.z`.
    static func isLoopback(_ address: UnsafePointer<sockaddr>) -> Bool {
        switch Int32(address.pointee.sa_family) {
        case Int32(AF_INET):
            return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt32(bigEndian: $0.pointee.sin_addr.s_addr) >> 24 == 127 }
        case Int32(AF_INET6):
            return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
                withUnsafeBytes(of: address.pointee.sin6_addr) { bytes in
                    let zeros = bytes.prefix(10).allSatisfy { $0 == 0 }
                    let one = zeros && bytes[10] == 0 && bytes[11] == 0 && bytes[12..<15].allSatisfy { $0 == 0 } && bytes[15] == 1
                    let mapped = zeros && bytes[10] == 0xFF && bytes[11] == 0xFF && bytes[12] == 127
                    return one || mapped
                }
            }
        default:
            return false
        }
    }

    /// Sends every byte.
    /// - Throws: ``HTTPTransportError`` (`connectionFailed`, `timedOut`) or `CancellationError`.
    func write(_ bytes: [UInt8], until deadline: ContinuousClock.Instant, host: String, timeoutText: String) throws {
        var offset = 0
        while offset < bytes.count {
            #if os(Linux)
            let flags = Int32(MSG_NOSIGNAL)
            #else
            let flags: Int32 = 0
            #endif
            let written = bytes[offset...].withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, flags) }
            let failure = errno
            if written > 0 {
                offset += written
                continue
            }
            try checkAborted()
            guard written < 0, failure == EAGAIN || failure == EWOULDBLOCK || failure == EINTR else {
                throw HTTPTransportError(.connectionFailed, detail: "\(host) closed the connection while the request was sent")
            }
            guard try wait(for: Int16(POLLOUT), until: deadline) else {
                throw HTTPTransportError(.timedOut, detail: "\(host) did not take the request within \(timeoutText)")
            }
        }
    }

    /// Appends what arrives to `buffer`, waiting until `deadline`.
    /// - Returns: `false` when the peer closed the connection.
    /// - Throws: ``HTTPTransportError`` (`connectionFailed` for a reset), `timedOut` with
    ///   `timeoutText` as its message, or `CancellationError`.
    func receive(into buffer: inout [UInt8], until deadline: ContinuousClock.Instant, timeoutText: @autoclosure () -> String) throws -> Bool {
        while true {
            let count = scratch.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            let failure = errno
            if count > 0 {
                buffer.append(contentsOf: scratch[..<count])
                return true
            }
            try checkAborted()
            if count == 0 { return false }
            guard failure == EAGAIN || failure == EWOULDBLOCK || failure == EINTR else {
                throw HTTPTransportError(.connectionFailed, detail: "the connection was lost (\(String(cString: strerror(failure))))")
            }
            guard try wait(for: Int16(POLLIN), until: deadline) else { throw HTTPTransportError(.timedOut, detail: timeoutText()) }
        }
    }

    /// Whether the connection is idle and open: nothing to read, not closed by the peer. A kept
    /// connection the server closed meanwhile (or sent bytes on) is not reused.
    var isReusable: Bool {
        var descriptor = pollfd(fd: self.descriptor, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) == 0
    }

    /// Stops the connection from another thread: a request waiting on it wakes and fails with
    /// `CancellationError`.
    func abort() {
        lock.withLock {
            aborted = true
            if !closed { shutdown(descriptor, Int32(SHUT_RDWR)) }
        }
    }

    /// Closes the socket.
    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            _ = systemClose(descriptor)
        }
    }

    private func checkAborted() throws {
        if lock.withLock({ aborted }) { throw CancellationError() }
    }

    /// Waits until the socket is ready for `events` (or closed, or in error).
    /// - Returns: `false` when `deadline` passed first.
    private func wait(for events: Int16, until deadline: ContinuousClock.Instant) throws -> Bool {
        while true {
            try checkAborted()
            let remaining = deadline - .now
            guard remaining > .zero else { return false }
            let milliseconds = remaining.components.seconds * 1_000 + remaining.components.attoseconds / 1_000_000_000_000_000 + 1
            var descriptor = pollfd(fd: self.descriptor, events: events, revents: 0)
            let ready = poll(&descriptor, 1, Int32(clamping: milliseconds))
            if ready > 0 { return true }
            if ready < 0 && errno != EINTR {
                throw HTTPTransportError(.connectionFailed, detail: "the connection cannot be watched (\(String(cString: strerror(errno))))")
            }
        }
    }
}

#if canImport(Glibc)
private let systemConnect = Glibc.connect
private let systemClose = Glibc.close
#elseif canImport(Darwin)
private let systemConnect = Darwin.connect
private let systemClose = Darwin.close
#endif
