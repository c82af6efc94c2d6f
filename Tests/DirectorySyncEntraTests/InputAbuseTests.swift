import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Answers every request with one canned body.
struct CannedTransport: HTTPTransport {
    let body: String
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if request.url.path.hasSuffix("/token") {
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#.utf8))
        }
        return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(body.utf8))
    }
}

@Suite("Input abuse: enormous values, huge and deep groups, hostile JSON")
struct InputAbuseTests {
    func sync(_ tenant: GeneratedTenant, filter: SyncFilter = .all) async throws -> (IdentityStoreContents, SyncReport) {
        let provider = GraphHarness(tenant: tenant).provider()
        let store = InMemoryIdentityStore()
        let plan = try StandardSyncPlanner().plan(
            source: "s", directory: try await provider.read(filter: filter), store: try await store.contents(), settings: SyncSettings(filter: filter))
        let report = try await SyncExecutor().apply(plan, to: store)
        return (try await store.contents(), report)
    }

    @Test("a 1 MB display name travels through Graph, the planner and the store unchanged")
    func enormousValue() async throws {
        let name = String(repeating: "Ä", count: 1_048_576)
        let tenant = GeneratedTenant(domain: "contoso.com", users: [DirectoryUser(id: "u1", userPrincipalName: "big@contoso.com", displayName: name, mail: "big@contoso.com")], groups: [])
        let (contents, report) = try await sync(tenant)
        #expect(report.isSuccess)
        #expect(contents.users.first?.profile.name == name)
    }

    @Test("one group with 100,000 members is read across member chunks and applied in batches")
    func hugeGroup() async throws {
        let users = (0..<100_000).map { DirectoryUser(id: String(format: "u%06d", $0), userPrincipalName: "u\($0)@contoso.com") }
        let tenant = GeneratedTenant(domain: "contoso.com", users: users, groups: [DirectoryGroup(id: "g", displayName: "Everyone", memberUserIDs: DirectoryObjectIDs(users.map(\.id)))])
        let (contents, report) = try await sync(tenant)
        #expect(report.isSuccess)
        #expect(contents.groups.first?.memberIDs.count == 100_000)
    }

    @Test("1,000 levels of nesting and a cycle: the group filter reaches the innermost user, no stack overflow")
    func deepNesting() async throws {
        var groups = (0..<1_000).map { DirectoryGroup(id: "g\($0)", displayName: "Level \($0)", memberGroupIDs: $0 < 999 ? ["g\($0 + 1)"] : ["g0"]) }
        groups[999].memberUserIDs = ["deep"]
        let tenant = GeneratedTenant(
            domain: "contoso.com",
            users: [DirectoryUser(id: "deep", userPrincipalName: "deep@contoso.com"), DirectoryUser(id: "out", userPrincipalName: "out@contoso.com")],
            groups: groups)
        let (contents, report) = try await sync(tenant, filter: .usersByGroup(try FilterExpression(parsing: "displayName eq 'Level 0'")))
        #expect(report.isSuccess)
        #expect(contents.users.map(\.profile.logins) == [["deep@contoso.com"]])
        #expect(contents.groups.first?.memberIDs.count == 1)
    }

    @Test("hostile JSON — duplicate keys, wrong types, deep arrays, garbage — gives a typed error or a correct read, never a crash", arguments: [
        #"{"value":[{"id":"1","id":"2","userPrincipalName":"a@contoso.com"}]}"#,
        #"{"value":[{"id":1,"userPrincipalName":["a"]}]}"#,
        #"{"value":{"id":"1"}}"#,
        #"{"value":[{"id":"1","accountEnabled":"yes"}]}"#,
        String(repeating: "[", count: 100_000),
        #"{"value":[],"@odata.nextLink":"https://evil.example/v1.0/users?$skiptoken=x"}"#,
        "\u{FEFF}{\"value\":[]}",
        "",
        "null",
    ])
    func hostileJSON(body: String) async throws {
        let provider = GraphDirectoryProvider(
            credentials: SourceCredentials(clientID: "11111111-2222-3333-4444-555555555555", tenant: "contoso.com"), secret: Secret("s"),
            configuration: .init(
                endpoints: EntraEndpoints(login: URL(string: "https://login.emulator.test")!, graph: URL(string: "https://graph.emulator.test/v1.0")!)),
            transport: CannedTransport(body: body))
        do {
            let snapshot = try await provider.read()
            #expect(snapshot.isComplete)
        } catch let error as EntraError {
            #expect([.unexpectedResponse, .graphError].contains(error.code), "\(error)")
        }
    }
}
