import DirectorySync
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback server that answers with exactly the bytes a test gives it — an answer `URLSession`
/// cannot read, one that is not HTTP at all (an SSH banner, as a webhook URL pointing at the wrong
/// service gets), or nothing. It reads each request (head and `Content-Length` body), passes its text
/// to the script, and sends the script's bytes; the connection stays open for the next request
/// unless the reply says to close it.
///
/// Package access: the tests of this package share it; it is not part of the shipped product.
package final class CannedSocketServer: @unchecked Sendable {
    /// What to send back for one request.
    package struct Reply: Sendable {
        /// The bytes sent, as they are.
        package var bytes: [UInt8]
        /// Whether the connection is closed after them.
        package var close = false
        /// Whether nothing is sent and the connection is held open without a word.
        package var silent = false

        /// Creates a reply.
        package init(bytes: [UInt8], close: Bool = false, silent: Bool = false) {
            self.bytes = bytes
            self.close = close
            self.silent = silent
        }

        /// A reply of these bytes.
        package static func raw(_ text: String, close: Bool = false) -> Reply { Reply(bytes: Array(text.utf8), close: close) }
        /// No answer at all.
        package static let silence = Reply(bytes: [], silent: true)
    }

    private let listener: Int32
    /// The port listened on.
    package let port: UInt16
    /// The connections accepted so far.
    package let connections = Locked(0)
    /// The requests received so far (head and body as text).
    package let requests = Locked<[String]>([])

    /// Starts a server whose every request gets `script(request, index)`.
    package init(_ script: @escaping @Sendable (_ request: String, _ index: Int) -> Reply) throws {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.EIO) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard bound == 0, named == 0, listen(descriptor, 16) == 0 else {
            close(descriptor)
            throw POSIXError(.EADDRINUSE)
        }
        listener = descriptor
        port = UInt16(bigEndian: address.sin_port)
        let connections = self.connections
        let requests = self.requests
        Thread {
            while true {
                let connection = accept(descriptor, nil, nil)
                guard connection >= 0 else { return }
                connections.withLock { $0 += 1 }
                Thread { Self.serve(connection, script: script, requests: requests) }.start()
            }
        }.start()
    }

    /// A server that answers every request with an SSH banner and closes.
    package static func notHTTP() throws -> CannedSocketServer {
        try CannedSocketServer { _, _ in .raw("SSH-2.0-OpenSSH_9.6\r\nthis is not http at all\r\n", close: true) }
    }

    /// The server's base URL (`http://127.0.0.1:PORT`).
    package var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Stops accepting connections.
    package func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private static func serve(_ connection: Int32, script: @Sendable (String, Int) -> Reply, requests: Locked<[String]>) {
        defer { close(connection) }
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            // One request: the head, then as many body bytes as its Content-Length says.
            var request: [UInt8]?
            while request == nil {
                if let end = find(Array("\r\n\r\n".utf8), in: pending) {
                    let head = String(decoding: pending[..<end], as: UTF8.self)
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    if pending.count >= end + 4 + length {
                        request = Array(pending[..<(end + 4 + length)])
                        pending.removeFirst(end + 4 + length)
                        break
                    }
                }
                let count = recv(connection, &chunk, chunk.count, 0)
                guard count > 0 else { return }
                pending += chunk[..<count]
            }
            let text = String(decoding: request!, as: UTF8.self)
            let index = requests.withLock { list -> Int in
                list.append(text)
                return list.count - 1
            }
            let reply = script(text, index)
            if reply.silent {
                while recv(connection, &chunk, chunk.count, 0) > 0 {}
                return
            }
            _ = reply.bytes.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if reply.close { return }
        }
    }

    private static func find(_ pattern: [UInt8], in buffer: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        return (0...(buffer.count - pattern.count)).first { buffer[$0..<$0 + pattern.count].elementsEqual(pattern) }
    }
}
