import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// An excerpt compared as sets: users by id, groups by id with sorted member lists.
private struct Unordered: Equatable, CustomStringConvertible {
    var users: [DirectoryUser]
    var groups: [DirectoryGroup]

    init(_ excerpt: DirectoryExcerpt) {
        users = excerpt.users.sorted { $0.id < $1.id }
        groups = excerpt.groups.map { group in
            var group = group
            group.memberUserIDs.sort()
            group.memberGroupIDs.sort()
            return group
        }.sorted { $0.id < $1.id }
    }

    var description: String { "users \(users.map(\.id)), groups \(groups.map { "\($0.id) u\($0.memberUserIDs) g\($0.memberGroupIDs)" })" }
}

/// Sends requests to the emulator, with every `/users` `$filter` replaced by one that matches
/// every enabled user: a server that matches more than it was asked for.
private struct OvermatchingTransport: HTTPTransport {
    let base: EmulatorTransport
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.url.path == "/v1.0/users", var components = URLComponents(url: request.url, resolvingAgainstBaseURL: false) else {
            return try await base.send(request)
        }
        components.queryItems = components.queryItems?.map { $0.name == "$filter" ? URLQueryItem(name: "$filter", value: "accountEnabled eq true") : $0 }
        var request = request
        request.url = components.url!
        return try await base.send(request)
    }
}

/// Answers a token, then 404 with a Graph error code other than `Request_ResourceNotFound`.
private struct WrongPathTransport: HTTPTransport {
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if request.url.path.hasSuffix("/token") {
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data(#"{"token_type":"Bearer","expires_in":3599,"access_token":"abc"}"#.utf8))
        }
        return HTTPResponse(status: 404, headers: ["Content-Type": "application/json"], body: Data(#"{"error":{"code":"UnknownError","message":"no such API"}}"#.utf8))
    }
}

@Suite("GraphDirectoryProvider: looking up a few users and groups")
struct GraphLookupTests {
    /// The whole tenant as the emulator holds it.
    func snapshot(_ harness: GraphHarness) -> DirectorySnapshot {
        let tenant = harness.credentials.tenantID
        return DirectorySnapshot(users: harness.emulator.users(tenant: tenant), groups: harness.emulator.groups(tenant: tenant))
    }

    /// Every kind of key for one user: id (two cases), user principal name (two cases), email,
    /// aliases, and `DOMAIN\name` logins.
    func keys(for user: DirectoryUser) -> [String] {
        var keys = [user.id, user.id.uppercased(), user.userPrincipalName, user.userPrincipalName.uppercased()]
        if let email = user.primaryEmail { keys += [email, email.uppercased()] }
        keys += user.emailAliases
        if let sam = user.onPremisesSamAccountName { keys += ["CORP\\\(sam)", "other\\\(sam.uppercased())"] }
        return keys
    }

    @Test("lookUp equals the excerpt of the whole tenant for ids, UPNs, emails, aliases, logins, group ids and names", arguments: [11, 12, 13, 14] as [UInt64])
    func matchesWholeTenant(seed: UInt64) async throws {
        let tenant = TenantGenerator(
            configuration: .init(users: 300, groups: 40, seed: seed, aliasShare: 0.5, onPremisesShare: 0.5, nestedGroupShare: 0.5)
        ).generate()
        let harness = GraphHarness(tenant: tenant)
        let whole = snapshot(harness)
        let provider = harness.provider(pageSize: seed == 14 ? 2 : 999)
        var random = SeededRandomNumberGenerator(seed: seed)
        var lookups: [DirectoryLookup] = []
        for _ in 0..<6 {
            let user = tenant.users.randomElement(using: &random)!
            lookups += keys(for: user).map { DirectoryLookup(users: [$0]) }
        }
        for _ in 0..<4 {
            let group = tenant.groups.randomElement(using: &random)!
            lookups += [DirectoryLookup(groups: [group.id]), DirectoryLookup(groups: [group.displayName.uppercased()])]
        }
        let a = tenant.users.randomElement(using: &random)!
        let b = tenant.users.randomElement(using: &random)!
        let g = tenant.groups.randomElement(using: &random)!
        lookups.append(DirectoryLookup(users: [a.userPrincipalName, b.id, a.id], groups: [g.displayName, g.id, tenant.groups[0].id]))
        for lookup in lookups {
            let got = try await provider.lookUp(lookup)
            #expect(Unordered(got) == Unordered(DirectoryExcerpt(whole, lookup)), "\(lookup)")
        }
        // The keys reached users in nested groups (edges between groups) and named groups' members.
        #expect(lookups.contains { DirectoryExcerpt(whole, $0).groups.contains { !$0.memberGroupIDs.isEmpty } })
        #expect(lookups.contains { !$0.groups.isEmpty && !DirectoryExcerpt(whole, $0).users.isEmpty })
    }

    @Test("named users come first in key order, then the named groups' members; named groups before the groups above users")
    func order() async throws {
        let harness = GraphHarness(users: 200, groups: 20, seed: 3)
        let users = harness.tenant.users
        let group = try #require(harness.tenant.groups.first { $0.memberUserIDs.count > 1 })
        let excerpt = try await harness.provider().lookUp(DirectoryLookup(users: [users[9].userPrincipalName, users[2].id], groups: [group.id]))
        #expect(Array(excerpt.users.prefix(2).map(\.id)) == [users[9].id, users[2].id])
        #expect(excerpt.groups.first?.id == group.id)
        #expect(Set(excerpt.groups.map(\.id)).count == excerpt.groups.count, "each group once")
        #expect(Set(excerpt.users.map(\.id)).count == excerpt.users.count, "each user once")
    }

    @Test("one user costs a lookup, its groups and one request per group above it, whatever the tenant's size")
    func requestCount() async throws {
        var measured: [ReadStatistics] = []
        for size in [200, 5_000] {
            let harness = GraphHarness(users: size, groups: 30)
            let t = harness.credentials.tenantID
            // The same user three levels down, planted in both tenants.
            let user = DirectoryUser(id: "aaaaaaaa-0000-4000-8000-000000000001", userPrincipalName: "probe@contoso.com", mail: "probe@contoso.com")
            harness.emulator.upsertUser(user, tenant: t)
            harness.emulator.upsertGroup(DirectoryGroup(id: "aaaaaaaa-0000-4000-8000-000000000011", displayName: "Inner", memberUserIDs: [user.id]), tenant: t)
            harness.emulator.upsertGroup(DirectoryGroup(id: "aaaaaaaa-0000-4000-8000-000000000012", displayName: "Outer", memberGroupIDs: ["aaaaaaaa-0000-4000-8000-000000000011"]), tenant: t)
            harness.emulator.upsertGroup(DirectoryGroup(id: "aaaaaaaa-0000-4000-8000-000000000013", displayName: "Top", memberGroupIDs: ["aaaaaaaa-0000-4000-8000-000000000012"]), tenant: t)
            harness.emulator.clearRequestLog()
            let provider = harness.provider()
            let byID = try await provider.lookUp(DirectoryLookup(users: [user.id]))
            #expect(byID.groups.count == 3)
            // 1 token + GET /users/{id} + its memberOf + one memberOf per group above it (3).
            #expect(byID.statistics.requests == 1 + 1 + 1 + 3, "\(byID.statistics)")
            #expect(byID.statistics.pages == 5)
            #expect(byID.statistics.resourceUnits == 5, "$select brings every request to one unit")
            #expect(harness.emulator.requestLog.count == byID.statistics.requests)
            // A key that is not an id: one filtered query instead of the GET; the token is cached.
            let byMail = try await provider.lookUp(DirectoryLookup(users: ["PROBE@contoso.com"]))
            #expect(byMail.statistics.requests == 1 + 1 + 3, "\(byMail.statistics)")
            #expect(Unordered(byMail) == Unordered(byID))
            measured.append(byID.statistics)

            // Any user of the tenant: at most 1 + 1 + the groups above it.
            let whole = snapshot(harness)
            for user in harness.tenant.users.prefix(15) {
                let lookup = DirectoryLookup(users: [user.userPrincipalName])
                let excerpt = try await provider.lookUp(lookup)
                let above = DirectoryExcerpt(whole, lookup).groups.count
                #expect(excerpt.statistics.requests <= 1 + 1 + above, "\(excerpt.statistics) for \(above) groups above")
            }
        }
        #expect(measured[0] == measured[1], "200 and 5,000 users cost the same: \(measured)")
    }

    @Test("a group costs its lookup and its transitive member pages; members are flattened")
    func groupCost() async throws {
        let harness = GraphHarness(users: 3_000, groups: 30)
        let t = harness.credentials.tenantID
        let ids = harness.tenant.users.map(\.id)
        harness.emulator.upsertGroup(DirectoryGroup(id: "bbbbbbbb-0000-4000-8000-000000000002", displayName: "Child", memberUserIDs: DirectoryObjectIDs(ids[1_000..<2_500])), tenant: t)
        harness.emulator.upsertGroup(
            DirectoryGroup(id: "bbbbbbbb-0000-4000-8000-000000000001", displayName: "Parent", memberUserIDs: DirectoryObjectIDs(ids[0..<1_200]), memberGroupIDs: ["bbbbbbbb-0000-4000-8000-000000000002"]),
            others: [EmulatedOtherMember(type: "device", id: "d1")], tenant: t)
        let excerpt = try await harness.provider().lookUp(DirectoryLookup(groups: ["parent"]))
        let group = try #require(excerpt.groups.first)
        #expect(excerpt.groups.count == 1)
        #expect(Set(group.memberUserIDs) == Set(ids[0..<2_500]) && group.memberUserIDs.count == 2_500)
        #expect(group.memberGroupIDs.isEmpty)
        #expect(Set(excerpt.users.map(\.id)) == Set(ids[0..<2_500]))
        // 1 token + the filtered /groups + 3 pages of 999 transitive member users.
        #expect(excerpt.statistics.requests == 1 + 1 + 3, "\(excerpt.statistics)")
        #expect(Unordered(excerpt) == Unordered(DirectoryExcerpt(snapshot(harness), DirectoryLookup(groups: ["parent"]))))
    }

    @Test("unknown keys — a GUID Graph answers 404 for included — give an empty excerpt and no error")
    func unknownKeys() async throws {
        let harness = GraphHarness(users: 50, groups: 5)
        let lookup = DirectoryLookup(
            users: ["00000000-0000-4000-8000-00000000dead", "nobody@contoso.com", "CORP\\nobody", "", "  "],
            groups: ["00000000-0000-4000-8000-00000000beef", "No such group"])
        let excerpt = try await harness.provider().lookUp(lookup)
        #expect(excerpt.users.isEmpty && excerpt.groups.isEmpty)
        let graph = harness.emulator.requestLog.filter { $0.path.hasPrefix("/v1.0/") }
        #expect(graph.filter { $0.status == 404 }.map(\.path) == ["/v1.0/users/00000000-0000-4000-8000-00000000dead", "/v1.0/groups/00000000-0000-4000-8000-00000000beef"])
        #expect(graph.count == 5, "blank keys ask for nothing: \(graph.map(\.path))")
        // A soft-deleted user is gone from /users/{id} too.
        let gone = harness.tenant.users[0]
        harness.emulator.softDeleteUser(id: gone.id, tenant: harness.credentials.tenantID)
        #expect(try await harness.provider().lookUp(DirectoryLookup(users: [gone.id])).users.isEmpty)
    }

    @Test("a 404 that is not Request_ResourceNotFound (a wrong Graph URL) is an error, not an empty answer")
    func foreign404() async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        await #expect(throws: EntraError.self) {
            try await harness.provider(transport: WrongPathTransport()).lookUp(DirectoryLookup(users: ["00000000-0000-4000-8000-00000000dead"]))
        }
    }

    @Test("a key with a quote is one OData literal: a hostile key names nothing, a UPN with a quote is found")
    func quotes() async throws {
        let harness = GraphHarness(users: 300, groups: 5)
        let provider = harness.provider()
        let hostile = try await provider.lookUp(DirectoryLookup(users: ["x' or userPrincipalName ne '"], groups: ["x' or displayName ne '"]))
        #expect(hostile.users.isEmpty && hostile.groups.isEmpty)
        let queries = harness.emulator.requestLog.filter { $0.path == "/v1.0/users" || $0.path == "/v1.0/groups" }.map { $0.query.removingPercentEncoding ?? "" }
        #expect(queries.count == 2)
        #expect(queries[0].contains("$filter=userPrincipalName eq 'x'' or userPrincipalName ne ''' or mail eq 'x'' or userPrincipalName ne '''"))
        #expect(queries[0].contains("proxyAddresses/any(p:p eq 'smtp:x'' or userPrincipalName ne ''')"))
        #expect(queries[1].contains("$filter=displayName eq 'x'' or displayName ne '''"))
        let quoted = try #require(harness.tenant.users.first { $0.userPrincipalName.contains("'") })
        let found = try await provider.lookUp(DirectoryLookup(users: [quoted.userPrincipalName]))
        #expect(found.users.map(\.id) == [quoted.id])
    }

    @Test("what the server returns is checked against the keys: a server that matches more never widens the excerpt")
    func overmatchingServer() async throws {
        let harness = GraphHarness(users: 120, groups: 8)
        let user = harness.tenant.users[5]
        let provider = harness.provider(transport: OvermatchingTransport(base: EmulatorTransport(harness.emulator)))
        let excerpt = try await provider.lookUp(DirectoryLookup(users: [user.userPrincipalName]))
        #expect(excerpt.users.map(\.id) == [user.id])
        let lookup = DirectoryLookup(users: [user.userPrincipalName])
        #expect(Unordered(excerpt) == Unordered(DirectoryExcerpt(snapshot(harness), lookup)))
    }

    @Test("the DOMAIN\\name login needs the advanced query: it is sent with ConsistencyLevel and $count")
    func samLogin() async throws {
        let harness = GraphHarness(users: 100, groups: 4)
        let user = try #require(harness.tenant.users.first { $0.onPremisesSamAccountName != nil && !$0.onPremisesSamAccountName!.contains("'") })
        // The domain part is the user's NetBIOS domain (the first label of its on-premises domain).
        let netBIOS = try #require(user.onPremisesDomainName?.split(separator: ".").first).uppercased()
        let excerpt = try await harness.provider().lookUp(DirectoryLookup(users: ["\(netBIOS)\\\(user.onPremisesSamAccountName!)"]))
        #expect(excerpt.users.map(\.id) == [user.id])
        let query = harness.emulator.requestLog.first { $0.path == "/v1.0/users" }?.query.removingPercentEncoding ?? ""
        #expect(query.contains(" or onPremisesSamAccountName eq '\(user.onPremisesSamAccountName!)'") && query.contains("$count=true"))
    }

    @Test("a next link that repeats a page stops the lookup with pagingLoop")
    func pagingLoop() async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        let transport = CannedTransport(body: #"{"value":[],"@odata.nextLink":"https://graph.emulator.test/v1.0/users?$skiptoken=again"}"#)
        let error = await #expect(throws: EntraError.self) {
            try await harness.provider(transport: transport).lookUp(DirectoryLookup(users: ["someone@contoso.com"]))
        }
        #expect(error?.code == .pagingLoop)
    }

    @Test("lookUp is callable from a detached task (the provider is Sendable)")
    func sendable() async throws {
        let harness = GraphHarness(users: 20, groups: 3)
        let provider = harness.provider()
        let user = harness.tenant.users[1]
        let excerpt = try await Task.detached { try await provider.lookUp(DirectoryLookup(users: [user.id])) }.value
        #expect(excerpt.users.map(\.id) == [user.id])
    }
}
