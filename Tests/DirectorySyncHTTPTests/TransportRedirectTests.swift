import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// The package's transports, by name, for tests that hold for each.
enum TransportKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case urlSession, loopback

    var transport: any HTTPTransport { self == .urlSession ? URLSessionTransport() : LoopbackHTTPTransport() }
    var testDescription: String { rawValue }
}

@Suite("Both transports follow redirects only where the URL policy would send the request itself")
struct TransportRedirectTests {
    @Test("a redirect to another host is not followed (its bearer token stays here); one to the same origin is", arguments: TransportKind.allCases)
    func redirects(_ kind: TransportKind) async throws {
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
        let transport = kind.transport
        let away = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("away"), headers: ["Authorization": "Bearer token"]))
        #expect(away.status == 302)
        #expect(elsewhere.withLock { $0 } == 0, "nothing reached the other host")
        let here = try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("here")))
        #expect(here.status == 200)
        #expect(String(decoding: here.body, as: UTF8.self) == "final")
        #expect(origin.withLock { $0 } == 1)
    }

    /// Each case: the method sent, the redirect's status, and what reaches the new URL.
    static let methodCases: [(method: String, status: Int, arrives: String)] = [
        ("POST", 301, "GET "), ("POST", 302, "GET "), ("POST", 303, "GET "), ("POST", 307, "POST {}"), ("POST", 308, "POST {}"),
        ("DELETE", 301, "DELETE {}"), ("DELETE", 302, "DELETE {}"), ("DELETE", 303, "GET "), ("PATCH", 302, "PATCH {}"),
        ("PATCH", 303, "GET "), ("PUT", 307, "PUT {}"), ("GET", 303, "GET "),
    ]

    @Test("the method and body are kept, except a POST answered 301 or 302, and anything but GET or HEAD answered 303, which fetch with GET",
          arguments: TransportKind.allCases, methodCases.indices)
    func methods(_ kind: TransportKind, _ index: Int) async throws {
        let (method, status, arrives) = Self.methodCases[index]
        let seen = Locked<[String]>([])
        let server = LoopbackHTTPServer { request in
            guard request.url.path == "/final" else {
                return GraphEmulator.Reply(response: HTTPResponse(status: status, headers: ["Location": "/final?from=\(status)"]))
            }
            seen.withLock { $0.append("\(request.method) \(String(decoding: request.body ?? Data(), as: UTF8.self))") }
            return GraphEmulator.Reply(response: HTTPResponse(status: 201))
        }
        try server.start()
        defer { server.stop() }
        let body = method == "GET" ? nil : Data("{}".utf8)
        let response = try await kind.transport.send(
            HTTPRequest(method: .init(rawValue: method), url: server.baseURL.appendingPathComponent("Users"), headers: ["Content-Type": "application/json"], body: body))
        #expect(response.status == 201)
        #expect(seen.withLock { $0 } == [arrives], "\(method) answered \(status)")
    }

    @Test("a redirect loop ends: the last answer comes back as it is, after at most ten more requests", arguments: TransportKind.allCases)
    func loop(_ kind: TransportKind) async throws {
        let requests = Locked(0)
        let server = LoopbackHTTPServer { _ in
            requests.withLock { $0 += 1 }
            return GraphEmulator.Reply(response: HTTPResponse(status: 302, headers: ["Location": "/again"]))
        }
        try server.start()
        defer { server.stop() }
        let response = try await kind.transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("start")))
        #expect(response.status == 302)
        #expect(requests.withLock { $0 } == Redirects.limit + 1)
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
