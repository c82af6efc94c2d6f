import DirectorySync
import DirectorySyncHTTP
@testable import DirectorySyncTesting
import Foundation
import Testing

@Suite("Graph emulator: the organization's id and verified domains, and users synchronized from on-premises AD")
struct EmulatorTenantTests {
    /// A tenant verified in `contoso.com`, `fabrikam.com` and `contoso.onmicrosoft.com`, whose
    /// `fabrikam.com` users are synchronized from on-premises AD; two planted users there.
    func harness() -> EmulatorHarness {
        let harness = EmulatorHarness(users: 20, groups: 1)
        let t = harness.credentials.tenantID
        harness.emulator.addTenant(EmulatedTenant(
            id: t, verifiedDomains: ["contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"], synchronizedDomains: ["Fabrikam.com"]))
        harness.emulator.upsertUser(
            DirectoryUser(id: "aaaaaaaa-0000-4000-8000-0000000000f1", userPrincipalName: "Synced@FABRIKAM.com", onPremisesSamAccountName: "synced"), tenant: t)
        harness.emulator.upsertUser(DirectoryUser(id: "aaaaaaaa-0000-4000-8000-0000000000f2", userPrincipalName: "cloud@fabrikam.com"), tenant: t)
        return harness
    }

    func values(_ response: HTTPResponse) -> [[String: Any]] { json(response)["value"] as? [[String: Any]] ?? [] }

    @Test("/organization: the tenant id and every verified domain, the first the default; load(otherDomains:) adds domains")
    func organization() {
        let harness = harness()
        let org = values(harness.get("/v1.0/organization?$select=id,verifiedDomains")).first ?? [:]
        #expect(org["id"] as? String == harness.credentials.tenantID)
        let domains = org["verifiedDomains"] as? [[String: Any]] ?? []
        #expect(domains.compactMap { $0["name"] as? String } == ["contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"])
        #expect(domains.map { $0["isDefault"] as? Bool } == [true, false, false])
        #expect(domains.map { $0["isInitial"] as? Bool } == [false, false, true])

        let loaded = EmulatorHarness(users: 2, groups: 1, otherDomains: ["northwind.net", "northwind.org"])
        let names = (values(loaded.get("/v1.0/organization")).first?["verifiedDomains"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(names == ["contoso.com", "northwind.net", "northwind.org", "contoso.onmicrosoft.com"])
        // A token for any verified domain reaches the same tenant.
        #expect(loaded.tokenResponse(tenant: "northwind.org").status == 200)
    }

    @Test("onPremisesSyncEnabled: true in a synchronized domain with a SAM account name, false elsewhere with one, null without")
    func onPremisesSyncEnabled() throws {
        let harness = harness()
        let users = harness.all("/v1.0/users?$select=id,userPrincipalName,onPremisesSamAccountName,onPremisesSyncEnabled&$top=999").items
        let synced = try #require(users.first { $0["id"] as? String == "aaaaaaaa-0000-4000-8000-0000000000f1" })
        #expect(synced["onPremisesSyncEnabled"] as? Bool == true)
        let cloud = try #require(users.first { $0["id"] as? String == "aaaaaaaa-0000-4000-8000-0000000000f2" })
        #expect(cloud["onPremisesSyncEnabled"] is NSNull)
        let formerly = users.filter { ($0["userPrincipalName"] as? String)?.hasSuffix("@contoso.com") == true && $0["onPremisesSamAccountName"] is String }
        #expect(!formerly.isEmpty && formerly.allSatisfy { $0["onPremisesSyncEnabled"] as? Bool == false })
        let single = json(harness.get("/v1.0/users/aaaaaaaa-0000-4000-8000-0000000000f1?$select=id,onPremisesSyncEnabled"))
        #expect(single["onPremisesSyncEnabled"] as? Bool == true)
    }

    @Test("a users page encoded after the lock is released while the tenant's settings change is answered as chosen, but not kept for later requests")
    func settingsChangedWhileEncoding() throws {
        let harness = harness()
        let synced = "aaaaaaaa-0000-4000-8000-0000000000f1"
        let path = "/v1.0/users?$select=id,onPremisesSyncEnabled&$top=999"
        func syncEnabled(_ response: HTTPResponse) -> Bool? { values(response).first { $0["id"] as? String == synced }?["onPremisesSyncEnabled"] as? Bool }
        let request = HTTPRequest(url: URL(string: "https://graph.emulator.test\(path)")!, headers: ["Authorization": "Bearer \(harness.token())"])
        // Chosen under the lock, as `handle` does; the settings change before the page is encoded.
        let (answer, _) = harness.emulator.withState { harness.emulator.graph(request) }
        guard case .page = answer else { Issue.record("a users page is encoded after the lock is released"); return }
        harness.emulator.addTenant(EmulatedTenant(
            id: harness.credentials.tenantID, verifiedDomains: ["contoso.com", "fabrikam.com", "contoso.onmicrosoft.com"], synchronizedDomains: []))
        #expect(syncEnabled(answer.response()) == true)
        #expect(syncEnabled(harness.get(path)) == false, "the page encoded with the old settings was not kept")
        #expect(syncEnabled(harness.get(path)) == false)
    }

    @Test("$filter on onPremisesSyncEnabled: eq plainly; with endsWith(userPrincipalName) only as an advanced query, which counts")
    func filter() {
        let harness = harness()
        #expect(values(harness.get("/v1.0/users?$filter=onPremisesSyncEnabled%20eq%20true")).compactMap { $0["id"] as? String } == ["aaaaaaaa-0000-4000-8000-0000000000f1"])
        let query = "/v1.0/users?$filter=onPremisesSyncEnabled%20eq%20true%20and%20endsWith(userPrincipalName,'@fabrikam.com')&$top=1&$select=id"
        let plain = harness.get(query)
        #expect(plain.status == 400 && errorCode(plain) == "Request_UnsupportedQuery")
        let advanced = harness.get(query + "&$count=true", headers: ["ConsistencyLevel": "eventual"])
        #expect(advanced.status == 200)
        #expect(json(advanced)["@odata.count"] as? Int == 1)
        #expect(values(advanced).compactMap { $0["id"] as? String } == ["aaaaaaaa-0000-4000-8000-0000000000f1"])
        let contoso = harness.get(query.replacingOccurrences(of: "fabrikam", with: "contoso") + "&$count=true", headers: ["ConsistencyLevel": "eventual"])
        #expect(json(contoso)["@odata.count"] as? Int == 0 && values(contoso).isEmpty, "contoso.com is not synchronized: its SAM users report false")
    }
}
