import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// etcd 3.4's gateway answer to a put on a lease that does not exist, byte for byte as curl saw it:
/// a chunked body with a trailer field, which `URLSession` on Linux cannot read.
private let etcdErrorAnswer = """
    HTTP/1.1 404 Not Found\r
    Content-Type: application/json\r
    Trailer: Grpc-Trailer-Content-Type\r
    Date: Sun, 29 Nov 2026 10:00:00 GMT\r
    Transfer-Encoding: chunked\r
    \r
    6c\r
    {"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5}\r
    0\r
    Grpc-Trailer-Content-Type: application/grpc\r
    \r

    """

private func ok(_ body: String, extra: String = "") -> CannedSocketServer.Reply {
    .raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\(extra)\r\n\(body)")
}

@Suite("LoopbackHTTPTransport: HTTP/1.1 over a socket to loopback")
struct LoopbackHTTPTransportTests {
    @Test("a chunked error answer with a trailer (etcd's) is read: status, body, no trailer in the headers")
    func chunkedWithTrailer() async throws {
        let server = try CannedSocketServer { _, _ in .raw(etcdErrorAnswer) }
        defer { server.stop() }
        let response = try await LoopbackHTTPTransport().send(
            HTTPRequest(method: .post, url: server.baseURL.appendingPathComponent("v3/kv/put"), body: Data(#"{"key":"YQ==","lease":"1"}"#.utf8)))
        #expect(response.status == 404)
        #expect(String(decoding: response.body, as: UTF8.self).hasPrefix(#"{"error":"etcdserver: requested lease not found""#))
        #expect(response.body.count == 0x6c)
        #expect(response.headers["Grpc-Trailer-Content-Type"] == nil)
        #expect(response.headers["content-type"] == "application/json")
    }

    @Test("the request goes out as HTTP/1.1 with Host, User-Agent, Content-Type and Content-Length, and the path and query as given")
    func requestBytes() async throws {
        let server = try CannedSocketServer { _, _ in ok("{}") }
        defer { server.stop() }
        let url = try #require(URL(string: "\(server.baseURL.absoluteString)/v3/kv/range?a=b%20c"))
        _ = try await LoopbackHTTPTransport(configuration: .init(userAgent: "Probe/1")).send(
            HTTPRequest(method: .post, url: url, headers: ["Authorization": "token-1", "Content-Length": "999"], body: Data("{}".utf8)))
        let request = try #require(server.requests.withLock { $0.first })
        let lines = request.components(separatedBy: "\r\n")
        #expect(lines.first == "POST /v3/kv/range?a=b%20c HTTP/1.1")
        #expect(lines.contains("Host: 127.0.0.1:\(server.port)"))
        #expect(lines.contains("User-Agent: Probe/1"))
        #expect(lines.contains("Authorization: token-1"))
        #expect(lines.contains("Content-Type: application/octet-stream"))
        #expect(lines.contains("Content-Length: 2") && !lines.contains("Content-Length: 999"))
        #expect(request.hasSuffix("\r\n\r\n{}"))
    }

    @Test("connections are kept: ten requests, one connection; an answer that closes is not reused")
    func keepAlive() async throws {
        let server = try CannedSocketServer { _, index in index == 10 ? ok("[]", extra: "Connection: close\r\n") : ok("[\(index)]") }
        defer { server.stop() }
        let transport = LoopbackHTTPTransport()
        for index in 0..<10 {
            let response = try await transport.send(HTTPRequest(url: server.baseURL))
            #expect(String(decoding: response.body, as: UTF8.self) == "[\(index)]")
        }
        #expect(server.connections.withLock { $0 } == 1)
        _ = try await transport.send(HTTPRequest(url: server.baseURL))
        _ = try await transport.send(HTTPRequest(url: server.baseURL))
        #expect(server.connections.withLock { $0 } == 2)
    }

    @Test("a kept connection the server closed meanwhile is not used: the next request gets a new one")
    func serverClosedIdle() async throws {
        let server = try CannedSocketServer { _, index in index == 0 ? ok("{}", extra: "Connection: keep-alive\r\n") : ok("{}") }
        defer { server.stop() }
        let transport = LoopbackHTTPTransport()
        _ = try await transport.send(HTTPRequest(method: .post, url: server.baseURL, body: Data()))
        // The server below closes after its first answer (an HTTP/1.0-style close without saying so).
        let closing = try CannedSocketServer { _, _ in ok("{}") + .raw("", close: true) }
        defer { closing.stop() }
        let first = try await transport.send(HTTPRequest(method: .post, url: closing.baseURL, body: Data()))
        #expect(first.status == 200)
        try await waitUntil { closing.requests.withLock { $0.count } == 1 }
        let second = try await transport.send(HTTPRequest(method: .post, url: closing.baseURL, body: Data()))
        #expect(second.status == 200)
        #expect(closing.connections.withLock { $0 } == 2)
    }

    @Test("a kept connection the server closes on the next request, unanswered: a repeatable request goes again on a new connection; another fails")
    func closedOnReuse() async throws {
        let server = try CannedSocketServer { request, _ in
            request.contains("/drop") ? CannedSocketServer.Reply(bytes: [], close: true) : ok("{}")
        }
        defer { server.stop() }
        let transport = LoopbackHTTPTransport()
        _ = try await transport.send(HTTPRequest(url: server.baseURL))
        // The server answers nothing on a path with /drop and closes: the transport cannot know
        // whether it read the request, so only a repeatable one goes again (and is dropped again).
        let repeated = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(method: .post, url: server.baseURL.appendingPathComponent("drop"), body: Data(), isRetryable: true))
        }
        #expect(repeated?.code == .connectionFailed)
        let sentTwice = server.requests.withLock { $0.filter { $0.contains("/drop") }.count }
        #expect(sentTwice == 2)
        _ = try await transport.send(HTTPRequest(url: server.baseURL))
        let once = await #expect(throws: HTTPTransportError.self) {
            try await transport.send(HTTPRequest(method: .post, url: server.baseURL.appendingPathComponent("drop"), body: Data()))
        }
        #expect(once?.code == .connectionFailed)
        #expect(server.requests.withLock { $0.filter { $0.contains("/drop") }.count } == 3)
    }

    @Test("an answer with both Transfer-Encoding and Content-Length is read by its chunks, and its connection is not used again")
    func chunkedWithLength() async throws {
        let server = try CannedSocketServer { _, _ in .raw("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n") }
        defer { server.stop() }
        let transport = LoopbackHTTPTransport()
        for _ in 0..<2 { #expect(String(decoding: try await transport.send(HTTPRequest(url: server.baseURL)).body, as: UTF8.self) == "ok") }
        #expect(server.connections.withLock { $0 } == 2)
    }

    @Test("bodies framed by Content-Length, by chunks and by the end of the connection; 1xx answers skipped; HEAD and 204 without a body")
    func framings() async throws {
        let answers: [(CannedSocketServer.Reply, HTTPRequest.Method, Int, String)] = [
            (.raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"), .get, 200, "hello"),
            (.raw("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nhel\r\n2\r\nlo\r\n0\r\n\r\n"), .get, 200, "hello"),
            (.raw("HTTP/1.1 200 OK\r\n\r\nhello", close: true), .get, 200, "hello"),
            (.raw("HTTP/1.0 200 OK\r\n\r\nhello", close: true), .get, 200, "hello"),
            (.raw("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok"), .post, 201, "ok"),
            (.raw("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"), .head, 200, ""),
            (.raw("HTTP/1.1 204 No Content\r\n\r\n"), .delete, 204, ""),
            (.raw("HTTP/1.1 200 OK\nContent-Length: 2\n\nok"), .get, 200, "ok"),
        ]
        for (reply, method, status, body) in answers {
            let server = try CannedSocketServer { _, _ in reply }
            defer { server.stop() }
            let response = try await LoopbackHTTPTransport().send(HTTPRequest(method: method, url: server.baseURL))
            #expect(response.status == status)
            #expect(String(decoding: response.body, as: UTF8.self) == body, "\(String(decoding: reply.bytes, as: UTF8.self))")
        }
    }

    @Test(
        "answers that are not HTTP/1.1 are connectionFailed naming the host, never a crash",
        arguments: [
            "SSH-2.0-OpenSSH_9.6\r\n\r\n", "HTTP/2 200\r\n\r\n", "HTTP/1.1 2000 OK\r\n\r\n", "HTTP/1.1 200 OK\r\nno colon\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nab",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcd\r\n0\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\n" + String(repeating: "x", count: 20_000),
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3 0\r\n" + String(repeating: "a", count: 48) + "\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n+3\r\nabc\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-0\r\n\r\n",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
            String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 17) + "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
        ])
    func notHTTP(_ answer: String) async throws {
        let server = try CannedSocketServer { _, _ in .raw(answer, close: true) }
        defer { server.stop() }
        let error = await #expect(throws: HTTPTransportError.self) { try await LoopbackHTTPTransport().send(HTTPRequest(url: server.baseURL)) }
        #expect(error?.code == .connectionFailed, "\(String(describing: error))")
        #expect(error?.detail.contains("127.0.0.1") == true, "\(String(describing: error))")
    }

    @Test("an answer past maximumResponseBytes is responseTooLarge, announced or chunked")
    func tooLarge() async throws {
        for answer in ["HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n" + String(repeating: "a", count: 1024) + "\r\n400\r\n"] {
            let server = try CannedSocketServer { _, _ in .raw(answer) }
            defer { server.stop() }
            let transport = LoopbackHTTPTransport(configuration: .init(maximumResponseBytes: 1500))
            let error = await #expect(throws: HTTPTransportError.self) { try await transport.send(HTTPRequest(url: server.baseURL)) }
            #expect(error?.code == .responseTooLarge)
        }
    }

    @Test("a refused connection is connectionFailed with cannotConnectToHost underneath: nothing was sent")
    func refused() async throws {
        let error = await #expect(throws: HTTPTransportError.self) {
            try await LoopbackHTTPTransport().send(HTTPRequest(method: .post, url: URL(string: "http://127.0.0.1:1/v3/kv/put")!, body: Data()))
        }
        #expect(error?.code == .connectionFailed)
        #expect((error?.underlying as? URLError)?.code == .cannotConnectToHost)
    }

    @Test("a server that accepts and stays silent times out at the connect deadline, saying which")
    func silent() async throws {
        let server = try CannedSocketServer { _, _ in .silence }
        defer { server.stop() }
        let error = await #expect(throws: HTTPTransportError.self) {
            try await LoopbackHTTPTransport(configuration: .init(timeout: 30, connectTimeout: 0.3)).send(HTTPRequest(url: server.baseURL))
        }
        #expect(error?.code == .timedOut)
        // The connect deadline (0.3 s), not the request's (30 s), ended it: the message says which.
        // (No bound on the wall time: on a loaded machine the test itself may wait long to resume.)
        #expect(error?.detail.contains("did not start answering within 0.3 s (connect timeout)") == true, "\(String(describing: error))")
    }

    @Test("cancelling the task ends a request that waits on a silent server with CancellationError")
    func cancellation() async throws {
        let server = try CannedSocketServer { _, _ in .silence }
        defer { server.stop() }
        let task = Task { try await LoopbackHTTPTransport(configuration: .init(timeout: 120, connectTimeout: 120)).send(HTTPRequest(url: server.baseURL)) }
        try await waitUntil { server.requests.withLock { $0.count } == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test(
        "https, plain http off loopback, and header fields with line breaks are refused before anything is sent",
        arguments: ["https://127.0.0.1:2379/v3/kv/range", "http://example.com/v3", "http://127.0.0.1:2379/ok"])
    func refusedRequests(_ address: String) async throws {
        let url = try #require(URL(string: address))
        let headers: HTTPHeaders = address.hasSuffix("/ok") ? ["X-Probe": "a\r\nInjected: yes"] : [:]
        let error = await #expect(throws: HTTPTransportError.self) { try await LoopbackHTTPTransport().send(HTTPRequest(url: url, headers: headers)) }
        #expect([.invalidURL, .insecureURL, .invalidRequest].contains(error?.code))
        if address.hasSuffix("/ok") { #expect(error?.code == .invalidRequest) }
    }
}

extension CannedSocketServer.Reply {
    /// Two replies' bytes in one, closing if the second closes.
    static func + (lhs: Self, rhs: Self) -> Self { Self(bytes: lhs.bytes + rhs.bytes, close: lhs.close || rhs.close) }
}
