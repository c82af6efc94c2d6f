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
/// ```swift
/// let server = LoopbackHTTPServer(emulator)
/// let port = try server.start()          // port 0 picks a free port
/// defer { server.stop() }
/// ```
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// Answers one request.
    public typealias Handler = @Sendable (HTTPRequest) -> GraphEmulator.Reply

    private let handler: Handler
    private let lock = NSLock()
    private var listener: Int32 = -1
    private var connections: Set<Int32> = []
    private var boundPort: UInt16 = 0

    /// Creates a server for an emulator.
    /// - Parameter emulator: The emulator to serve.
    public convenience init(_ emulator: GraphEmulator) { self.init(handler: { emulator.handle($0) }) }

    /// Creates a server for any handler.
    /// - Parameter handler: Answers requests.
    public init(handler: @escaping Handler) { self.handler = handler }

    /// The port the server listens on (0 before ``start(port:)``).
    public var port: UInt16 { lock.withLock { boundPort } }

    /// `http://127.0.0.1:<port>`
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    /// Starts listening on loopback.
    /// - Parameter port: The port; 0 picks a free one.
    /// - Returns: The port listened on.
    /// - Throws: `POSIXError` when the socket cannot be bound.
    @discardableResult
    public func start(port: UInt16 = 0) throws -> UInt16 {
        #if os(Linux)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { throw POSIXError(.EMFILE) }
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
            close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EADDRINUSE)
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        let actual = UInt16(bigEndian: address.sin_port)
        lock.withLock {
            listener = descriptor
            boundPort = actual
        }
        let thread = Thread { [self] in acceptLoop(descriptor) }
        thread.stackSize = 1 << 20
        thread.start()
        return actual
    }

    /// Stops listening and closes every connection.
    public func stop() {
        let (descriptor, open) = lock.withLock { () -> (Int32, Set<Int32>) in
            defer {
                listener = -1
                connections = []
            }
            return (listener, connections)
        }
        if descriptor >= 0 {
            shutdown(descriptor, Int32(SHUT_RDWR))
            close(descriptor)
        }
        for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
    }

    private func acceptLoop(_ descriptor: Int32) {
        while true {
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR { continue }
                return
            }
            var noDelay: Int32 = 1
            setsockopt(connection, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
            lock.withLock { _ = connections.insert(connection) }
            let thread = Thread { [self] in
                serve(connection)
                lock.withLock { _ = connections.remove(connection) }
                close(connection)
            }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func serve(_ connection: Int32) {
        var buffer = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            // Read the head.
            var headEnd: Int?
            while headEnd == nil {
                headEnd = Self.find([13, 10, 13, 10], in: buffer)
                if headEnd != nil { break }
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
                if buffer.count > 1 << 20 { return }
            }
            let head = String(decoding: buffer[0..<headEnd!], as: UTF8.self)
            buffer.removeFirst(headEnd! + 4)
            var lines = head.components(separatedBy: "\r\n")
            let requestLine = lines.removeFirst().split(separator: " ")
            guard requestLine.count >= 2 else { return }
            var headers = HTTPHeaders()
            for line in lines {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let length = Int(headers["Content-Length"] ?? "0") ?? 0
            while buffer.count < length {
                let count = read(connection, &chunk, chunk.count)
                if count <= 0 { return }
                buffer.append(contentsOf: chunk[0..<count])
            }
            let body = length > 0 ? Data(buffer[0..<length]) : nil
            buffer.removeFirst(length)
            guard let url = URL(string: "http://127.0.0.1:\(port)\(requestLine[1])") else { return }
            let request = HTTPRequest(method: .init(rawValue: String(requestLine[0])), url: url, headers: headers, body: body)
            let reply = handler(request)
            if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
            if reply.dropConnection { return }
            var response = "HTTP/1.1 \(reply.response.status) \(Self.reason(reply.response.status))\r\n"
            for field in reply.response.headers where field.name.lowercased() != "content-length" {
                response += "\(field.name): \(field.value)\r\n"
            }
            response += "Content-Length: \(reply.response.body.count)\r\nConnection: keep-alive\r\n\r\n"
            var bytes = Array(response.utf8)
            bytes.append(contentsOf: reply.response.body)
            guard Self.writeAll(connection, bytes) else { return }
            if headers["Connection"]?.lowercased() == "close" { return }
        }
    }

    private static func writeAll(_ connection: Int32, _ bytes: [UInt8]) -> Bool {
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

    private static func find(_ pattern: [UInt8], in buffer: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for index in 0...(buffer.count - pattern.count) where buffer[index] == pattern[0] {
            if Array(buffer[index..<index + pattern.count]) == pattern { return index }
        }
        return nil
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
        case 410: "Gone"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status"
        }
    }
}
