import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Graph emulator: single objects, memberOf, casts, lambda and on-premises filters")
struct EmulatorLookupTests {
    /// A tenant with a user in `inner`, `inner` in `outer`, a device in `inner`.
    func planted() -> (harness: EmulatorHarness, user: DirectoryUser) {
        let harness = EmulatorHarness(users: 30, groups: 3)
        let t = harness.credentials.tenantID
        let user = DirectoryUser(
            id: "aaaaaaaa-0000-4000-8000-000000000001", userPrincipalName: "Probe.User@contoso.com", displayName: "Probe", mail: "probe@contoso.com",
            proxyAddresses: ["SMTP:probe@contoso.com", "smtp:Alias.Probe@contoso.com"], onPremisesSamAccountName: "probe7")
        harness.emulator.upsertUser(user, tenant: t)
        harness.emulator.upsertGroup(
            DirectoryGroup(id: "aaaaaaaa-0000-4000-8000-000000000011", displayName: "Inner", memberUserIDs: [user.id, harness.tenant.users[0].id]),
            others: [EmulatedOtherMember(type: "device", id: "dev-1")], tenant: t)
        harness.emulator.upsertGroup(
            DirectoryGroup(id: "aaaaaaaa-0000-4000-8000-000000000012", displayName: "Outer", memberUserIDs: [harness.tenant.users[1].id], memberGroupIDs: ["aaaaaaaa-0000-4000-8000-000000000011"]),
            tenant: t)
        return (harness, user)
    }

    func ids(_ response: HTTPResponse) -> [String] { (json(response)["value"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String } }

    @Test("GET /users/{id | userPrincipalName} returns one user with $select, ignoring case; unknown or deleted ids are Graph's 404")
    func singleUser() {
        let (harness, user) = planted()
        for key in [user.id, user.id.uppercased(), "probe.user@CONTOSO.com"] {
            let response = harness.get("/v1.0/users/\(key)?$select=id,mail,onPremisesSamAccountName")
            let body = json(response)
            #expect(response.status == 200)
            #expect(body["id"] as? String == user.id && body["mail"] as? String == "probe@contoso.com" && body["onPremisesSamAccountName"] as? String == "probe7")
            #expect(Set(body.keys) == ["@odata.context", "id", "mail", "onPremisesSamAccountName"])
            #expect((body["@odata.context"] as? String)?.hasSuffix("/v1.0/$metadata#users(id,mail,onPremisesSamAccountName)/$entity") == true)
        }
        #expect(Set(json(harness.get("/v1.0/users/\(user.id)")).keys).isSuperset(of: ["displayName", "userPrincipalName", "businessPhones"]))
        let missing = harness.get("/v1.0/users/00000000-0000-4000-8000-00000000dead")
        #expect(missing.status == 404 && errorCode(missing) == "Request_ResourceNotFound")
        #expect((json(missing)["error"] as? [String: Any])?["innerError"] != nil)
        harness.emulator.softDeleteUser(id: user.id, tenant: harness.credentials.tenantID)
        #expect(harness.get("/v1.0/users/\(user.id)").status == 404)
        #expect(harness.get("/v1.0/users/\(user.id)/memberOf").status == 404)
    }

    @Test("GET /groups/{id} returns one group; an unknown id is 404")
    func singleGroup() {
        let (harness, _) = planted()
        let body = json(harness.get("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000011?$select=id,displayName,groupTypes"))
        #expect(body["displayName"] as? String == "Inner")
        #expect(Set(body.keys) == ["@odata.context", "id", "displayName", "groupTypes"])
        let missing = harness.get("/v1.0/groups/00000000-0000-4000-8000-00000000beef")
        #expect(missing.status == 404 && errorCode(missing) == "Request_ResourceNotFound")
        let badSelect = harness.get("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000011?$select=shoeSize")
        #expect(badSelect.status == 400 && errorCode(badSelect) == "Request_BadRequest")
    }

    @Test("memberOf lists the direct parent groups of a user or a group, with and without the group cast")
    func memberOf() {
        let (harness, user) = planted()
        let plain = harness.all("/v1.0/users/\(user.id)/memberOf")
        #expect(plain.items.compactMap { $0["id"] as? String } == ["aaaaaaaa-0000-4000-8000-000000000011"])
        #expect(plain.items.first?["@odata.type"] as? String == "#microsoft.graph.group")
        let cast = harness.all("/v1.0/users/\(user.id)/memberOf/microsoft.graph.group?$select=id,displayName&$top=999")
        #expect(cast.items.map { $0["displayName"] as? String } == ["Inner"])
        #expect(cast.items.first?["@odata.type"] == nil)
        #expect(Set(cast.items.first.map { Array($0.keys) } ?? []) == ["id", "displayName"])
        #expect(harness.all("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000011/memberOf/microsoft.graph.group").items.compactMap { $0["id"] as? String } == ["aaaaaaaa-0000-4000-8000-000000000012"])
        #expect(harness.all("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000012/memberOf").items.isEmpty)
        #expect(harness.all("/v1.0/users/\(user.id)/memberOf/microsoft.graph.directoryRole").items.isEmpty)
        let wrongCast = harness.get("/v1.0/users/\(user.id)/memberOf/microsoft.graph.user")
        #expect(wrongCast.status == 400 && errorCode(wrongCast) == "Request_UnsupportedQuery")
        #expect(harness.get("/v1.0/users/\(user.id)/memberOf/whatever").status == 400)
        #expect(harness.get("/v1.0/groups/00000000-0000-4000-8000-00000000beef/memberOf").status == 404)
    }

    @Test("memberOf pages through many parents with opaque next links")
    func memberOfPaging() {
        let harness = EmulatorHarness(users: 5, groups: 0)
        let t = harness.credentials.tenantID
        let user = harness.tenant.users[0]
        for number in 0..<25 {
            harness.emulator.upsertGroup(DirectoryGroup(id: String(format: "cccccccc-0000-4000-8000-%012d", number), displayName: "G\(number)", memberUserIDs: [user.id]), tenant: t)
        }
        let paged = harness.all("/v1.0/users/\(user.id)/memberOf/microsoft.graph.group?$top=10&$select=id")
        #expect(paged.pages == 3 && paged.items.count == 25 && Set(paged.items.compactMap { $0["id"] as? String }).count == 25)
    }

    @Test("member lists take a user or group cast; a cast on transitive members needs ConsistencyLevel and $count on every page")
    func memberCasts() {
        let (harness, user) = planted()
        let outer = "/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000012"
        let users = harness.all("\(outer)/members/microsoft.graph.user")
        #expect(users.items.compactMap { $0["id"] as? String } == [harness.tenant.users[1].id])
        #expect(users.items.first?["@odata.type"] == nil)
        #expect(ids(harness.get("\(outer)/members/microsoft.graph.group")) == ["aaaaaaaa-0000-4000-8000-000000000011"])
        let refused = harness.get("\(outer)/transitiveMembers/microsoft.graph.user")
        #expect(refused.status == 400 && errorCode(refused) == "Request_UnsupportedQuery")
        let advanced: HTTPHeaders = ["ConsistencyLevel": "eventual"]
        let transitive = harness.all("\(outer)/transitiveMembers/microsoft.graph.user?$count=true&$top=1&$select=id,mail", headers: advanced)
        let expected = Set([user.id, harness.tenant.users[0].id, harness.tenant.users[1].id])
        #expect(Set(transitive.items.compactMap { $0["id"] as? String }) == expected && transitive.pages == 3)
        #expect(transitive.last["@odata.count"] as? Int == 3)
        // The plain list still carries every type, the device included.
        let plain = harness.all("\(outer)/transitiveMembers")
        #expect(plain.items.compactMap { $0["@odata.type"] as? String }.sorted() == ["#microsoft.graph.device", "#microsoft.graph.group", "#microsoft.graph.user", "#microsoft.graph.user", "#microsoft.graph.user"])
        #expect(harness.get("\(outer)/members/microsoft.graph.device").status == 400)
    }

    @Test("$filter: proxyAddresses/any(p:p eq …) ignores case (smtp: finds SMTP:), combines with or; onPremisesSamAccountName needs an advanced query")
    func lookupFilters() {
        let (harness, user) = planted()
        func users(_ filter: String, advanced: Bool = false) -> HTTPResponse {
            let encoded = filter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? filter
            return harness.get("/v1.0/users?$filter=\(encoded)" + (advanced ? "&$count=true" : ""), headers: advanced ? ["ConsistencyLevel": "eventual"] : [:])
        }
        #expect(ids(users("proxyAddresses/any(p:p eq 'smtp:PROBE@contoso.com')")) == [user.id])
        #expect(ids(users("proxyAddresses/any(x:x eq 'SMTP:alias.probe@CONTOSO.COM')")) == [user.id])
        #expect(ids(users("proxyAddresses/any(p:startsWith(p,'smtp:alias.p'))")) == [user.id])
        #expect(ids(users("proxyAddresses/any(p:p eq 'smtp:nobody@contoso.com')")).isEmpty)
        #expect(ids(users("id eq '\(user.id.uppercased())'")) == [user.id])
        let sam = users("onPremisesSamAccountName eq 'PROBE7'")
        #expect(sam.status == 400 && errorCode(sam) == "Request_UnsupportedQuery")
        #expect(ids(users("onPremisesSamAccountName eq 'PROBE7'", advanced: true)) == [user.id])
        let combined = "userPrincipalName eq 'nobody@contoso.com' or mail eq 'nobody@contoso.com' or proxyAddresses/any(p:p eq 'smtp:alias.probe@contoso.com') or onPremisesSamAccountName eq 'nobody'"
        #expect(ids(users(combined, advanced: true)) == [user.id])
        // A quote doubled inside a literal stays in the literal.
        #expect(ids(users("userPrincipalName eq 'x'' or userPrincipalName ne '''", advanced: true)).isEmpty)
        for bad in ["proxyAddresses eq 'smtp:probe@contoso.com'", "proxyAddresses/any(p:mail eq 'x')", "proxyAddresses/any(p p eq 'x')", "shoeSize/any(p:p eq 'x')"] {
            #expect(users(bad, advanced: true).status == 400, "\(bad)")
        }
    }

    @Test("resource units: a user 1, a user's memberOf 2, a group's memberOf 1, transitive members 5 (casts included), $select one less")
    func resourceUnits() {
        let (harness, user) = planted()
        let advanced: HTTPHeaders = ["ConsistencyLevel": "eventual"]
        #expect(harness.get("/v1.0/users/\(user.id)").headers["x-ms-resource-unit"] == "1")
        #expect(harness.get("/v1.0/users/\(user.id)/memberOf").headers["x-ms-resource-unit"] == "2")
        #expect(harness.get("/v1.0/users/\(user.id)/memberOf/microsoft.graph.group?$select=id").headers["x-ms-resource-unit"] == "1")
        #expect(harness.get("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000011/memberOf").headers["x-ms-resource-unit"] == "1")
        #expect(harness.get("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000011/members/microsoft.graph.user").headers["x-ms-resource-unit"] == "3")
        let transitive = harness.get("/v1.0/groups/aaaaaaaa-0000-4000-8000-000000000011/transitiveMembers/microsoft.graph.user?$count=true&$select=id", headers: advanced)
        #expect(transitive.headers["x-ms-resource-unit"] == "4")
    }

    @Test("permissions: users and a user's memberOf need a user role, groups and a group's lists a group role")
    func permissions() {
        let user = "aaaaaaaa-0000-4000-8000-000000000001"
        let group = "aaaaaaaa-0000-4000-8000-000000000011"
        func status(_ roles: [String], _ path: String) -> Int {
            let harness = EmulatorHarness(users: 5, groups: 1, roles: roles)
            let t = harness.credentials.tenantID
            harness.emulator.upsertUser(DirectoryUser(id: user, userPrincipalName: "p@contoso.com"), tenant: t)
            harness.emulator.upsertGroup(DirectoryGroup(id: group, displayName: "G", memberUserIDs: [user]), tenant: t)
            return harness.get(path).status
        }
        let leastPrivilege = ["User.Read.All", "GroupMember.Read.All"]
        for path in ["/v1.0/users/\(user)", "/v1.0/users/\(user)/memberOf/microsoft.graph.group", "/v1.0/groups/\(group)", "/v1.0/groups/\(group)/memberOf"] {
            #expect(status(leastPrivilege, path) == 200, "\(path)")
            #expect(status(["Directory.Read.All"], path) == 200, "\(path)")
            #expect(status([], path) == 403, "\(path)")
        }
        #expect(status(["GroupMember.Read.All"], "/v1.0/users/\(user)") == 403)
        #expect(status(["GroupMember.Read.All"], "/v1.0/users/\(user)/memberOf") == 403)
        #expect(status(["User.Read.All"], "/v1.0/groups/\(group)") == 403)
        #expect(status(["User.Read.All"], "/v1.0/groups/\(group)/memberOf") == 403)
    }
}
