import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("GraphDirectoryProvider: the connection test")
struct ConnectionTestTests {
    func failure(_ report: ConnectionTestResult) -> (ConnectionTestResult.Step.Name, EntraError.Code)? {
        guard let step = report.failure, let code = report.errorCode else { return nil }
        return (step.name, EntraError.Code(rawValue: code))
    }

    @Test("valid credentials pass every step")
    func success() async {
        let harness = GraphHarness(users: 10, groups: 1)
        let report = await harness.provider().testConnection(domain: harness.credentials.domain)
        #expect(report.isSuccessful, "\(report)")
        #expect(report.steps.map(\.name) == ConnectionTestResult.Step.Name.entraSteps)
    }

    @Test("each failure names its step and cause", arguments: [
        ("unknown-tenant", ConnectionTestResult.Step.Name.cloud, EntraError.Code.unknownTenant),
        ("unknown-app", .token, .unknownApplication),
        ("wrong-secret", .token, .wrongSecret),
        ("secret-id", .token, .wrongSecret),
        ("expired-at-entra", .token, .expiredSecret),
        ("no-consent", .permissions, .missingPermission),
        ("other-domain", .domain, .domainNotVerified),
        ("gcc-high", .cloud, .unsupportedCloud),
        ("dod", .cloud, .unsupportedCloud),
    ])
    func failures(scenario: String, step: ConnectionTestResult.Step.Name, code: EntraError.Code) async {
        var harness = GraphHarness(users: 10, groups: 1)
        var credentials = harness.sourceCredentials
        var secret = harness.secret
        var domain = harness.credentials.domain
        switch scenario {
        case "unknown-tenant": credentials.tenant = "fabrikam.example"
        case "unknown-app": credentials.clientID = "00000000-1111-2222-3333-444444444444"
        case "wrong-secret": secret = "not-the-secret"
        case "secret-id": secret = Secret(harness.credentials.clientSecretID)
        case "expired-at-entra":
            harness.emulator.addApplication(EmulatedApplication(clientID: harness.credentials.clientID, secrets: [.init(id: "x", value: harness.credentials.clientSecret, expires: harness.clock.now.addingTimeInterval(-60))]), tenant: harness.credentials.tenantID)
        case "no-consent": harness = GraphHarness(users: 10, groups: 1, roles: [])
        case "other-domain": domain = "fabrikam.com"
        case "gcc-high": harness = GraphHarness(users: 10, groups: 1, cloud: .gccHigh)
        case "dod": harness = GraphHarness(users: 10, groups: 1, cloud: .dod)
        default: break
        }
        if ["no-consent", "gcc-high", "dod"].contains(scenario) { credentials = harness.sourceCredentials }
        let report = await harness.provider(credentials: credentials, secret: secret).testConnection(domain: domain)
        #expect(!report.isSuccessful)
        let found = failure(report)
        #expect(found?.0 == step, "\(report)")
        #expect(found?.1 == code, "\(report)")
        #expect(report.failure?.detail.contains(".") == true)
        #expect(!report.description.contains(harness.credentials.clientSecret), "the secret never appears in a report")
        if scenario == "secret-id" { #expect(report.failure?.detail.contains("Value, not its Secret ID") == true) }
        let afterFailure = report.steps.drop { $0.name != step }.dropFirst()
        #expect(afterFailure.allSatisfy { $0.status == .skipped })
        #expect(report.steps.map(\.name) == ConnectionTestResult.Step.Name.entraSteps)
    }

    @Test("a host may opt in to national clouds")
    func nationalCloudOptIn() async {
        let harness = GraphHarness(users: 10, groups: 1, cloud: .gccHigh)
        let report = await harness.provider(allowsNationalClouds: true).testConnection(domain: harness.credentials.domain)
        #expect(report.isSuccessful, "\(report)")
    }

    @Test("malformed input is refused before any request", arguments: [
        "contoso.com/../x", "contoso com", "contoso.com?x=1", "contoso.com#frag", "contoso%2Fcom", "сontoso.com", "", "localhost",
    ])
    func malformedTenant(tenant: String) async {
        let harness = GraphHarness(users: 10, groups: 1)
        var credentials = harness.sourceCredentials
        credentials.tenant = tenant
        let report = await harness.provider(credentials: credentials).testConnection(domain: "contoso.com")
        #expect(failure(report)?.1 == .invalidInput)
        #expect(harness.emulator.requestLog.isEmpty)
        await #expect { try await harness.provider(credentials: credentials).read() } throws: { ($0 as? EntraError)?.code == .invalidInput }
        // The credentials' own error stays underneath, its fix the one the error gives (not a second one).
        do {
            _ = try await harness.provider(credentials: credentials).read()
        } catch let error as EntraError {
            let cause = try? #require(error.underlying as? DirectoryServiceError)
            #expect(cause?.code == .invalidInput)
            #expect(error.fix == cause?.fix)
            #expect(error.description.components(separatedBy: error.fix).count == 2, "the fix appears once: \(error)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test("an expiry date in the past fails before calling Entra; one within the lead time warns")
    func secretExpiry() async {
        let harness = GraphHarness(users: 10, groups: 1)
        var credentials = harness.sourceCredentials
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(-86_400)
        let expired = await harness.provider(credentials: credentials).testConnection(domain: harness.credentials.domain)
        #expect(failure(expired)?.1 == .expiredSecret)
        #expect(harness.emulator.requestLog.isEmpty)
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(5 * 86_400 + 60)
        let soon = await harness.provider(credentials: credentials).testConnection(domain: harness.credentials.domain)
        #expect(soon.isSuccessful)
        #expect(soon.steps[0].status == .warning)
        #expect(soon.steps[0].detail.contains("expires in 5 days"))
        #expect(soon.warnings.count == 1)
        #expect(credentials.secretExpiry(now: harness.clock.now) == .expiresSoon(daysLeft: 5))
        #expect(credentials.secretExpiry(now: harness.clock.now, leadTimes: [3]) == .valid(daysLeft: 5))
    }

    @Test("least privilege (User.Read.All + GroupMember.Read.All) passes, with a warning that the domain was not checked, and the tenant id from the token")
    func leastPrivilege() async {
        let harness = GraphHarness(users: 10, groups: 1, roles: ["User.Read.All", "GroupMember.Read.All"])
        let report = await harness.provider().testConnection(domain: harness.credentials.domain)
        #expect(report.isSuccessful)
        let domain = report.steps.first { $0.name == .domain }
        #expect(domain?.status == .warning, "the domain step warns")
        #expect(domain?.detail.contains("the tenant id \(harness.credentials.tenantID) was read from the access token") == true, "\(String(describing: domain))")
        #expect(report.steps.last?.name == .onPremises && report.steps.last?.status == .passed, "User.Read.All reads the synchronized users")
        // Without Organization.Read.All or Directory.Read.All the verified domains are unknown, but
        // the token's tid still names the tenant (one source per tenant).
        #expect(report.tenant == TenantIdentity(id: harness.credentials.tenantID, verifiedDomains: []))
    }

    @Test("a network failure is reported as such")
    func network() async {
        let harness = GraphHarness(users: 10, groups: 1)
        let unreachable = EntraEndpoints(login: URL(string: "http://127.0.0.1:1")!, graph: URL(string: "http://127.0.0.1:1/v1.0")!)
        let provider = harness.provider(endpoints: unreachable, transport: URLSessionTransport(configuration: .init(timeout: 3)))
        let report = await provider.testConnection(domain: "contoso.com")
        #expect(failure(report)?.1 == .network)
    }

    @Test("an empty secret is refused before any request, like malformed credentials")
    func emptySecret() async {
        let harness = GraphHarness(users: 10, groups: 1)
        let report = await harness.provider(secret: "").testConnection(domain: harness.credentials.domain)
        #expect(failure(report)?.0 == .input)
        #expect(failure(report)?.1 == .invalidInput)
        #expect(harness.emulator.requestLog.isEmpty)
    }

    @Test("the connector's test is the provider's, step for step; a malformed endpoint fails the input step")
    func connectorMatchesProvider() async {
        let harness = GraphHarness(users: 10, groups: 1)
        let connector = GraphDirectoryConnector(configuration: .init(provider: harness.configuration(), transport: EmulatorTransport(harness.emulator)))
        let connection = SourceConnection(domain: harness.credentials.domain, credentials: harness.sourceCredentials, secret: harness.secret)
        let viaConnector = await connector.testConnection(connection)
        let viaProvider = await harness.provider().testConnection(domain: harness.credentials.domain)
        #expect(viaConnector == viaProvider)
        #expect(viaConnector.isSuccessful, "\(viaConnector)")
        var insecure = harness.sourceCredentials
        insecure.loginURL = URL(string: "http://login.example.com")
        insecure.graphURL = URL(string: "http://graph.example.com/v1.0")
        let refused = await connector.testConnection(SourceConnection(domain: "contoso.com", credentials: insecure, secret: harness.secret))
        #expect(refused.failure?.name == .input)
        #expect(refused.errorCode == "invalidInput")
        #expect(throws: EntraError.self) { _ = try connector.provider(for: SourceConnection(domain: "contoso.com", credentials: insecure, secret: harness.secret)) }
    }

    @Test("the result's JSON is designed: step names and statuses as strings, errorCode only on failure")
    func designedJSON() async throws {
        let harness = GraphHarness(users: 10, groups: 1)
        let encoder = JSONEncoder.deterministic()
        let passed = await harness.provider().testConnection(domain: harness.credentials.domain)
        let passedJSON = try #require(try JSONSerialization.jsonObject(with: encoder.encode(passed)) as? [String: Any])
        #expect(Set(passedJSON.keys) == ["steps", "tenant"])
        let tenant = try #require(passedJSON["tenant"] as? [String: Any])
        #expect(Set(tenant.keys) == ["id", "verifiedDomains"])
        #expect(tenant["id"] as? String == harness.credentials.tenantID)
        #expect(tenant["verifiedDomains"] as? [String] == [harness.credentials.domain, "contoso.onmicrosoft.com"])
        let steps = try #require(passedJSON["steps"] as? [[String: String]])
        #expect(steps.map { $0["name"] } == ["input", "cloud", "token", "permissions", "graphRead", "domain", "onPremises"])
        #expect(steps.allSatisfy { Set($0.keys) == ["name", "status", "detail"] && $0["status"] == "passed" })
        let failed = await harness.provider(secret: "not-the-secret").testConnection(domain: harness.credentials.domain)
        let failedText = String(decoding: try encoder.encode(failed), as: UTF8.self)
        #expect(failedText.contains(#""errorCode":"wrongSecret""#))
        #expect(failedText.contains(#"{"detail":"skipped","name":"domain","status":"skipped"}"#))
        #expect(!failedText.contains(#""tenant""#), "a test that stopped before the organization was read knows no tenant")
        #expect(try JSONDecoder().decode(ConnectionTestResult.self, from: encoder.encode(failed)) == failed)
    }

    @Test("credentials never hold the secret; the secret never prints")
    func redaction() {
        let credentials = SourceCredentials(clientID: "11111111-2222-3333-4444-555555555555", tenant: "contoso.com")
        let secret: Secret = "Canary~Secret.123"
        #expect(!"\(credentials)".contains("Canary"))
        #expect(!"\(secret)".contains("Canary"))
        #expect(!String(reflecting: secret).contains("Canary"))
        var dumped = ""
        dump(GraphDirectoryProvider(credentials: credentials, secret: secret), to: &dumped)
        #expect(!dumped.contains("Canary"))
        #expect(secret.reveal() == "Canary~Secret.123")
    }

    @Test("the test reads the tenant's id and every verified domain from /organization")
    func tenantIdentity() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 10, groups: 1, seed: 3)).generate()
        let harness = GraphHarness(tenant: tenant, otherDomains: ["fabrikam.com"])
        let (emulator, credentials) = (harness.emulator, harness.credentials)
        let report = await harness.provider().testConnection(domain: "fabrikam.com")
        #expect(report.isSuccessful, "\(report)")
        let found = try #require(report.tenant)
        #expect(found.id == credentials.tenantID)
        #expect(found.verifiedDomains == [tenant.domain, "fabrikam.com", "\(tenant.domain.split(separator: ".")[0]).onmicrosoft.com"])
        #expect(found.isNamed(by: "FABRIKAM.com.") && found.isNamed(by: credentials.tenantID.uppercased()) && !found.isNamed(by: "example.com"))
        let request = try #require(emulator.requestLog.first { $0.path == "/v1.0/organization" })
        #expect(request.query.removingPercentEncoding == "$select=id,verifiedDomains")
        let unverified = await harness.provider().testConnection(domain: "example.com")
        #expect(unverified.failure?.name == .domain)
        #expect(unverified.tenant == found, "a domain that is not verified still tells which tenant the credentials reach")
    }

    @Test("a domain whose users Graph reports as synchronized from on-premises AD fails the onPremises step; other domains pass")
    func onPremisesDomain() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 30, groups: 1, seed: 3, onPremisesShare: 0.5)).generate()
        let harness = GraphHarness(tenant: tenant, otherDomains: ["cloud.contoso.com"], synchronizedDomains: [tenant.domain])
        let (emulator, credentials) = (harness.emulator, harness.credentials)
        let synced = await harness.provider().testConnection(domain: tenant.domain)
        #expect(!synced.isSuccessful)
        #expect(synced.failure?.name == .onPremises)
        #expect(synced.errorCode == EntraError.Code.onPremisesDomain.rawValue)
        #expect(synced.failure?.detail.contains("synchronized from on-premises Active Directory") == true, "\(synced)")
        #expect(synced.failure?.detail.contains("choose a domain whose users are managed in Entra ID") == true, "names the fix")
        #expect(synced.tenant?.id == credentials.tenantID, "the tenant was read before the step failed")
        let query = try #require(emulator.requestLog.last { $0.path == "/v1.0/users" }).query.removingPercentEncoding ?? ""
        #expect(query.contains("$filter=onPremisesSyncEnabled eq true and endsWith(userPrincipalName,'@\(tenant.domain)')"))
        #expect(query.contains("$count=true") && query.contains("$top=1"))
        emulator.clearRequestLog()
        let cloud = await harness.provider().testConnection(domain: "cloud.contoso.com")
        #expect(cloud.isSuccessful, "\(cloud)")
        #expect(cloud.steps.last?.name == .onPremises && cloud.steps.last?.status == .passed)
    }

    @Test("an on-premises query Graph refuses (400, or 403 without a user role) warns that it was not checked instead of failing")
    func onPremisesUnchecked() async {
        /// Answers the on-premises query with `status`, everything else from the emulator.
        struct RefusingTransport: HTTPTransport {
            let base: EmulatorTransport
            let status: Int
            func send(_ request: HTTPRequest) async throws -> HTTPResponse {
                guard request.url.query?.removingPercentEncoding?.contains("onPremisesSyncEnabled") == true else { return try await base.send(request) }
                #expect(request.headers["ConsistencyLevel"] == "eventual")
                return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Data(#"{"error":{"code":"Request_UnsupportedQuery","message":"Unsupported Query."}}"#.utf8))
            }
        }
        let harness = GraphHarness(users: 10, groups: 1)
        for status in [400, 403] {
            let report = await harness.provider(transport: RefusingTransport(base: EmulatorTransport(harness.emulator), status: status))
                .testConnection(domain: harness.credentials.domain)
            #expect(report.isSuccessful, "\(report)")
            let step = report.steps.last
            #expect(step?.name == .onPremises && step?.status == .warning)
            #expect(step?.detail.contains("could not be checked") == true)
        }
    }
}
