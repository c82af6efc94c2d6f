import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Graph emulator: users, groups, members, paging, $select and $filter")
struct EmulatorDirectoryTests {
    @Test("Graph calls need a valid, unexpired token with the right role")
    func authorization() {
        let harness = EmulatorHarness(users: 10, groups: 2)
        let missing = harness.send(HTTPRequest(url: URL(string: "https://g.test/v1.0/users")!))
        #expect(missing.status == 401 && errorCode(missing) == "InvalidAuthenticationToken")
        #expect(harness.get("/v1.0/users", token: "garbled.token.value").status == 401)
        let token = harness.token()
        #expect(harness.get("/v1.0/users", token: token).status == 200)
        harness.clock.advance(by: 3_600)
        let expired = harness.get("/v1.0/users", token: token)
        #expect(expired.status == 401 && errorCode(expired) == "InvalidAuthenticationToken")
        let noConsent = EmulatorHarness(users: 10, groups: 2, roles: [])
        let denied = noConsent.get("/v1.0/users")
        #expect(denied.status == 403 && errorCode(denied) == "Authorization_RequestDenied")
        let leastPrivilege = EmulatorHarness(users: 10, groups: 2, roles: ["User.Read.All", "GroupMember.Read.All"])
        #expect(leastPrivilege.get("/v1.0/users").status == 200)
        #expect(leastPrivilege.get("/v1.0/groups").status == 200)
        #expect(leastPrivilege.get("/v1.0/organization").status == 403)
        let body = json(denied)["error"] as? [String: Any]
        #expect((body?["innerError"] as? [String: Any])?["request-id"] != nil)
    }

    @Test("paging follows opaque absolute next links to every user exactly once", arguments: [1, 7, 100, 999])
    func paging(top: Int) {
        let harness = EmulatorHarness(users: 230, groups: 3)
        let (items, pages, last) = harness.all("/v1.0/users?$top=\(top)&$select=id,mail")
        #expect(items.count == 230)
        #expect(Set(items.compactMap { $0["id"] as? String }) == Set(harness.tenant.users.map(\.id)))
        #expect(pages == (230 + top - 1) / top)
        #expect(last["@odata.nextLink"] == nil)
    }

    @Test("$top outside 1…999 is the documented 400; the default page is 100")
    func pageSize() {
        let harness = EmulatorHarness(users: 150, groups: 2)
        for bad in ["0", "1000", "x"] {
            let response = harness.get("/v1.0/users?$top=\(bad)")
            #expect(response.status == 400 && errorCode(response) == "Request_UnsupportedQuery")
        }
        #expect((json(harness.get("/v1.0/users?$top=1000"))["error"] as? [String: Any])?["message"] as? String == "Invalid page size specified: '1000'. Must be between 1 and 999 inclusive.")
        #expect((json(harness.get("/v1.0/users"))["value"] as? [Any])?.count == 100)
        let next = json(harness.get("/v1.0/users"))["@odata.nextLink"] as? String ?? ""
        #expect(next.hasPrefix("https://graph.emulator.test/v1.0/users?$skiptoken="))
    }

    @Test("without $select only the default properties come back; with it, exactly those (nulls included)")
    func select() {
        let harness = EmulatorHarness(users: 20, groups: 2)
        let user = (json(harness.get("/v1.0/users?$top=1"))["value"] as? [[String: Any]])?.first ?? [:]
        #expect(Set(user.keys) == ["businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation", "preferredLanguage", "surname", "userPrincipalName"])
        let selected = (json(harness.get("/v1.0/users?$top=1&$select=accountEnabled,proxyAddresses,onPremisesSamAccountName"))["value"] as? [[String: Any]])?.first ?? [:]
        #expect(Set(selected.keys) == ["id", "accountEnabled", "proxyAddresses", "onPremisesSamAccountName"])
        let unknown = harness.get("/v1.0/users?$select=shoeSize")
        #expect(unknown.status == 400 && errorCode(unknown) == "Request_BadRequest")
    }

    @Test("$filter: eq, in, startsWith work plainly; advanced operators need ConsistencyLevel and $count")
    func filters() {
        let harness = EmulatorHarness(users: 200, groups: 2)
        let sales = harness.tenant.users.filter { $0.department == "Sales" }.count
        #expect(harness.all("/v1.0/users?$filter=department%20eq%20'sales'&$top=999").items.count == sales)
        let twoCities = harness.tenant.users.filter { ["Oslo", "Bergen"].contains($0.city ?? "") }.count
        #expect(harness.all("/v1.0/users?$filter=city%20in%20('Oslo','Bergen')").items.count == twoCities)
        let a = harness.tenant.users.filter { $0.displayName?.lowercased().hasPrefix("a") == true }.count
        #expect(harness.all("/v1.0/users?$filter=startsWith(displayName,'A')").items.count == a)
        let advanced = harness.get("/v1.0/users?$filter=department%20ne%20'Sales'")
        #expect(advanced.status == 400 && (json(advanced)["error"] as? [String: Any])?["message"] as? String == "Unsupported Query.")
        let allowed = harness.get("/v1.0/users?$filter=department%20ne%20'Sales'&$count=true&$top=999", headers: ["ConsistencyLevel": "eventual"])
        #expect(allowed.status == 200)
        #expect(json(allowed)["@odata.count"] as? Int == 200 - sales)
        #expect(harness.get("/v1.0/users?$filter=shoeSize%20eq%20'9'").status == 400)
    }

    @Test("OData quotes are escaped by doubling; an injection attempt never widens the result")
    func escaping() {
        let harness = EmulatorHarness(users: 30, groups: 1)
        let user = harness.tenant.users[0]
        harness.emulator.modifyUser(id: user.id, tenant: harness.credentials.tenantID) { $0.surname = "O'Brien" }
        #expect(harness.all("/v1.0/users?$filter=surname%20eq%20'O''Brien'").items.count == 1)
        let injection = harness.get("/v1.0/users?$filter=surname%20eq%20'x'%20or%201%20eq%201")
        #expect(injection.status == 400)
        let quoted = harness.all("/v1.0/users?$filter=surname%20eq%20'x''%20or%20''1''%20eq%20''1'").items
        #expect(quoted.isEmpty)
    }

    @Test("groups, direct members and transitive members (nested, cycle-safe, non-user members with type and id only)")
    func members() {
        let harness = EmulatorHarness(users: 40, groups: 4)
        let t = harness.credentials.tenantID
        let users = harness.tenant.users
        harness.emulator.upsertGroup(DirectoryGroup(id: "aaaa-child", displayName: "Child", memberUserIDs: [users[1].id], memberGroupIDs: ["aaaa-parent"]), tenant: t)
        harness.emulator.upsertGroup(DirectoryGroup(id: "aaaa-parent", displayName: "Parent", memberUserIDs: [users[0].id], memberGroupIDs: ["aaaa-child"]), others: [EmulatedOtherMember(type: "device", id: "dev-1")], tenant: t)
        let direct = harness.all("/v1.0/groups/aaaa-parent/members").items
        #expect(Set(direct.compactMap { $0["@odata.type"] as? String }) == ["#microsoft.graph.user", "#microsoft.graph.group", "#microsoft.graph.device"])
        #expect(direct.first { $0["@odata.type"] as? String == "#microsoft.graph.device" }?.keys.sorted() == ["@odata.type", "id"])
        let transitive = harness.all("/v1.0/groups/aaaa-parent/transitiveMembers?$select=id,mail").items
        // The cycle brings the parent back in as a nested group of its child; the walk still ends.
        #expect(Set(transitive.compactMap { $0["id"] as? String }) == [users[0].id, users[1].id, "aaaa-child", "aaaa-parent", "dev-1"])
        #expect(transitive.contains { $0["id"] as? String == users[1].id })
        let missing = harness.get("/v1.0/groups/none/members")
        #expect(missing.status == 404 && errorCode(missing) == "Request_ResourceNotFound")
        #expect(harness.all("/v1.0/groups?$top=2").items.count == 6)
    }

    @Test("organization lists the verified domains")
    func organization() {
        let harness = EmulatorHarness(users: 5, groups: 1)
        let org = (json(harness.get("/v1.0/organization"))["value"] as? [[String: Any]])?.first ?? [:]
        #expect(org["id"] as? String == harness.credentials.tenantID)
        #expect((org["verifiedDomains"] as? [[String: Any]])?.compactMap { $0["name"] as? String }.contains(harness.credentials.domain) == true)
    }
}
