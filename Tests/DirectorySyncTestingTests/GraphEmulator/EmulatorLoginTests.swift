import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Graph emulator: cloud discovery and the token endpoint")
struct EmulatorLoginTests {
    @Test("openid-configuration tells the cloud by region scope and sub-scope", arguments: [
        (EmulatedTenant.Cloud.commercial, "NA", nil, "graph.microsoft.com"), (.gcc, "NA", "GCC", "graph.microsoft.com"),
        (.gccHigh, "USGov", "DODCON", "graph.microsoft.us"), (.dod, "USGov", "DOD", "dod-graph.microsoft.us"),
    ])
    func discovery(cloud: EmulatedTenant.Cloud, scope: String, subScope: String?, graphHost: String) {
        let harness = EmulatorHarness(users: 5, groups: 1, cloud: cloud)
        for name in [harness.credentials.domain, harness.credentials.tenantID, harness.credentials.domain.uppercased()] {
            let response = harness.send(HTTPRequest(url: harness.base.appendingPathComponent("\(name)/v2.0/.well-known/openid-configuration")))
            let body = json(response)
            #expect(response.status == 200)
            #expect(body["tenant_region_scope"] as? String == scope)
            #expect(body["tenant_region_sub_scope"] as? String == subScope)
            #expect(body["msgraph_host"] as? String == graphHost)
            #expect((body["token_endpoint"] as? String)?.hasPrefix("https://login.emulator.test/") == true)
        }
    }

    @Test("unknown and malformed tenants get the documented errors")
    func unknownTenant() {
        let harness = EmulatorHarness(users: 5, groups: 1)
        let unknown = harness.send(HTTPRequest(url: harness.base.appendingPathComponent("nope.example/v2.0/.well-known/openid-configuration")))
        #expect(unknown.status == 400)
        #expect(json(unknown)["error"] as? String == "invalid_tenant")
        #expect(aadCodes(unknown) == [90_002])
        #expect((json(unknown)["error_description"] as? String)?.hasPrefix("AADSTS90002: ") == true)
        #expect((json(unknown)["error_description"] as? String)?.contains("\r\nTrace ID: ") == true)
        let malformed = harness.tokenResponse(tenant: "not a tenant!")
        #expect(malformed.status == 400)
        #expect(aadCodes(malformed) == [900_023])
    }

    @Test("every token error of the reference table, with its status and code")
    func tokenErrors() {
        let harness = EmulatorHarness(users: 5, groups: 1)
        let c = harness.credentials
        let cases: [(HTTPResponse, Int, String, Int)] = [
            (harness.tokenResponse(tenant: "missing.example"), 400, "invalid_tenant", 90_002),
            (harness.tokenResponse(clientID: "00000000-0000-0000-0000-000000000000"), 400, "unauthorized_client", 700_016),
            (harness.tokenResponse(secret: "wrong"), 401, "invalid_client", 7_000_215),
            (harness.tokenResponse(secret: c.clientSecretID), 401, "invalid_client", 7_000_215),
            (harness.tokenResponse(secret: ""), 401, "invalid_client", 7_000_218),
            (harness.tokenResponse(grant: "password"), 400, "unsupported_grant_type", 70_003),
            (harness.tokenResponse(scope: "https://graph.microsoft.com/User.Read"), 400, "invalid_scope", 1_002_012),
            (harness.tokenResponse(contentType: "application/json"), 400, "invalid_request", 900_144),
        ]
        for (response, status, error, code) in cases {
            #expect(response.status == status, "\(response)")
            #expect(json(response)["error"] as? String == error)
            #expect(aadCodes(response) == [code])
        }
        #expect((json(harness.tokenResponse(secret: c.clientSecretID))["error_description"] as? String)?.contains("not the client secret ID") == true)
    }

    @Test("expired secrets and disabled applications are refused")
    func expiredAndDisabled() {
        let harness = EmulatorHarness(users: 5, groups: 1)
        let c = harness.credentials
        harness.emulator.addApplication(EmulatedApplication(clientID: c.clientID, secrets: [.init(id: c.clientSecretID, value: c.clientSecret, expires: harness.clock.now.addingTimeInterval(-1))]), tenant: c.tenantID)
        #expect(aadCodes(harness.tokenResponse()) == [7_000_222])
        harness.emulator.addApplication(EmulatedApplication(clientID: c.clientID, secrets: [.init(id: c.clientSecretID, value: c.clientSecret, expires: .distantFuture)], isEnabled: false), tenant: c.tenantID)
        #expect(aadCodes(harness.tokenResponse()) == [7_000_112])
    }

    @Test("a token is JWT-shaped with tid, appid, exp and the granted roles; none without consent; Basic auth works")
    func tokens() {
        let harness = EmulatorHarness(users: 5, groups: 1)
        let response = json(harness.tokenResponse())
        #expect(response["token_type"] as? String == "Bearer")
        #expect(response["expires_in"] as? Int == 3_599)
        let payload = claims(response["access_token"] as? String ?? "")
        #expect(payload["tid"] as? String == harness.credentials.tenantID)
        #expect(payload["appid"] as? String == harness.credentials.clientID)
        #expect(payload["roles"] as? [String] == ["Directory.Read.All"])
        #expect(payload["exp"] as? Int == 1_790_000_000 + 3_599)
        let noConsent = EmulatorHarness(users: 5, groups: 1, roles: [])
        #expect(claims(json(noConsent.tokenResponse())["access_token"] as? String ?? "")["roles"] == nil)
        let basic = Data("\(harness.credentials.clientID):\(harness.credentials.clientSecret)".utf8).base64EncodedString()
        let viaBasic = harness.send(HTTPRequest(
            method: .post, url: harness.base.appendingPathComponent("\(harness.credentials.tenantID)/oauth2/v2.0/token"),
            headers: ["Content-Type": "application/x-www-form-urlencoded", "Authorization": "Basic \(basic)"],
            body: Data("grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default".utf8)))
        #expect(viaBasic.status == 200)
    }
}
