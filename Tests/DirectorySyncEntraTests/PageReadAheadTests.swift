import DirectorySync
@testable import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Passes requests to the emulator, noting for each chain of pages — the users', and the groups'
/// with their members — how many of its requests are in flight at once and, for each, how many of
/// its pages the read had handed on (reported) when it was sent; `answer` may replace the
/// emulator's answer to the n-th user page (1-based).
final class ReadAheadTransport: HTTPTransport, @unchecked Sendable {
    enum Chain: Hashable { case users, groups }

    struct State {
        var inFlight: [Chain: Int] = [:]
        var mostInFlight: [Chain: Int] = [:]
        var userPages = 0
        var reports: [Chain: Int] = [:]
        /// Users reported so far: a report that adds none is the groups' chain's.
        var usersReported = 0
        /// For each page request of a chain: the pages of that chain reported before it was sent.
        var reportsBeforeRequest: [Chain: [Int]] = [:]
    }

    let base: EmulatorTransport
    let state = Locked(State())
    let answer: @Sendable (Int, HTTPResponse) -> HTTPResponse

    init(_ base: EmulatorTransport, answer: @escaping @Sendable (Int, HTTPResponse) -> HTTPResponse = { $1 }) {
        self.base = base
        self.answer = answer
    }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard !request.url.path.hasSuffix("/token") else { return try await base.send(request) }
        let chain: Chain = request.url.path.hasSuffix("/users") ? .users : .groups
        let userPage = state.withLock { state -> Int? in
            state.inFlight[chain, default: 0] += 1
            state.mostInFlight[chain] = max(state.mostInFlight[chain] ?? 0, state.inFlight[chain]!)
            state.reportsBeforeRequest[chain, default: []].append(state.reports[chain] ?? 0)
            guard chain == .users else { return nil }
            state.userPages += 1
            return state.userPages
        }
        defer { state.withLock { $0.inFlight[chain]! -= 1 } }
        // A pause, so a page read ahead would have time to be requested while another one is out.
        try await Task.sleep(for: .milliseconds(1))
        let response = try await base.send(request)
        return userPage.map { answer($0, response) } ?? response
    }

    /// Notes a progress report (users pages here are never empty).
    func reported(_ progress: GraphDirectoryProvider.Progress) {
        state.withLock { state in
            let chain: Chain = progress.users > state.usersReported ? .users : .groups
            state.usersReported = progress.users
            state.reports[chain, default: 0] += 1
        }
    }
}

@Suite("GraphDirectoryProvider: pages are read while the next ones arrive")
struct PageReadAheadTests {
    /// Graph's answer to a request the application lacks the permission for.
    static let denied = HTTPResponse(
        status: 403, headers: ["Content-Type": "application/json"],
        body: Data(#"{"error":{"code":"Authorization_RequestDenied","message":"Insufficient privileges to complete the operation."}}"#.utf8))

    func provider(_ graph: GraphHarness, _ transport: ReadAheadTransport, pageSize: Int) -> GraphDirectoryProvider {
        GraphDirectoryProvider(
            credentials: graph.sourceCredentials, secret: graph.secret, configuration: graph.configuration(pageSize: pageSize), transport: transport,
            onProgress: { transport.reported($0) })
    }

    @Test("each chain of pages one request at a time, every page handed on in order — the same snapshot as whole pages give — and a few pages ahead at most",
          arguments: [GraphDirectoryProvider.Configuration.MembershipStrategy.groupDelta, .memberPages])
    func inOrder(strategy: GraphDirectoryProvider.Configuration.MembershipStrategy) async throws {
        let graph = GraphHarness(users: 600, groups: 30)
        let reference = try await graph.provider(strategy: strategy).read()
        let transport = ReadAheadTransport(EmulatorTransport(graph.emulator))
        let configuration = graph.configuration(strategy: strategy, pageSize: 7)
        let progress = Locked<[GraphDirectoryProvider.Progress]>([])
        let provider = GraphDirectoryProvider(
            credentials: graph.sourceCredentials, secret: graph.secret, configuration: configuration, transport: transport,
            onProgress: { step in
                transport.reported(step)
                progress.withLock { $0.append(step) }
            })
        let snapshot = try await provider.read()
        #expect(snapshot.users == reference.users)
        #expect(snapshot.groups == reference.groups)
        let state = transport.state.withLock { $0 }
        #expect(state.userPages == 86)
        #expect(state.mostInFlight == [.users: 1, .groups: 1], "each chain's requests go one after another")
        let steps = progress.withLock { $0 }
        #expect(steps.map(\.users) == steps.map(\.users).sorted() && steps.last?.users == 600)
        #expect(steps.map(\.groups) == steps.map(\.groups).sorted() && steps.last?.groups == 30)
        #expect(steps.map(\.pages) == Array(1...steps.count), "reports come one at a time, in order")
        // Page n of a chain is requested once its pages before it, less those read ahead, were handed on.
        for (chain, sent) in state.reportsBeforeRequest {
            for (index, reports) in sent.enumerated() {
                #expect(index - reports <= GraphDirectoryProvider.pagesAhead + 1, "\(chain) request \(index) after \(reports) pages")
            }
        }
        #expect(state.reportsBeforeRequest[.users, default: []].enumerated().contains { $0.offset - $0.element > 1 },
                "some page was requested before the one before it was handed on")
    }

    @Test("users and groups are read at the same time: no users page is answered until the groups' first request was sent",
          arguments: [GraphDirectoryProvider.Configuration.MembershipStrategy.groupDelta, .memberPages])
    func usersBesideGroups(strategy: GraphDirectoryProvider.Configuration.MembershipStrategy) async throws {
        /// Holds every users page until a groups request arrives: a read of one after the other never finishes.
        struct Gate: HTTPTransport {
            let base: EmulatorTransport
            let groupsSent = Locked(false)
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                if request.url.path.contains("/groups") { groupsSent.withLock { $0 = true } }
                if request.url.path.hasSuffix("/users") {
                    try await waitUntil("a groups request while the users are read", atMost: .seconds(60)) { groupsSent.withLock { $0 } }
                }
                return try await base.send(request)
            }
        }
        let graph = GraphHarness(users: 50, groups: 5)
        let reference = try await graph.provider(strategy: strategy).read()
        let provider = GraphDirectoryProvider(
            credentials: graph.sourceCredentials, secret: graph.secret, configuration: graph.configuration(strategy: strategy, pageSize: 10),
            transport: Gate(base: EmulatorTransport(graph.emulator)))
        let snapshot = try await provider.read()
        #expect(snapshot.users == reference.users && snapshot.groups == reference.groups)
    }

    @Test("a users' read that fails cancels the groups' read at once: the users' error is the read's")
    func usersFailureCancelsGroups() async throws {
        /// Refuses every users page once a groups request was sent; holds every groups request
        /// until it is cancelled.
        struct Stuck: HTTPTransport {
            let base: EmulatorTransport
            let groupsSent = Locked(false)
            let groupsCancelled = Locked(false)
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                if request.url.path.hasSuffix("/users") {
                    try await waitUntil("a groups request", atMost: .seconds(60)) { groupsSent.withLock { $0 } }
                    return PageReadAheadTests.denied
                }
                guard request.url.path.contains("/groups") else { return try await base.send(request) }
                groupsSent.withLock { $0 = true }
                do {
                    try await waitUntil("the groups' request to be cancelled", atMost: .seconds(60)) { false }
                } catch is CancellationError {
                    groupsCancelled.withLock { $0 = true }
                    throw CancellationError()
                }
                return try await base.send(request)
            }
        }
        let graph = GraphHarness(users: 30, groups: 3)
        let transport = Stuck(base: EmulatorTransport(graph.emulator))
        let provider = GraphDirectoryProvider(
            credentials: graph.sourceCredentials, secret: graph.secret, configuration: graph.configuration(pageSize: 5), transport: transport)
        await #expect { try await provider.read() } throws: { ($0 as? EntraError)?.code == .missingPermission }
        #expect(transport.groupsCancelled.withLock { $0 }, "the groups' request was cancelled, not left to time out")
    }

    @Test("a users' read that fails while the groups' read renews its token cancels the renewal: the users' error comes at once")
    func usersFailureCancelsTokenRenewal() async throws {
        /// Answers the first token request; holds the next one (the groups' renewal after their 401)
        /// until it is cancelled; refuses the users once the renewal was sent.
        final class Renewal: HTTPTransport, @unchecked Sendable {
            let state = Locked((tokens: 0, renewalCancelled: false))
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                let json: HTTPHeaders = ["Content-Type": "application/json"]
                if request.url.path.hasSuffix("/token") {
                    let count = state.withLock { $0.tokens += 1; return $0.tokens }
                    if count > 1 {
                        do {
                            try await waitUntil("the token renewal to be cancelled", atMost: .seconds(60)) { false }
                        } catch is CancellationError {
                            state.withLock { $0.renewalCancelled = true }
                            throw CancellationError()
                        }
                    }
                    return HTTPResponse(status: 200, headers: json, body: Data(#"{"token_type":"Bearer","expires_in":3599,"access_token":"t\#(count)"}"#.utf8))
                }
                if request.url.path.hasSuffix("/users") {
                    try await waitUntil("the groups' token renewal", atMost: .seconds(60)) { state.withLock { $0.tokens > 1 } }
                    return PageReadAheadTests.denied
                }
                return HTTPResponse(
                    status: 401, headers: json, body: Data(#"{"error":{"code":"InvalidAuthenticationToken","message":"Lifetime validation failed, the token is expired."}}"#.utf8))
            }
        }
        let graph = GraphHarness(users: 10, groups: 1)
        let transport = Renewal()
        let provider = GraphDirectoryProvider(
            credentials: graph.sourceCredentials, secret: graph.secret, configuration: graph.configuration(pageSize: 5), transport: transport)
        await #expect { try await provider.read() } throws: { ($0 as? EntraError)?.code == .missingPermission }
        try await waitUntil("the renewal to be cancelled, not left to time out") { transport.state.withLock { $0.renewalCancelled } }
    }

    @Test("a full read for tracking gives both delta links with either membership strategy, and the same snapshot as a plain read",
          arguments: [GraphDirectoryProvider.Configuration.MembershipStrategy.groupDelta, .memberPages])
    func trackingLinks(strategy: GraphDirectoryProvider.Configuration.MembershipStrategy) async throws {
        let graph = GraphHarness(users: 40, groups: 4)
        let provider = graph.provider(strategy: strategy)
        let reference = try await provider.read()
        guard case .full(let snapshot, let cursor) = try await provider.readChanges(since: nil, filter: .all) else {
            Issue.record("a read without a cursor is a full read")
            return
        }
        #expect(snapshot.users == reference.users && snapshot.groups == reference.groups)
        let links = try #require(cursor?.positions)
        #expect(links["users"]?.contains("/users/delta") == true && links["groups"]?.contains("/groups/delta") == true)
        // The links work: nothing changed since.
        guard case .changes(let changes, _, _) = try await provider.readChanges(since: cursor, filter: .all) else {
            Issue.record("a read from a cursor reads changes")
            return
        }
        #expect(changes.isEmpty)
    }

    @Test("when both chains fail, the users' error is the read's; a groups failure alone is the read's error")
    func usersErrorFirst() async throws {
        let graph = GraphHarness(users: 30, groups: 3)
        /// Refuses the groups' requests at once, and cuts the users' third page short.
        struct Failing: HTTPTransport {
            let base: EmulatorTransport
            let cutUsers: Bool
            let userPages = Locked(0)
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                if request.url.path.contains("/groups") { return PageReadAheadTests.denied }
                let response = try await base.send(request)
                guard cutUsers, request.url.path.hasSuffix("/users") else { return response }
                let page = userPages.withLock { $0 += 1; return $0 }
                return page == 3 ? HTTPResponse(status: 200, headers: response.headers, body: response.body.dropLast(40)) : response
            }
        }
        func read(cutUsers: Bool) async throws -> DirectorySnapshot {
            try await GraphDirectoryProvider(
                credentials: graph.sourceCredentials, secret: graph.secret, configuration: graph.configuration(pageSize: 5),
                transport: Failing(base: EmulatorTransport(graph.emulator), cutUsers: cutUsers)
            ).read()
        }
        await #expect { try await read(cutUsers: true) } throws: { error in
            (error as? EntraError)?.code == .unexpectedResponse && "\(error)".contains("not valid JSON")
        }
        await #expect { try await read(cutUsers: false) } throws: { ($0 as? EntraError)?.code == .missingPermission }
    }

    @Test("a page that cannot be read stops the read with its error, even when a page requested after it failed too")
    func firstFailureWins() async throws {
        let graph = GraphHarness(users: 60, groups: 3)
        // Page 2 is cut short after its next link; page 3 is refused.
        let transport = ReadAheadTransport(EmulatorTransport(graph.emulator)) { page, response in
            switch page {
            case 2: HTTPResponse(status: 200, headers: response.headers, body: response.body.dropLast(40))
            case 3: Self.denied
            default: response
            }
        }
        await #expect { try await provider(graph, transport, pageSize: 10).read() } throws: { error in
            (error as? EntraError)?.code == .unexpectedResponse && "\(error)".contains("not valid JSON")
        }
        // With page 2 whole, page 3's refusal is the read's error, after page 2 was handed on.
        let second = ReadAheadTransport(EmulatorTransport(graph.emulator)) { page, response in page == 3 ? Self.denied : response }
        await #expect { try await provider(graph, second, pageSize: 10).read() } throws: { ($0 as? EntraError)?.code == .missingPermission }
        #expect(second.state.withLock { $0.reports[.users] } == 2)
    }

    /// Answers a token, an empty page of users, and the given group delta pages (each linking to
    /// the next, the last one with a delta link).
    struct ScriptedDelta: HTTPTransport {
        let pages: [String]
        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            let json: HTTPHeaders = ["Content-Type": "application/json"]
            if request.url.path.hasSuffix("/token") {
                return HTTPResponse(status: 200, headers: json, body: Data(#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#.utf8))
            }
            if request.url.path.hasSuffix("/users") { return HTTPResponse(status: 200, headers: json, body: Data(#"{"value":[]}"#.utf8)) }
            let index = Int(URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == "page" }?.value ?? "0") ?? 0
            let link = index + 1 < pages.count
                ? #""@odata.nextLink":"https://graph.emulator.test/v1.0/groups/delta?page=\#(index + 1)""#
                : #""@odata.deltaLink":"https://graph.emulator.test/v1.0/groups/delta?token=d""#
            return HTTPResponse(status: 200, headers: json, body: Data(#"{\#(link),"value":[\#(pages[index])]}"#.utf8))
        }
    }

    @Test("a group's delta entries are merged in order across pages: each member once (its first kind), repeats and removed members left out, other kinds counted once per group; a group of GUIDs stays packed")
    func mergedEntries() async throws {
        func member(_ id: String, _ type: String = "user", removed: Bool = false) -> String {
            ##"{"@odata.type":"#microsoft.graph.\##(type)","id":"\##(id)"\##(removed ? #","@removed":{"reason":"deleted"}"# : "")}"##
        }
        func entry(_ id: String, _ members: [String], removed: Bool = false) -> String {
            #"{"id":"\#(id)","displayName":"\#(id.uppercased())","members@delta":[\#(members.joined(separator: ","))]\#(removed ? #","@removed":{"reason":"changed"}"# : "")}"#
        }
        let u1 = "00000000-0000-0000-0000-000000000001", u2 = "00000000-0000-0000-0000-000000000002"
        let u3 = "00000000-0000-0000-0000-000000000003", u4 = "00000000-0000-0000-0000-000000000004"
        let pages = [
            [entry("a", [member(u1), member(u2), member(u1), member("d1", "device"), member("d1", "device"), member("x1", "user")]),
             entry("b", [member(u3)]), entry("p", [member(u1), member(u2)])].joined(separator: ","),
            [entry("a", [member(u2), member(u4), member("g1", "group"), member("d1", "device"), member("u5", removed: true), member(u1, "group")]),
             entry("gone", [member(u1)], removed: true), entry("p", [member(u2, "group"), member(u3), member(u1), member("d2", "device")])].joined(separator: ","),
            [entry("a", [member("u5"), member("X1", "user")]), entry("c", [])].joined(separator: ","),
        ]
        let graph = GraphHarness(users: 1, groups: 0)
        let provider = graph.provider(transport: ScriptedDelta(pages: pages))
        let snapshot = try await provider.read()
        #expect(snapshot.groups.map(\.id) == ["a", "b", "p", "c"])
        #expect(snapshot.groups[0].memberUserIDs == [u1, u2, "x1", u4, "u5", "X1"])
        #expect(snapshot.groups[0].memberGroupIDs == ["g1"])
        #expect(snapshot.groups[1].memberUserIDs == [u3])
        // A group whose ids are all GUIDs keeps them packed through the merge.
        #expect(snapshot.groups[2].memberUserIDs == [u1, u2, u3] && snapshot.groups[2].memberGroupIDs.isEmpty)
        #expect(snapshot.groups[2].memberUserIDs.packedGUIDs != nil)
        #expect(snapshot.groups[3].memberUserIDs.isEmpty)
        #expect(snapshot.statistics.ignoredMembers == 2)
    }

    @Test("users are moved from their pages into one array in order; the pages are left with empty users")
    func joined() {
        let sizes = [0, 3, 0, 0, 1, 999, 2, 0]
        var next = 0
        var pages = sizes.map { size in
            (0..<size).map { _ in
                next += 1
                return DirectoryUser(id: "user-\(next)-\(String(repeating: "x", count: 20))", userPrincipalName: "u\(next)@contoso.com", proxyAddresses: ["SMTP:u\(next)@contoso.com"])
            }
        }
        let flat = pages.flatMap { $0 }
        #expect(GraphDirectoryProvider.joined(&pages) == flat)
        #expect(pages.map(\.count) == sizes)
        #expect(pages.joined().allSatisfy { $0.id.isEmpty && $0.proxyAddresses.isEmpty })
        var none: [[DirectoryUser]] = []
        #expect(GraphDirectoryProvider.joined(&none).isEmpty)
        var empties: [[DirectoryUser]] = [[], []]
        #expect(GraphDirectoryProvider.joined(&empties).isEmpty)
    }
}
