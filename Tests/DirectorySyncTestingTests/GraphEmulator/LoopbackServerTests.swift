import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Graph emulator on a loopback socket, and its control API")
struct LoopbackServerTests {
    /// `URLSessionTransport` with 120 s for every bound: on a loaded machine the server's answers
    /// (and the connections of requests the concurrency test holds) can take longer than the
    /// default 10 s to start.
    static func transport() -> URLSessionTransport { URLSessionTransport(configuration: .init(timeout: 120, connectTimeout: 120)) }

    @Test("a full user read over a real socket with URLSessionTransport, many requests on kept-alive connections")
    func fullRead() async throws {
        let harness = EmulatorHarness(users: 1_500, groups: 5)
        let server = LoopbackHTTPServer(harness.emulator)
        try server.start()
        defer { server.stop() }
        let transport = Self.transport()
        let form = "client_id=\(harness.credentials.clientID)&client_secret=\(harness.credentials.clientSecret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        let tokenResponse = try await transport.send(HTTPRequest(
            method: .post, url: server.baseURL.appendingPathComponent("\(harness.credentials.domain)/oauth2/v2.0/token"),
            headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8)))
        let token = try #require(json(tokenResponse)["access_token"] as? String)
        var next: URL? = URL(string: "\(server.baseURL)/v1.0/users?$top=100&$select=id")
        var ids: [String] = []
        while let url = next {
            let page = try await transport.send(HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"]))
            let body = json(page)
            ids += (body["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
            next = (body["@odata.nextLink"] as? String).flatMap(URL.init(string:))
        }
        #expect(ids.count == 1_500)
        #expect(Set(ids).count == 1_500)
    }

    @Test("concurrent clients are served at once")
    func concurrency() async throws {
        // Each request waits (up to 120 s) until three are in the server together: a server that
        // served one connection at a time would never get there.
        let inside = Locked(0)
        let peak = Locked(0)
        let server = LoopbackHTTPServer { request in
            let now = inside.withLock { count -> Int in
                count += 1
                return count
            }
            peak.withLock { $0 = max($0, now) }
            for _ in 0..<12_000 where peak.withLock({ $0 }) < 3 { Thread.sleep(forTimeInterval: 0.01) }
            inside.withLock { $0 -= 1 }
            return GraphEmulator.Reply(response: HTTPResponse(status: 200, body: Data(request.url.path.utf8)))
        }
        try server.start()
        defer { server.stop() }
        let transport = Self.transport()
        try await withThrowingTaskGroup(of: String.self) { group in
            for number in 0..<3 {
                group.addTask { String(decoding: try await transport.send(HTTPRequest(url: server.baseURL.appendingPathComponent("n\(number)"))).body, as: UTF8.self) }
            }
            var paths: Set<String> = []
            for try await path in group { paths.insert(path) }
            #expect(paths.count == 3)
        }
        #expect(peak.withLock { $0 } == 3)
    }

    @Test("the control API changes the tenant, schedules faults and reads the log")
    func control() async throws {
        let harness = EmulatorHarness(users: 10, groups: 1)
        let server = LoopbackHTTPServer(harness.emulator)
        try server.start()
        defer { server.stop() }
        let transport = Self.transport()
        func call(_ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) async throws -> HTTPResponse {
            try await transport.send(HTTPRequest(
                method: method, url: URL(string: "\(server.baseURL)/_emulator/\(path)")!,
                headers: body == nil ? [:] : ["Content-Type": "application/json"], body: body.map { Data($0.utf8) }))
        }
        #expect(try await call(.post, "users", #"{"id":"ctl-1","userPrincipalName":"ctl@contoso.com","otherMails":[],"proxyAddresses":[],"accountEnabled":true}"#).status == 200)
        #expect(harness.emulator.users(tenant: harness.credentials.tenantID).contains { $0.id == "ctl-1" })
        let group = harness.tenant.groups[0].id
        #expect(try await call(.post, "groups/\(group)/members", #"{"id":"ctl-1"}"#).status == 200)
        #expect(harness.emulator.groups(tenant: harness.credentials.tenantID).first { $0.id == group }?.memberUserIDs.contains("ctl-1") == true)
        #expect(try await call(.delete, "groups/\(group)/members/ctl-1").status == 200)
        #expect(try await call(.delete, "users/ctl-1").status == 200)
        #expect(try await call(.post, "users/ctl-1/restore").status == 200)
        #expect(try await call(.delete, "users/ctl-1?permanent=true").status == 200)
        #expect(!harness.emulator.users(tenant: harness.credentials.tenantID).contains { $0.id == "ctl-1" })
        #expect(try await call(.post, "faults", #"{"fault":{"kind":"status","status":500},"times":1}"#).status == 200)
        #expect(try await call(.post, "throttling", #"{"enabled":true}"#).status == 200)
        #expect(try await call(.post, "delta/expire").status == 200)
        #expect(try await call(.post, "clock/advance", #"{"seconds":60}"#).status == 200)
        let log = try await call(.get, "requests")
        #expect(String(decoding: log.body, as: UTF8.self).contains("/_emulator/users"))
        #expect(try await call(.post, "users", "not json").status == 400)
        #expect(try await call(.get, "nothing-here").status == 404)
    }
}
