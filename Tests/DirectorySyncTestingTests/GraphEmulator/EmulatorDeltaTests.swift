import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Graph emulator: delta queries")
struct EmulatorDeltaTests {
    @Test("a first round returns everyone, then a delta link; the next round only what changed, with @removed reasons")
    func users() {
        let harness = EmulatorHarness(users: 450, groups: 2)
        let t = harness.credentials.tenantID
        let first = harness.all("/v1.0/users/delta?$select=id,displayName,mail")
        #expect(first.items.count == 450)
        #expect(first.pages == 3)
        let deltaLink = try! #require(first.last["@odata.deltaLink"] as? String)
        #expect(first.last["@odata.nextLink"] == nil)
        let users = harness.tenant.users
        harness.emulator.modifyUser(id: users[0].id, tenant: t) { $0.displayName = "Renamed" }
        harness.emulator.softDeleteUser(id: users[1].id, tenant: t)
        harness.emulator.hardDeleteUser(id: users[2].id, tenant: t)
        harness.emulator.upsertUser(DirectoryUser(id: "zzzz-new", userPrincipalName: "new@contoso.com"), tenant: t)
        let second = harness.all(deltaLink)
        let byID = Dictionary(uniqueKeysWithValues: second.items.map { ($0["id"] as! String, $0) })
        #expect(byID.count == 4)
        #expect(byID[users[0].id]?["displayName"] as? String == "Renamed")
        #expect((byID[users[1].id]?["@removed"] as? [String: String])?["reason"] == "changed")
        #expect((byID[users[2].id]?["@removed"] as? [String: String])?["reason"] == "deleted")
        #expect(byID["zzzz-new"] != nil)
        #expect(Set(byID[users[0].id]!.keys) == ["id", "displayName", "mail"], "$select is fixed by the first request")
        harness.emulator.restoreUser(id: users[1].id, tenant: t)
        let third = harness.all(second.last["@odata.deltaLink"] as! String)
        #expect(third.items.compactMap { $0["id"] as? String } == [users[1].id])
        #expect(harness.all(third.last["@odata.deltaLink"] as! String).items.isEmpty)
    }

    @Test("group delta reports members@delta, additions and removals, chunked for large groups")
    func groups() {
        let harness = EmulatorHarness(users: 300, groups: 0, configuration: .init(membersPerDeltaEntry: 50))
        let t = harness.credentials.tenantID
        let ids = harness.tenant.users.map(\.id)
        harness.emulator.upsertGroup(DirectoryGroup(id: "g-big", displayName: "Big", memberUserIDs: DirectoryObjectIDs(ids[0..<120])), tenant: t)
        let first = harness.all("/v1.0/groups/delta?$select=id,displayName,members")
        let entries = first.items.filter { $0["id"] as? String == "g-big" }
        #expect(entries.count == 3)
        let members = entries.flatMap { $0["members@delta"] as? [[String: Any]] ?? [] }
        #expect(Set(members.compactMap { $0["id"] as? String }) == Set(ids[0..<120]))
        harness.emulator.addMember(ids[200], to: "g-big", tenant: t)
        harness.emulator.removeMember(ids[0], from: "g-big", tenant: t)
        let second = harness.all(first.last["@odata.deltaLink"] as! String)
        let changes = second.items.flatMap { $0["members@delta"] as? [[String: Any]] ?? [] }
        #expect(changes.count == 2)
        #expect(changes.first { $0["id"] as? String == ids[0] }?["@removed"] != nil)
        #expect(changes.first { $0["id"] as? String == ids[200] }?["@odata.type"] as? String == "#microsoft.graph.user")
    }

    @Test("$deltatoken=latest starts tracking from now")
    func latest() {
        let harness = EmulatorHarness(users: 50, groups: 1)
        let response = json(harness.get("/v1.0/users/delta?$deltatoken=latest"))
        #expect((response["value"] as? [Any])?.isEmpty == true)
        harness.emulator.upsertUser(DirectoryUser(id: "new", userPrincipalName: "n@contoso.com"), tenant: harness.credentials.tenantID)
        #expect(harness.all(response["@odata.deltaLink"] as! String).items.count == 1)
    }

    @Test("delta links expire after seven days, or on demand, with 400 syncStateNotFound; reset answers 410 with Location")
    func expiry() {
        let harness = EmulatorHarness(users: 20, groups: 1)
        let link = harness.all("/v1.0/users/delta?$select=id").last["@odata.deltaLink"] as! String
        #expect(harness.get(link).status == 200)
        harness.clock.advance(by: 8 * 86_400)
        let expired = harness.get(link)
        #expect(expired.status == 400 && errorCode(expired) == "syncStateNotFound")
        let fresh = harness.all("/v1.0/users/delta?$select=id").last["@odata.deltaLink"] as! String
        harness.emulator.expireDeltaLinks()
        #expect(errorCode(harness.get(fresh)) == "syncStateNotFound")
        harness.clock.advance(by: 2)
        let again = harness.all("/v1.0/users/delta?$select=id").last["@odata.deltaLink"] as! String
        harness.emulator.setDeltaReset(true)
        let gone = harness.get(again)
        #expect(gone.status == 410)
        #expect(gone.headers["Location"] == "https://graph.emulator.test/v1.0/users/delta?$select=id")
        #expect(harness.get("/v1.0/users/delta?$top=5").status == 400)
    }

    @Test("a replay fault repeats entries; clients must apply them idempotently")
    func replay() {
        let harness = EmulatorHarness(users: 30, groups: 1)
        harness.emulator.scheduleFault(.replayDeltaEntries)
        let items = harness.all("/v1.0/users/delta?$select=id").items
        #expect(items.count > 30)
        #expect(Set(items.compactMap { $0["id"] as? String }).count == 30)
    }
}

@Suite("Graph emulator: throttling, faults, the request log")
struct EmulatorThrottlingTests {
    @Test("resource units: users 2, $select takes one off, members 3, transitive members 5")
    func units() {
        let harness = EmulatorHarness(users: 10, groups: 1)
        let token = harness.token()
        let group = harness.tenant.groups[0].id
        _ = harness.get("/v1.0/users", token: token)
        _ = harness.get("/v1.0/users?$select=id", token: token)
        _ = harness.get("/v1.0/groups/\(group)/members", token: token)
        _ = harness.get("/v1.0/groups/\(group)/transitiveMembers", token: token)
        _ = harness.get("/v1.0/groups", token: token)
        let graph = harness.emulator.requestLog.filter { $0.path.hasPrefix("/v1.0") }
        #expect(graph.map(\.resourceUnits) == [2, 1, 3, 5, 1])
        #expect(harness.get("/v1.0/users", token: token).headers["x-ms-resource-unit"] == "2")
    }

    @Test("over the budget of the 10-second window: 429 with Retry-After and x-ms headers; the next window is open")
    func budget() {
        let harness = EmulatorHarness(users: 10, groups: 1, configuration: .init(throttling: true))
        let token = harness.token()
        var statuses: [Int] = []
        for _ in 0..<1_760 { statuses.append(harness.get("/v1.0/users", token: token).status) }
        #expect(statuses.filter { $0 == 200 }.count == 1_750, "3,500 units at 2 per request for a tenant under 50 users")
        let throttled = harness.get("/v1.0/users", token: token)
        #expect(throttled.status == 429 && errorCode(throttled) == "TooManyRequests")
        #expect(throttled.headers["Retry-After"] == "10")
        #expect(throttled.headers["x-ms-throttle-information"] == "ResourceUnitLimitExceeded")
        harness.clock.advance(by: 10)
        #expect(harness.get("/v1.0/users", token: token).status == 200)
    }

    @Test("scripted faults: statuses, truncated and malformed bodies, dropped connections, delays")
    func faults() async throws {
        let harness = EmulatorHarness(users: 10, groups: 1)
        let token = harness.token()
        harness.emulator.scheduleFault(.status(503, retryAfter: "1.5"), pathPrefix: "/v1.0/users")
        let unavailable = harness.get("/v1.0/users", token: token)
        #expect(unavailable.status == 503 && unavailable.headers["Retry-After"] == "1.5")
        harness.emulator.scheduleFault(.truncatedBody)
        #expect((try? JSONSerialization.jsonObject(with: harness.get("/v1.0/users", token: token).body)) == nil)
        harness.emulator.scheduleFault(.malformedBody)
        #expect((try? JSONSerialization.jsonObject(with: harness.get("/v1.0/users", token: token).body)) == nil)
        harness.emulator.scheduleFault(.dropConnection)
        await #expect(throws: HTTPTransportError.self) {
            try await EmulatorTransport(harness.emulator).send(HTTPRequest(url: URL(string: "https://g.test/v1.0/users")!, headers: ["Authorization": "Bearer \(token)"]))
        }
        harness.emulator.scheduleFault(.delay(0.05))
        let started = ContinuousClock.now
        _ = try await EmulatorTransport(harness.emulator).send(HTTPRequest(url: URL(string: "https://g.test/v1.0/users")!, headers: ["Authorization": "Bearer \(token)"]))
        #expect(ContinuousClock.now - started >= .milliseconds(50))
        #expect(harness.get("/v1.0/users", token: token).status == 200)
    }

    @Test("random faults are reproducible for a seed")
    func randomFaults() {
        func run() -> [Int] {
            let harness = EmulatorHarness(users: 10, groups: 1)
            let token = harness.token()
            harness.emulator.setRandomFaults(probability: 0.3, faults: [.status(500), .status(429, retryAfter: "1")], seed: 42)
            return (0..<40).map { _ in harness.get("/v1.0/users", token: token).status }
        }
        let first = run()
        #expect(first == run())
        #expect(first.contains(500) || first.contains(429))
        #expect(first.contains(200))
    }
}
