import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("The emulator's $filter parser refuses nesting and size past its limits with Graph's 400, never a stack overflow")
struct ODataFilterLimitTests {
    static func encoded(_ filter: String) -> String { filter.replacingOccurrences(of: " ", with: "%20") }

    @Test("5,000 levels of parentheses or 'not' are a 400 BadRequest naming the limit", arguments: [
        String(repeating: "(", count: 5_000) + "department eq 'Sales'" + String(repeating: ")", count: 5_000),
        String(repeating: "not ", count: 5_000) + "department eq 'Sales'",
        String(repeating: "(", count: 5_000),
        String(repeating: "(not ", count: 5_000),
    ])
    func deepNesting(filter: String) {
        let harness = EmulatorHarness(users: 10, groups: 1)
        let response = harness.get("/v1.0/users?$filter=\(Self.encoded(filter))&$count=true", headers: ["ConsistencyLevel": "eventual"])
        #expect(response.status == 400)
        #expect(errorCode(response) == "BadRequest")
        #expect(String(decoding: response.body, as: UTF8.self).contains("100 levels"))
    }

    @Test("100 levels are still served; 101 are refused")
    func atTheLimit() {
        let harness = EmulatorHarness(users: 10, groups: 1)
        func nested(_ depth: Int) -> String {
            String(repeating: "(", count: depth) + "accountEnabled eq true" + String(repeating: ")", count: depth)
        }
        #expect(harness.get("/v1.0/users?$filter=\(Self.encoded(nested(100)))").status == 200)
        #expect(harness.get("/v1.0/users?$filter=\(Self.encoded(nested(101)))").status == 400)
    }

    @Test("an 'or' chain of more than 1,000 conditions is a 400; 1,000 are served")
    func longChain() {
        let harness = EmulatorHarness(users: 10, groups: 1)
        func chain(_ count: Int) -> String { Array(repeating: "department eq 'Sales'", count: count).joined(separator: " or ") }
        #expect(harness.get("/v1.0/users?$filter=\(Self.encoded(chain(1_000)))").status == 200)
        let refused = harness.get("/v1.0/users?$filter=\(Self.encoded(chain(1_001)))")
        #expect(refused.status == 400)
        #expect(errorCode(refused) == "BadRequest")
    }

    @Test("over a socket, a 5,000-deep filter is a 400 and the server keeps serving")
    func overSocket() throws {
        let harness = EmulatorHarness(users: 10, groups: 1)
        let server = LoopbackHTTPServer(harness.emulator)
        try server.start()
        defer { server.stop() }
        let filter = Self.encoded(String(repeating: "(", count: 5_000) + "department eq 'Sales'" + String(repeating: ")", count: 5_000))
        let connection = try RawConnection(port: server.port)
        connection.write("GET /v1.0/users?$filter=\(filter) HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(harness.token())\r\n\r\n")
        #expect(connection.status(within: 10) == 400)
        let next = try RawConnection(port: server.port)
        next.write("GET /v1.0/users?$top=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(harness.token())\r\n\r\n")
        #expect(next.status(within: 10) == 200)
    }
}
