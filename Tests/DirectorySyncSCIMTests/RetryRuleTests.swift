import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

/// A host's transport: answers the first `failures` requests with 503 (`Retry-After: 1`), then
/// passes requests on to `base`; counts what it was sent.
final class HostTransport: HTTPTransport, Sendable {
    private let base: any HTTPTransport
    private let state: Locked<(failures: Int, sent: Int)>

    init(failing failures: Int, base: any HTTPTransport) {
        self.base = base
        state = Locked((failures, 0))
    }

    var sent: Int { state.withLock { $0.sent } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let fail = state.withLock { state -> Bool in
            state.sent += 1
            guard state.failures > 0 else { return false }
            state.failures -= 1
            return true
        }
        if fail { return HTTPResponse(status: 503, headers: ["Retry-After": "1"], body: Data()) }
        return try await base.send(request)
    }
}

/// An empty SCIM server: a service provider configuration and empty lists.
struct EmptySCIMServer: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if request.url.path.hasSuffix("/ServiceProviderConfig") {
            return HTTPResponse(status: 200, body: Data(#"{"patch":{"supported":true}}"#.utf8))
        }
        return HTTPResponse(status: 200, body: Data(#"{"totalResults":0,"Resources":[]}"#.utf8))
    }
}

/// The one retry rule: the Graph provider and the SCIM store both wrap whatever transport they are
/// given — their default or the host's — in the retries of their configuration's `retryPolicy`;
/// `RetryPolicy.none` turns retries off.
@Suite("One retry rule for Graph and SCIM")
struct RetryRuleTests {
    static let scimURL = URL(string: "http://127.0.0.1:1/v2")!

    func scimStore(_ transport: any HTTPTransport, policy: RetryPolicy, clock: TestClock) throws -> SCIMIdentityStore {
        try SCIMIdentityStore(configuration: .init(baseURL: Self.scimURL, bearerToken: "t", retryPolicy: policy, clock: clock.syncClock), transport: transport)
    }

    func graphProvider(_ graph: MatrixGraph, transport: any HTTPTransport, policy: RetryPolicy) -> GraphDirectoryProvider {
        GraphDirectoryProvider(
            credentials: SourceCredentials(clientID: graph.credentials.clientID, tenant: graph.credentials.domain),
            secret: Secret(graph.credentials.clientSecret), configuration: graph.configuration(retryPolicy: policy), transport: transport)
    }

    @Test("SCIM retries a 503 from a host-supplied transport, waiting what Retry-After says")
    func scimRetriesHostTransport() async throws {
        let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        let host = HostTransport(failing: 1, base: EmptySCIMServer())
        let store = try scimStore(host, policy: RetryPolicy(), clock: clock)
        let contents = try await store.contents()
        #expect(contents.users.isEmpty && contents.groups.isEmpty)
        #expect(host.sent == 4, "ServiceProviderConfig twice (503, then 200), Users, Groups")
        #expect(clock.sleeps == [.seconds(1)])
    }

    @Test("Graph and SCIM follow the same rule: a host's transport is retried by the configured policy, and RetryPolicy.none sends once")
    func sameRule() async throws {
        // Retried with the default policy.
        let graph = MatrixGraph(users: 5, groups: 1, seed: 1)
        let graphHost = HostTransport(failing: 2, base: EmulatorTransport(graph.emulator))
        let snapshot = try await graphProvider(graph, transport: graphHost, policy: RetryPolicy(jitter: { 0.5 })).read()
        #expect(snapshot.users.count == 5)
        #expect(graph.clock.sleeps == [.seconds(1), .seconds(1)])
        let scimClock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        let scimHost = HostTransport(failing: 2, base: EmptySCIMServer())
        _ = try await scimStore(scimHost, policy: RetryPolicy(jitter: { 0.5 }), clock: scimClock).contents()
        #expect(scimClock.sleeps == graph.clock.sleeps, "the same policy waits the same")

        // Not retried with RetryPolicy.none: the 503 reaches the caller after one request.
        let quietGraph = MatrixGraph(users: 5, groups: 1, seed: 1)
        let quietGraphHost = HostTransport(failing: 1, base: EmulatorTransport(quietGraph.emulator))
        await #expect(throws: EntraError.self) { try await graphProvider(quietGraph, transport: quietGraphHost, policy: .none).read() }
        #expect(quietGraphHost.sent == 1)
        #expect(quietGraph.clock.sleeps.isEmpty)
        let quietClock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        let quietSCIMHost = HostTransport(failing: 1, base: EmptySCIMServer())
        await #expect { try await scimStore(quietSCIMHost, policy: .none, clock: quietClock).contents() } throws: {
            ($0 as? IdentityStoreError)?.code == .unavailable
        }
        #expect(quietSCIMHost.sent == 1)
        #expect(quietClock.sleeps.isEmpty)
    }
}
