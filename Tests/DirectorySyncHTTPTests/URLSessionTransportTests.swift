import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("URLSessionTransport over a real loopback socket and an in-process URLProtocol")
struct URLSessionTransportTests {
    /// A server that echoes what it received.
    static func echoServer() throws -> LoopbackHTTPServer {
        let server = LoopbackHTTPServer { request in
            var lines = ["\(request.method) \(request.url.path)"]
            for field in request.headers { lines.append("\(field.name.lowercased()): \(field.value)") }
            lines.append("body: \(String(decoding: request.body ?? Data(), as: UTF8.self))")
            let status = Int(request.url.lastPathComponent) ?? 200
            return GraphEmulator.Reply(response: HTTPResponse(status: status, headers: ["Content-Type": "text/plain", "X-Echo": "1"], body: Data(lines.joined(separator: "\n").utf8)))
        }
        try server.start()
        return server
    }

    @Test("sends method, headers, body, our User-Agent and a Content-Type; returns any status")
    func roundTrip() async throws {
        let server = try Self.echoServer()
        defer { server.stop() }
        let transport = URLSessionTransport(configuration: .init(userAgent: "DirectorySync-Test/1"))
        let request = HTTPRequest(method: .patch, url: server.baseURL.appendingPathComponent("echo"), headers: ["X-Custom": "yes"], body: Data("hello".utf8))
        let response = try await transport.send(request)
        let text = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 200)
        #expect(response.headers["x-echo"] == "1")
        #expect(text.contains("PATCH /echo"))
        #expect(text.contains("x-custom: yes"))
        #expect(text.contains("user-agent: DirectorySync-Test/1"))
        #expect(text.contains("content-type: application/octet-stream"))
        #expect(text.contains("body: hello"))
        let notFound = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("404")))
        #expect(notFound.status == 404)
    }

    @Test("every answer is read fresh, and no cookie is kept or sent, whatever the server asks")
    func noCacheNoCookies() async throws {
        let served = Locked(0)
        let cookies = Locked<[String]>([])
        let server = LoopbackHTTPServer { request in
            let number = served.withLock { count -> Int in
                count += 1
                return count
            }
            if let cookie = request.headers["Cookie"] { cookies.withLock { $0.append(cookie) } }
            return GraphEmulator.Reply(response: HTTPResponse(
                status: 200, headers: ["Cache-Control": "public, max-age=600", "Set-Cookie": "affinity=\(number); Path=/", "Content-Type": "text/plain"],
                body: Data("answer \(number)".utf8)))
        }
        try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport()
        let url = server.baseURL.appendingPathComponent("page")
        let bodies = try await [transport.send(HTTPRequest(url: url)), transport.send(HTTPRequest(url: url)), transport.send(HTTPRequest(url: url))]
            .map { String(decoding: $0.body, as: UTF8.self) }
        #expect(bodies == ["answer 1", "answer 2", "answer 3"], "a cached answer came back")
        #expect(cookies.withLock { $0 } == [], "a cookie was sent back")
    }

    @Test("a refused connection is connectionFailed; plain http to a remote host is refused before sending")
    func failures() async throws {
        let transport = URLSessionTransport(configuration: .init(timeout: 5))
        await #expect { try await transport.send(HTTPRequest(url: URL(string: "http://127.0.0.1:1/x")!)) } throws: { error in
            (error as? HTTPTransportError)?.code == .connectionFailed
        }
        await #expect { try await transport.send(HTTPRequest(url: URL(string: "http://example.com/x")!)) } throws: { error in
            (error as? HTTPTransportError)?.code == .insecureURL
        }
    }

    @Test("a refused connection keeps the URLError's code underneath, without the URL (a query could hold a secret)")
    func underlyingURLError() async throws {
        let transport = URLSessionTransport(configuration: .init(timeout: 5))
        await #expect { try await transport.send(HTTPRequest(url: URL(string: "http://127.0.0.1:1/x?code=s3cr3t")!)) } throws: { error in
            guard let error = error as? HTTPTransportError, let underlying = error.underlying as? URLError else { return false }
            return error.code == .connectionFailed && underlying.errorUserInfo.isEmpty && !"\(underlying)".contains("s3cr3t")
                && !error.description.contains("s3cr3t")
        }
    }

    @Test("a slow response past the timeout is timedOut")
    func timeout() async throws {
        let server = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200), delay: 3) }
        try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport(configuration: .init(timeout: 1))
        await #expect { try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("slow"))) } throws: { error in
            (error as? HTTPTransportError)?.code == .timedOut
        }
    }

    @Test("cancelling the task throws CancellationError, not URLError")
    func cancellation() async throws {
        // A server that never answers, and the cancel sent once it has the request: a test that
        // slept a moment and cancelled got the answer instead when the machine was busy.
        let server = try CannedSocketServer { _, _ in .silence }
        defer { server.stop() }
        let transport = URLSessionTransport(configuration: .init(timeout: 600, connectTimeout: 600))
        let task = Task { try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("slow"))) }
        try await waitUntil("the request to arrive") { server.requests.withLock { $0.count } == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }

    @Test("in-process through EmulatorURLProtocol: the same emulator without a socket")
    func urlProtocolMount() async throws {
        let emulator = GraphEmulator()
        let credentials = emulator.load(TenantGenerator(configuration: .init(users: 20, groups: 2, seed: 1)).generate())
        let host = "login.emulator-\(UUID().uuidString.prefix(8).lowercased()).test"
        let transport = URLSessionTransport(session: EmulatorURLProtocol.session(serving: emulator, host: host))
        let configuration = try await transport.send(HTTPRequest(url: URL(string: "https://\(host)/\(credentials.domain)/v2.0/.well-known/openid-configuration")!))
        #expect(configuration.status == 200)
        #expect(String(decoding: configuration.body, as: UTF8.self).contains("\"tenant_region_scope\":\"NA\""))
        let form = "client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret)&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        let token = try await transport.send(HTTPRequest(
            method: .post, url: URL(string: "https://\(host)/\(credentials.tenantID)/oauth2/v2.0/token")!,
            headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8)))
        #expect(token.status == 200, "\(token)")
    }

    @Test("dump of a transport with a request in flight shows its configuration, never the request's Authorization header (it walked URLSession's tasks: once it printed the header, once it crashed)")
    func dumpInFlight() async throws {
        let receiver = try WebhookReceiver(hangs: true)
        defer { receiver.stop() }
        let token = "canary-bearer-\(UUID().uuidString)"
        let transport = URLSessionTransport(configuration: .init(timeout: 600, connectTimeout: 600))
        let request = HTTPRequest(method: .post, url: receiver.url, headers: ["Authorization": "Bearer \(token)"], body: Data("{}".utf8))
        let sent = Task { try await transport.send(request) }
        var arrivals = receiver.arrivals.makeAsyncIterator()
        _ = await arrivals.next()
        var dumped = ""
        dump(transport, to: &dumped)
        #expect(dumped.contains("timeout: 600.0"))
        #expect(!dumped.contains(token))
        receiver.release()
        #expect(try await sent.value.status == 204)
    }

    @Test("an answer that is not HTTP is connectionFailed saying so — not invalidURL (the URL is fine) — and names the host only, never the path or query")
    func answerNotHTTP() async throws {
        let server = try CannedSocketServer.notHTTP()
        defer { server.stop() }
        let url = try #require(URL(string: "\(server.baseURL.absoluteString)/services/canary-P4th-77a1?sig=canary-Qu3ry-3c5d&token=canary-T0k-8e0f"))
        let error = await #expect(throws: HTTPTransportError.self) { try await URLSessionTransport().send(HTTPRequest(method: .post, url: url, body: Data("{}".utf8))) }
        #expect(error?.code == .connectionFailed, "\(String(describing: error))")
        #expect(error?.detail.contains("127.0.0.1: the server's answer is not HTTP") == true, "\(String(describing: error))")
        let text = "\(String(describing: error)) \(error.map { String(reflecting: $0) } ?? "")"
        #expect(!text.contains("canary"), "\(text)")
    }
}
