import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("URLSessionTransport timeouts fit an interactive command")
struct URLSessionTransportTimeoutTests {
    @Test("the defaults: 10 s until the answer starts, 30 s for the whole request")
    func defaults() {
        let configuration = HTTPTransportConfiguration()
        #expect(configuration.connectTimeout == 10)
        #expect(configuration.timeout == 30)
        #expect(URLSessionTransport().configuration.connectTimeout == 10)
    }

    @Test("a host that accepts and never answers fails after the connect timeout, not the request timeout")
    func silentHost() async throws {
        let server = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200), delay: 600) }
        try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport(configuration: .init(timeout: 30, connectTimeout: 1))
        let elapsed = await realTime {
            await #expect { try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("silent"))) } throws: { error in
                guard let error = error as? HTTPTransportError else { return false }
                return error.code == .timedOut && error.detail.contains("1 s")
            }
        }
        // The detail says the connect deadline fired; the clock, read on a thread of its own, that
        // it fired near its second, far from the request's 30 s and the answer's 600 s.
        #expect(elapsed < .seconds(15))
    }

    @Test("https to a port that speaks plain HTTP fails in seconds with a transport error")
    func wrongProtocol() async throws {
        let server = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200)) }
        let port = try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport()
        let elapsed = await realTime {
            await #expect(throws: HTTPTransportError.self) {
                try await transport.send(HTTPRequest(url: URL(string: "https://127.0.0.1:\(port)/common/v2.0/.well-known/openid-configuration")!))
            }
        }
        // Within the connect timeout (10 s), far from the request's 30 s and the defect's 182 s; the
        // clock is read on a thread of its own, so a busy test run does not count.
        #expect(elapsed < .seconds(25), "the defect took 182 s")
    }

    @Test("a fast answer is not cut by the connect timeout, and the body arrives whole")
    func fastAnswer() async throws {
        let body = Data(String(repeating: "0123456789", count: 200_000).utf8)
        let server = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200, body: body)) }
        try server.start()
        defer { server.stop() }
        // Room for a loaded machine: this is about the body arriving whole, not about the deadline.
        let transport = URLSessionTransport(configuration: .init(timeout: 30, connectTimeout: 5))
        for _ in 0..<3 {
            let response = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("big")))
            #expect(response.status == 200)
            #expect(response.body == body)
        }
    }
}
