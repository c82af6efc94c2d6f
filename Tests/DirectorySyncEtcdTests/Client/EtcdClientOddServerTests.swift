import DirectorySync
import DirectorySyncEtcd
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// A transport that answers from a closure and records what it was sent.
final class FakeEtcdTransport: HTTPTransport {
    private let answer: @Sendable (HTTPRequest) async throws -> HTTPResponse
    private let sent = Locked<[HTTPRequest]>([])

    init(_ answer: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) { self.answer = answer }

    /// Answers every request with `status` and `body`.
    convenience init(status: Int = 200, _ body: String) {
        self.init { _ in HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Data(body.utf8)) }
    }

    var requests: [HTTPRequest] { sent.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        sent.withLock { $0.append(request) }
        return try await answer(request)
    }
}

func json(_ status: Int = 200, _ body: String) -> HTTPResponse {
    HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
}

private let one = [URL(string: "http://127.0.0.1:2379")!]
private let two = [URL(string: "http://127.0.0.1:2379")!, URL(string: "http://127.0.0.2:2379")!]

private func client(_ transport: FakeEtcdTransport, endpoints: [URL] = one, username: String? = nil, password: Secret? = nil) throws -> EtcdClient {
    try EtcdClient(configuration: .init(endpoints: endpoints, username: username, password: password, requestTimeout: .milliseconds(500)), transport: transport)
}

/// The client against servers that answer oddly: typed errors, never a crash.
@Suite("EtcdClient against odd and hostile servers")
struct EtcdClientOddServerTests {
    @Test("a read whose kept connection the server closed unanswered goes again on a new one; a transaction does not (its outcome is unknown)")
    func closedKeptConnection() async throws {
        // Every second request is dropped unanswered, its connection closed: a proxy's keep-alive
        // timeout that ends just as the connection is used again.
        let answer = #"{"header":{"revision":"7"}}"#
        let server = try CannedSocketServer { _, index in
            index % 2 == 1 ? CannedSocketServer.Reply(bytes: [], close: true)
                : .raw("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\n\r\n\(answer)")
        }
        defer { server.stop() }
        let client = try EtcdClient(configuration: .init(endpoints: [server.baseURL], requestTimeout: .seconds(30)))
        for _ in 0..<3 { #expect(try await client.range(.key("/a")).revision == 7) }
        #expect(server.connections.withLock { $0 } >= 3)
        await expectEtcdError(.outcomeUnknown) { try await client.txn(EtcdTxn(compare: [.absent("/a")], success: [.put(key: "/a", value: Data())])) }
    }

    @Test(
        "answers that are not etcd's JSON are invalidResponse",
        arguments: [
            "not json", "[]", #"{"kvs": "x"}"#, #"{"kvs": [{"key": 5}]}"#, #"{"kvs": [{"key": "!!notbase64"}]}"#,
            #"{"header": {"revision": "abc"}}"#, #"{"count": "99999999999999999999999"}"#, #"{"more": "yes"}"#, "",
        ])
    func notEtcdJSON(_ body: String) async throws {
        let transport = FakeEtcdTransport(body)
        await expectEtcdError(.invalidResponse) { try await client(transport).range(.key("/a")) }
    }

    @Test("fields left out mean their defaults (proto3 JSON): an empty answer is an empty read, a failed transaction has no 'succeeded'")
    func absentFields() async throws {
        let read = try await client(FakeEtcdTransport("{}")).range(.prefix("/a"))
        #expect(read == EtcdRangeResult(keyValues: [], count: 0, more: false, revision: 0))
        let kv = try await client(FakeEtcdTransport(#"{"kvs":[{"key":"L2E="}],"count":1}"#)).range(.key("/a"))
        #expect(kv.keyValues == [EtcdKeyValue(key: "/a", value: Data(), createRevision: 0, modRevision: 0, version: 0, lease: 0)])
        let numbers = try await client(FakeEtcdTransport(#"{"header":{"revision":7},"kvs":[{"key":"L2E=","mod_revision":3}]}"#)).range(.key("/a"))
        #expect(numbers.revision == 7 && numbers.keyValues.first?.modRevision == 3)
        let failed = try await client(FakeEtcdTransport(#"{"header":{"revision":"4"},"responses":[{"response_range":{}}]}"#)).txn(
            EtcdTxn(compare: [.absent("/a")], success: [.put(key: "/a", value: Data())], failure: [.range(.key("/a"))]))
        #expect(!failed.succeeded && failed.revision == 4)
        #expect(failed.results == [.range(EtcdRangeResult(keyValues: [], count: 0, more: false, revision: 4))])
    }

    @Test("a transaction answered with the wrong number or kinds of results is invalidResponse")
    func mismatchedTransaction() async throws {
        let txn = EtcdTxn(compare: [], success: [.put(key: "/a", value: Data()), .range(.key("/b"))])
        await expectEtcdError(.invalidResponse) {
            try await client(FakeEtcdTransport(#"{"succeeded":true,"responses":[{"response_put":{}}]}"#)).txn(txn)
        }
        await expectEtcdError(.invalidResponse) {
            try await client(FakeEtcdTransport(#"{"succeeded":true,"responses":[{"response_range":{}},{"response_range":{}}]}"#)).txn(txn)
        }
    }

    @Test("an answer larger than the configuration accepts is invalidResponse")
    func tooLarge() async throws {
        let body = #"{"kvs":[{"key":"L2E=","value":""# + String(repeating: "A", count: 2_000_000) + #""}]}"#
        let transport = FakeEtcdTransport(body)
        let small = try EtcdClient(configuration: .init(endpoints: one, maximumResponseBytes: 1_000_000), transport: transport)
        await expectEtcdError(.invalidResponse) { try await small.range(.key("/a")) }
    }

    @Test(
        "etcd's error answers map to typed codes",
        arguments: [
            (400, #"{"error":"etcdserver: mvcc: required revision has been compacted","code":11}"#, "compacted"),
            (404, #"{"error":"etcdserver: requested lease not found","code":5}"#, "leaseNotFound"),
            (403, #"{"error":"etcdserver: permission denied","code":7}"#, "permissionDenied"),
            (400, #"{"error":"etcdserver: request is too large","code":3}"#, "requestTooLarge"),
            (429, #"{"error":"grpc: received message larger than max (3000009 vs. 2097152)","code":8}"#, "requestTooLarge"),
            (503, #"{"error":"etcdserver: mvcc: database space exceeded","code":8}"#, "server"),
            (400, #"{"error":"illegal base64 data at input byte 0","code":3}"#, "server"),
            (400, "<html>bad request</html>", "invalidResponse"),
        ])
    func errorAnswers(_ status: Int, _ body: String, _ code: String) async throws {
        let transport = FakeEtcdTransport(status: status, body)
        await expectEtcdError(EtcdError.Code(rawValue: code)) { try await client(transport).range(.key("/a")) }
    }

    @Test("an endpoint that cannot serve (unavailable, no leader, a proxy's 502) sends a read on to the next endpoint")
    func failoverOnUnavailable() async throws {
        for bad in [json(503, #"{"error":"etcdserver: no leader","code":14}"#), HTTPResponse(status: 502, body: Data("<html>bad gateway</html>".utf8))] {
            let transport = FakeEtcdTransport { request in
                request.url.host == "127.0.0.1" ? bad : json(200, #"{"kvs":[{"key":"L2E=","value":"eA=="}],"count":"1"}"#)
            }
            let etcd = try client(transport, endpoints: two)
            #expect(try await etcd.range(.key("/a")).keyValues.first?.value == Data("x".utf8))
            // The endpoint that answered is preferred from then on.
            _ = try await etcd.range(.key("/a"))
            #expect(transport.requests.map { $0.url.host } == ["127.0.0.1", "127.0.0.2", "127.0.0.2"])
        }
    }

    @Test("a write whose connection failed after it was sent is not repeated: outcomeUnknown; one never sent goes to the next endpoint")
    func writesAfterFailures() async throws {
        let txn = EtcdTxn(compare: [.absent("/claim")], success: [.put(key: "/claim", value: Data("me".utf8))])
        let lost = FakeEtcdTransport { request in
            if request.url.host == "127.0.0.1" {
                throw HTTPTransportError(.connectionFailed, detail: "connection reset", underlying: URLError(.networkConnectionLost))
            }
            return json(200, #"{"succeeded":true,"responses":[{"response_put":{}}]}"#)
        }
        await expectEtcdError(.outcomeUnknown) { try await client(lost, endpoints: two).txn(txn) }
        #expect(lost.requests.count == 1)

        let refused = FakeEtcdTransport { request in
            if request.url.host == "127.0.0.1" {
                throw HTTPTransportError(.connectionFailed, detail: "refused", underlying: URLError(.cannotConnectToHost))
            }
            return json(200, #"{"succeeded":true,"responses":[{"response_put":{}}]}"#)
        }
        #expect(try await client(refused, endpoints: two).txn(txn).succeeded)
        #expect(refused.requests.count == 2)

        let unavailable = FakeEtcdTransport(status: 503, #"{"error":"etcdserver: request timed out","code":14}"#)
        await expectEtcdError(.outcomeUnknown) { try await client(unavailable, endpoints: two).txn(txn) }
        // An idempotent write is sent on.
        #expect(try await client(lost, endpoints: two).txn(txn, idempotent: true).succeeded)
        // A proposal etcd dropped at a leader change was not applied: even a claim goes on to the next member.
        let dropped = FakeEtcdTransport { request in
            request.url.host == "127.0.0.1" ? json(500, #"{"error":"raft proposal dropped","message":"raft proposal dropped","code":2}"#) : json(200, #"{"succeeded":true,"responses":[{"response_put":{}}]}"#)
        }
        #expect(try await client(dropped, endpoints: two).txn(txn).succeeded)
        // An idempotent write that may have arrived at every endpoint, none answering: outcomeUnknown, not unavailable.
        let silent = FakeEtcdTransport(status: 503, #"{"error":"etcdserver: request timed out","code":14}"#)
        await expectEtcdError(.outcomeUnknown) { try await client(silent, endpoints: two).txn(txn, idempotent: true) }
        await expectEtcdError(.unavailable) { try await client(silent, endpoints: two).range(.key("/a")) }
    }

    @Test("a server that accepts and never answers times out; every endpoint silent is `unavailable`, within the timeouts")
    func silentServer() async throws {
        let transport = FakeEtcdTransport { _ in
            try await Task.sleep(for: .seconds(3_600))
            return json(200, "{}")
        }
        let elapsed = await realTime {
            await expectEtcdError(.unavailable) { try await client(transport, endpoints: two).range(.key("/a")) }
        }
        // Bounded by the two timeouts of half a second, not by the server's hour. The clock is read
        // on a thread of its own: a loaded CI run once read this second as 120 s.
        #expect(elapsed < .seconds(15))
        #expect(transport.requests.count == 2)
    }

    @Test("lease answers: a renewal without TTL means the lease is gone; TTL -1 means no lease; a grant without an ID is invalid")
    func leaseAnswers() async throws {
        #expect(try await client(FakeEtcdTransport(#"{"result":{"header":{},"ID":"42"}}"# + "\n")).keepAlive(42) == .zero)
        #expect(try await client(FakeEtcdTransport(#"{"result":{"ID":"42","TTL":"9"}}"# + "\n")).keepAlive(42) == .seconds(9))
        await expectEtcdError(.server) {
            try await client(FakeEtcdTransport(#"{"error":{"grpc_code":14,"message":"etcdserver: no leader"}}"#)).keepAlive(42)
        }
        await expectEtcdError(.invalidResponse) { try await client(FakeEtcdTransport("{}")).keepAlive(42) }
        #expect(try await client(FakeEtcdTransport(#"{"ID":"42","TTL":"-1"}"#)).timeToLive(42) == nil)
        #expect(try await client(FakeEtcdTransport(#"{"ID":"42","TTL":"3"}"#)).timeToLive(42) == .seconds(3))
        await expectEtcdError(.invalidResponse) { try await client(FakeEtcdTransport(#"{"TTL":"10"}"#)).grantLease(ttl: .seconds(10)) }
        let lease = try await client(FakeEtcdTransport(#"{"ID":"7587899222300003589","TTL":"10"}"#)).grantLease(ttl: .milliseconds(9_100))
        #expect(lease == EtcdLease(id: 7_587_899_222_300_003_589, ttl: .seconds(10)))
        // Revoking a lease that is gone asks first and sends no revocation.
        let gone = FakeEtcdTransport(#"{"ID":"42","TTL":"-1"}"#)
        try await client(gone).revokeLease(42)
        #expect(gone.requests.map(\.url.path) == ["/v3/lease/timetolive"])
    }

    @Test("requests are etcd's JSON: POST, base64 keys and values, int64 as strings, the range end of a prefix")
    func requestShape() async throws {
        let transport = FakeEtcdTransport(#"{"succeeded":true,"responses":[{"response_put":{}},{"response_delete_range":{"deleted":"2"}}]}"#)
        _ = try await client(transport).txn(EtcdTxn(
            compare: [.created("/claim", at: 12)], success: [.put(key: "/a", value: Data("v".utf8), lease: 77, previous: true), .delete(.prefix("/d/"))]))
        let request = try #require(transport.requests.first)
        #expect(request.method == .post && request.url.path == "/v3/kv/txn" && request.headers["Content-Type"] == "application/json")
        let payload = try #require(request.body)
        let body = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
        let compare = try #require((body["compare"] as? [[String: Any]])?.first)
        #expect(compare["key"] as? String == "L2NsYWlt" && compare["target"] as? String == "CREATE" && compare["result"] as? String == "EQUAL")
        #expect(compare["create_revision"] as? String == "12")
        let success = try #require(body["success"] as? [[String: Any]])
        let put = try #require(success[0]["request_put"] as? [String: Any])
        #expect(put["key"] as? String == "L2E=" && put["value"] as? String == "dg==" && put["lease"] as? String == "77" && put["prev_kv"] as? Bool == true)
        let delete = try #require(success[1]["request_delete_range"] as? [String: Any])
        #expect(delete["key"] as? String == "L2Qv" && delete["range_end"] as? String == "L2Qw")
    }

    @Test("with a user, the client logs in once, sends the token, logs in again once when it is refused; neither password nor token is ever shown")
    func tokens() async throws {
        let password = "s3cret-pa55"
        let logins = Locked(0)
        let transport = FakeEtcdTransport { request in
            if request.url.path == "/v3/auth/authenticate" {
                let count = logins.withLock { value -> Int in
                    value += 1
                    return value
                }
                return json(200, #"{"token":"tok-\#(count).secret"}"#)
            }
            if request.headers["Authorization"] == "tok-1.secret" && request.url.path == "/v3/kv/put" {
                return json(401, #"{"error":"etcdserver: invalid auth token tok-1.secret","code":16}"#)
            }
            guard request.headers["Authorization"]?.hasPrefix("tok-") == true else { return json(401, #"{"error":"etcdserver: user name is empty","code":3}"#) }
            return json(200, "{}")
        }
        let etcd = try client(transport, username: "root", password: Secret(password))
        _ = try await etcd.range(.key("/a"))
        try await etcd.put("/a", value: Data())
        _ = try await etcd.range(.key("/a"))
        #expect(logins.withLock { $0 } == 2)
        #expect(transport.requests.map(\.url.path) == ["/v3/auth/authenticate", "/v3/kv/range", "/v3/kv/put", "/v3/auth/authenticate", "/v3/kv/put", "/v3/kv/range"])
        #expect(transport.requests.last?.headers["Authorization"] == "tok-2.secret")

        let echoing = FakeEtcdTransport { request in
            if request.url.path == "/v3/auth/authenticate" { return json(200, #"{"token":"tok-1.secret"}"#) }
            return json(400, #"{"error":"etcdserver: bad request from root:\#(password) with tok-1.secret","code":3}"#)
        }
        do {
            _ = try await client(echoing, username: "root", password: Secret(password)).range(.key("/a"))
            Issue.record("an error answer succeeded")
        } catch let error as EtcdError {
            for text in [error.description, error.detail, String(reflecting: error)] {
                #expect(!text.contains(password) && !text.contains("tok-1.secret"), "\(text)")
            }
        }
        let refused = FakeEtcdTransport(status: 400, #"{"error":"etcdserver: authentication failed, invalid user ID or password","code":3}"#)
        do {
            _ = try await client(refused, username: "root", password: Secret(password)).range(.key("/a"))
            Issue.record("a refused login succeeded")
        } catch let error as EtcdError {
            #expect(error.code == .authenticationFailed && !error.healsByItself)
            #expect(!error.description.contains(password))
        }
        #expect(!"\(try client(refused, username: "root", password: Secret(password)))".contains(password))
    }

    @Test("credentials given to a cluster without authentication: the client sends no token")
    func authenticationNotEnabled() async throws {
        let transport = FakeEtcdTransport { request in
            if request.url.path == "/v3/auth/authenticate" { return json(412, #"{"error":"etcdserver: authentication is not enabled","code":9}"#) }
            return json(200, "{}")
        }
        let etcd = try client(transport, username: "root", password: "pw")
        _ = try await etcd.range(.key("/a"))
        _ = try await etcd.range(.key("/a"))
        #expect(transport.requests.map(\.url.path) == ["/v3/auth/authenticate", "/v3/kv/range", "/v3/kv/range"])
        #expect(transport.requests.allSatisfy { $0.headers["Authorization"] == nil })
    }
}
