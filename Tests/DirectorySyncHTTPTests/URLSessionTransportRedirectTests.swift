import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("URLSessionTransport follows redirects only where the URL policy would send the request itself")
struct URLSessionTransportRedirectTests {
    @Test("a redirect to another host is not followed (its bearer token stays here); one to the same origin is")
    func redirects() async throws {
        let elsewhere = Locked(0)
        let other = LoopbackHTTPServer { _ in
            elsewhere.withLock { $0 += 1 }
            return GraphEmulator.Reply(response: HTTPResponse(status: 200))
        }
        let otherPort = try other.start()
        defer { other.stop() }
        let origin = Locked(0)
        let server = LoopbackHTTPServer { request in
            switch request.url.path {
            case "/away": return GraphEmulator.Reply(response: HTTPResponse(status: 302, headers: ["Location": "http://localhost:\(otherPort)/stolen"]))
            case "/here": return GraphEmulator.Reply(response: HTTPResponse(status: 302, headers: ["Location": "/final"]))
            default:
                origin.withLock { $0 += 1 }
                return GraphEmulator.Reply(response: HTTPResponse(status: 200, body: Data("final".utf8)))
            }
        }
        try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport()
        let away = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("away"), headers: ["Authorization": "Bearer token"]))
        #expect(away.status == 302)
        #expect(elsewhere.withLock { $0 } == 0, "nothing reached the other host")
        let here = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("here")))
        #expect(here.status == 200)
        #expect(String(decoding: here.body, as: UTF8.self) == "final")
        #expect(origin.withLock { $0 } == 1)
    }
}

@Suite("URLSessionTransport bounds what it keeps of an answer")
struct URLSessionTransportResponseLimitTests {
    @Test("a body past maximumResponseBytes fails with responseTooLarge instead of filling memory; one within it arrives whole")
    func responseLimit() async throws {
        let server = LoopbackHTTPServer { request in
            GraphEmulator.Reply(response: HTTPResponse(status: 200, body: Data(count: request.url.path == "/big" ? 4 << 20 : 1 << 20)))
        }
        try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport(configuration: .init(maximumResponseBytes: 2 << 20))
        await #expect { try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("big"))) } throws: { error in
            (error as? HTTPTransportError)?.code == .responseTooLarge
        }
        #expect(try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("small"))).body.count == 1 << 20)
    }
}
