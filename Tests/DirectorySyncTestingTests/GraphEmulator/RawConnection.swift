import DirectorySyncTesting
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A plain TCP client for sending bytes no HTTP library would send, with deadlines on every wait.
final class RawConnection {
    let descriptor: Int32

    /// Connects to `127.0.0.1:port`.
    init(port: UInt16) throws {
        #if os(Linux)
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let failure = errno
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: failure) ?? .EIO)
        }
    }

    deinit { close(descriptor) }

    /// Writes bytes; `false` when the peer has gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool { LoopbackHTTPServer.writeAll(descriptor, bytes) }

    /// Writes text.
    @discardableResult
    func write(_ text: String) -> Bool { write(Array(text.utf8)) }

    /// Reads until the peer closes or the deadline passes.
    /// - Returns: What arrived, and whether the peer closed (or reset) the connection.
    func readToEnd(within seconds: Double) -> (bytes: [UInt8], closed: Bool) {
        receive(within: seconds) { _ in false }
    }

    /// Reads until `done` says the bytes so far are enough, the peer closes, or the deadline passes.
    func receive(within seconds: Double, until done: ([UInt8]) -> Bool) -> (bytes: [UInt8], closed: Bool) {
        let deadline = Date().addingTimeInterval(seconds)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while !done(received) {
            let remaining = deadline.timeIntervalSinceNow
            if remaining <= 0 { return (received, false) }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&entry, 1, Int32(remaining * 1_000) + 1)
            if ready <= 0 { continue }
            let count = read(descriptor, &chunk, chunk.count)
            if count <= 0 { return (received, true) }
            received += chunk[0..<count]
        }
        return (received, false)
    }

    /// Reads one response head (up to the empty line) and returns its status, or `nil`.
    func status(within seconds: Double) -> Int? {
        let (bytes, _) = receive(within: seconds) { String(decoding: $0, as: UTF8.self).contains("\r\n\r\n") }
        return Self.status(bytes)
    }

    /// The status of the first response in `bytes`.
    static func status(_ bytes: [UInt8]) -> Int? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 ") else { return nil }
        return Int(text.dropFirst(9).prefix(3))
    }
}
