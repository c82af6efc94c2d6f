import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Loopback server under hostile input: refused with a status, never a crash or a hang, and still serving")
struct LoopbackServerAbuseTests {
    /// A server that answers every well-formed request with 200 and the path.
    static func server(_ configuration: LoopbackHTTPServer.Configuration = .init()) throws -> LoopbackHTTPServer {
        let server = LoopbackHTTPServer(configuration: configuration) { request in
            GraphEmulator.Reply(response: HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: Data(request.url.path.utf8)))
        }
        try server.start()
        return server
    }

    /// The server still answers a good request on a new connection.
    static func expectServing(_ server: LoopbackHTTPServer, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let connection = try RawConnection(port: server.port)
        connection.write("GET /still-here HTTP/1.1\r\nHost: x\r\n\r\n")
        let (bytes, _) = connection.receive(within: 5) { String(decoding: $0, as: UTF8.self).hasSuffix("/still-here") }
        #expect(RawConnection.status(bytes) == 200, sourceLocation: sourceLocation)
        #expect(String(decoding: bytes, as: UTF8.self).hasSuffix("/still-here"), sourceLocation: sourceLocation)
    }

    @Test("bad Content-Length framing is 400 and the connection closes", arguments: [
        "Content-Length: -1\r\n",
        "Content-Length: -9223372036854775808\r\n",
        "Content-Length: abc\r\n",
        "Content-Length: +5\r\n",
        "Content-Length: 5 5\r\n",
        "Content-Length: \r\n",
        "Content-Length: 99999999999999999999999999\r\n",
        "Content-Length: 5\r\nContent-Length: 6\r\n",
        "Content-Length: 5, 6\r\n",
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n",
    ])
    func badContentLength(header: String) throws {
        let server = try Self.server()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("POST /x HTTP/1.1\r\nHost: x\r\n\(header)\r\nhello")
        let (bytes, closed) = connection.readToEnd(within: 5)
        #expect(RawConnection.status(bytes) == 400)
        #expect(String(decoding: bytes, as: UTF8.self).contains(#""code":"BadRequest""#))
        #expect(closed)
        try Self.expectServing(server)
    }

    @Test("a repeated identical Content-Length is accepted")
    func repeatedLength() throws {
        let server = try Self.server()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("POST /same HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello")
        #expect(connection.status(within: 5) == 200)
    }

    @Test("bytes that are not HTTP are answered 400 and closed at once, not waited on", arguments: [
        // The start of a TLS 1.2 ClientHello, as a client sends to an https URL.
        [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03] as [UInt8],
        Array("\u{0}\u{1}\u{2}garbage".utf8),
        Array("get / HTTP/1.1\r\n\r\n".utf8),
        Array(" / HTTP/1.1\r\n\r\n".utf8),
        Array("GET /\r\n\r\n".utf8),
        Array("GET http://evil.example/ HTTP/1.1\r\n\r\n".utf8),
        Array("GET / HTTP/1.1\r\nno colon here\r\n\r\n".utf8),
        Array("GET / HTTP/1.1\r\nBad Name: x\r\n\r\n".utf8),
        Array("GET / HTTP/1.1\r\nA: b\nC: d\r\n\r\n".utf8),
        Array("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n".utf8),
    ])
    func notHTTP(bytes: [UInt8]) throws {
        let server = try Self.server()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write(bytes)
        let (answer, closed) = connection.readToEnd(within: 5)
        #expect(RawConnection.status(answer) == 400)
        #expect(closed)
        try Self.expectServing(server)
    }

    @Test("another HTTP version is 505")
    func otherVersion() throws {
        let server = try Self.server()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        let (answer, closed) = connection.readToEnd(within: 5)
        #expect(RawConnection.status(answer) == 505 || RawConnection.status(answer) == 400)
        #expect(closed)
        try Self.expectServing(server)
    }

    @Test("a 1 GB Content-Length is refused with 413 before any of the body is read")
    func oversizedBody() throws {
        let server = try Self.server()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{\"a\":")
        let (answer, closed) = connection.readToEnd(within: 5)
        #expect(RawConnection.status(answer) == 413)
        #expect(closed)
        try Self.expectServing(server)
    }

    @Test("a body just over the configured limit is 413; one at the limit is served")
    func bodyLimit() throws {
        let server = try Self.server(.init(maximumBodyBytes: 1_000))
        defer { server.stop() }
        let atLimit = try RawConnection(port: server.port)
        atLimit.write("POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n" + String(repeating: "a", count: 1_000))
        #expect(atLimit.status(within: 5) == 200)
        let over = try RawConnection(port: server.port)
        over.write("POST /big HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n" + String(repeating: "a", count: 1_001))
        #expect(over.status(within: 5) == 413)
    }

    @Test("Expect: 100-continue is answered 100 before the body, and 413 at once when the body is too large")
    func expectContinue() throws {
        let server = try Self.server(.init(maximumBodyBytes: 1_000))
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
        #expect(connection.status(within: 5) == 100)
        connection.write("hello")
        #expect(connection.status(within: 5) == 200)
        let refused = try RawConnection(port: server.port)
        refused.write("POST /go HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        #expect(refused.status(within: 5) == 413)
    }

    @Test("headers over 64 KiB are refused with 431, with or without their end in sight")
    func oversizedHeaders() throws {
        let server = try Self.server()
        defer { server.stop() }
        let huge = "X-Padding: " + String(repeating: "a", count: 70_000) + "\r\n"
        let complete = try RawConnection(port: server.port)
        complete.write("GET / HTTP/1.1\r\nHost: x\r\n\(huge)\r\n")
        let (answer, closed) = complete.readToEnd(within: 5)
        #expect(RawConnection.status(answer) == 431)
        #expect(closed)
        let endless = try RawConnection(port: server.port)
        endless.write("GET / HTTP/1.1\r\nHost: x\r\n\(huge)")
        #expect(endless.status(within: 5) == 431)
        try Self.expectServing(server)
    }

    @Test("a request that stalls half-way is answered 408 after the request timeout; an idle connection is closed")
    func slowClient() throws {
        // A generous idle time, so a slow test machine cannot turn the stalled request into an idle close.
        let server = try Self.server(.init(requestTimeout: 0.3, idleTimeout: 30))
        defer { server.stop() }
        let stalled = try RawConnection(port: server.port)
        stalled.write("GET /slow HTTP/1.1\r\nHost: x\r\n")
        let (answer, closed) = stalled.readToEnd(within: 10)
        #expect(RawConnection.status(answer) == 408)
        #expect(closed)
        try Self.expectServing(server)

        let idleServer = try Self.server(.init(requestTimeout: 30, idleTimeout: 0.3))
        defer { idleServer.stop() }
        let idle = try RawConnection(port: idleServer.port)
        let (nothing, idleClosed) = idle.readToEnd(within: 10)
        #expect(nothing.isEmpty)
        #expect(idleClosed)
    }

    @Test("connections over the limit are answered 503 and closed; the ones admitted keep working")
    func connectionLimit() throws {
        let server = try Self.server(.init(maximumConnections: 2))
        defer { server.stop() }
        let first = try RawConnection(port: server.port)
        let second = try RawConnection(port: server.port)
        for connection in [first, second] {
            connection.write("GET /in HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(connection.status(within: 5) == 200)
        }
        let third = try RawConnection(port: server.port)
        let (answer, closed) = third.readToEnd(within: 5)
        #expect(RawConnection.status(answer) == 503)
        #expect(closed)
        first.write("GET /again HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(first.status(within: 5) == 200)
    }

    @Test("Connection: close is honoured and announced")
    func connectionClose() throws {
        let server = try Self.server()
        defer { server.stop() }
        let connection = try RawConnection(port: server.port)
        connection.write("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let (answer, closed) = connection.readToEnd(within: 5)
        #expect(RawConnection.status(answer) == 200)
        #expect(String(decoding: answer, as: UTF8.self).contains("Connection: close\r\n"))
        #expect(closed)
    }

    @Test("a port in use is a typed error that names the port and the fix")
    func portInUse() throws {
        let server = try Self.server()
        defer { server.stop() }
        let second = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200)) }
        #expect { try second.start(port: server.port) } throws: { error in
            guard let error = error as? LoopbackServerError else { return false }
            return error.code == .addressInUse && error.port == server.port && error.description.contains("port \(server.port)")
                && error.description.contains("already in use") && !error.description.contains("NSPOSIXErrorDomain")
        }
    }

    @Test("stop frees the port at once: a new server can take it")
    func stopFreesPort() throws {
        let server = try Self.server()
        let port = server.port
        server.stop()
        let again = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200)) }
        try again.start(port: port)
        again.stop()
    }
}
