import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Makes Graph answer, on matching paths, with an `@odata.nextLink` back to a page already read:
/// from the `after`-th matching page on, the next link points to the previous page (or itself).
final class RepeatingLinkTransport: HTTPTransport, @unchecked Sendable {
    let base: any HTTPTransport
    let matches: @Sendable (URL) -> Bool
    let after: Int
    let enabled = Locked(true)
    let pages = Locked<[URL]>([])

    init(_ base: any HTTPTransport, after: Int = 1, matching matches: @escaping @Sendable (URL) -> Bool) {
        self.base = base
        self.after = after
        self.matches = matches
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        var response = try await base.send(request)
        guard enabled.withLock({ $0 }), matches(request.url), response.status == 200 else { return response }
        let seen = pages.withLock { pages -> [URL] in
            pages.append(request.url)
            return pages
        }
        guard seen.count >= after, var object = try JSONSerialization.jsonObject(with: response.body) as? [String: Any] else { return response }
        object["@odata.nextLink"] = seen[max(0, seen.count - 2)].absoluteString
        object.removeValue(forKey: "@odata.deltaLink")
        response.body = try JSONSerialization.data(withJSONObject: object)
        return response
    }
}

@Suite("A next link that repeats a page already read stops the read with pagingLoop, never loops, never removes")
struct PagingLoopTests {
    static func isPagingLoop(_ error: any Error) -> Bool {
        guard let error = error as? EntraError else { return false }
        return error.code == .pagingLoop && error.description.contains("repeat") && error.description.contains("nothing was changed")
    }

    @Test("users: page 3 links back to page 2 — the read throws after that one repeat, having sent 3 user requests")
    func users() async throws {
        let graph = GraphHarness(users: 150, groups: 3)
        let transport = RepeatingLinkTransport(EmulatorTransport(graph.emulator), after: 3) { $0.path.hasSuffix("/users") }
        let provider = graph.provider(transport: transport, pageSize: 10)
        await #expect { try await provider.read() } throws: { Self.isPagingLoop($0) && !Self.advisesFilter($0) }
        #expect(transport.pages.withLock { $0.count } == 3)
    }

    @Test("the advice names the user filter only for users read through a filter Graph evaluates")
    func advice() async throws {
        let graph = GraphHarness(users: 150, groups: 3)
        let filter = SyncFilter.usersByUser(try FilterExpression(parsing: "accountEnabled eq true"))
        let users = RepeatingLinkTransport(EmulatorTransport(graph.emulator), after: 3) { $0.path.hasSuffix("/users") }
        await #expect { try await graph.provider(transport: users, pageSize: 10).read(filter: filter) } throws: {
            Self.isPagingLoop($0) && Self.advisesFilter($0)
        }
        #expect(users.pages.withLock { $0.first?.query?.contains("filter") } == true, "the filter was pushed down")
        let groups = RepeatingLinkTransport(EmulatorTransport(graph.emulator)) { $0.path.hasSuffix("/groups/delta") }
        await #expect { try await graph.provider(transport: groups).read(filter: filter) } throws: {
            Self.isPagingLoop($0) && !Self.advisesFilter($0)
        }
    }

    static func advisesFilter(_ error: any Error) -> Bool { (error as? EntraError)?.fix.contains("user filter") == true }

    @Test("a page that links to itself stops at once", arguments: [
        GraphDirectoryProvider.Configuration.MembershipStrategy.groupDelta, .memberPages,
    ])
    func selfLink(strategy: GraphDirectoryProvider.Configuration.MembershipStrategy) async throws {
        let graph = GraphHarness(users: 20, groups: 3)
        let transport = RepeatingLinkTransport(EmulatorTransport(graph.emulator)) { url in
            url.path.hasSuffix("/groups/delta") || url.path.hasSuffix("/members")
        }
        let provider = graph.provider(transport: transport, strategy: strategy)
        await #expect { try await provider.read() } throws: { Self.isPagingLoop($0) }
        #expect(transport.pages.withLock { $0.count } == 1)
    }

    @Test("an incremental read whose delta page links to itself throws pagingLoop (not tracking lost)")
    func delta() async throws {
        let graph = GraphHarness(users: 20, groups: 3)
        let transport = RepeatingLinkTransport(EmulatorTransport(graph.emulator)) { $0.path.hasSuffix("/users/delta") }
        transport.enabled.withLock { $0 = false }
        let provider = graph.provider(transport: transport)
        guard case .full(_, let cursor) = try await provider.readChanges(since: nil, filter: .all) else {
            Issue.record("the first read is full")
            return
        }
        transport.enabled.withLock { $0 = true }
        await #expect { try await provider.readChanges(since: cursor, filter: .all) } throws: { Self.isPagingLoop($0) }
        #expect(transport.pages.withLock { $0.count } == 1)
    }

    @Test("through DirectoryService: the run fails and the store keeps every user (a failed read never becomes removals)")
    func noRemovals() async throws {
        let graph = GraphHarness(users: 40, groups: 4)
        let transport = RepeatingLinkTransport(EmulatorTransport(graph.emulator)) { $0.path.contains("/users") }
        transport.enabled.withLock { $0 = false }
        let (service, store, source, credentials) = try await graph.service(transport: transport)
        try await service.setCredentials(source.id, credentials, secret: Secret(graph.credentials.clientSecret))
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.turnOn(source.id)
        #expect(try await service.synchronize(source.id).outcome == .succeeded)
        let before = try await store.contents()
        #expect(before.users.count == 40)

        // Users disappear from Graph; had the looping read been taken for complete, they would be removed.
        for user in graph.emulator.users(tenant: graph.credentials.tenantID).prefix(10) {
            graph.emulator.hardDeleteUser(id: user.id, tenant: graph.credentials.tenantID)
        }
        transport.enabled.withLock { $0 = true }
        let run = try await service.synchronize(source.id)
        guard case .failed(let message) = run.outcome else {
            Issue.record("the run did not fail: \(run.outcome)")
            return
        }
        #expect(message.contains("pagingLoop"))
        #expect(run.succeeded == 0)
        #expect(try await store.contents() == before)
    }
}
