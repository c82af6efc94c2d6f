import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("GraphDirectoryProvider: the connection test")
struct ConnectionTestTests {
    func failure(_ report: ConnectionReport) -> (ConnectionReport.Step, EntraError.Code)? {
        for (step, outcome) in report.steps { if case .failed(let error) = outcome { return (step, error.code) } }
        return nil
    }

    @Test("valid credentials pass every step")
    func success() async {
        let harness = GraphHarness(users: 10, groups: 1)
        let report = await harness.provider().testConnection(domain: harness.credentials.domain)
        #expect(report.isSuccessful, "\(report)")
        #expect(report.steps.map(\.step) == ConnectionReport.Step.allCases)
    }

    @Test("each failure names its step and cause", arguments: [
        ("unknown-tenant", ConnectionReport.Step.cloud, EntraError.Code.unknownTenant),
        ("unknown-app", .token, .unknownApplication),
        ("wrong-secret", .token, .wrongSecret),
        ("secret-id", .token, .wrongSecret),
        ("expired-at-entra", .token, .expiredSecret),
        ("no-consent", .permissions, .missingPermission),
        ("other-domain", .domain, .domainNotVerified),
        ("gcc-high", .cloud, .unsupportedCloud),
        ("dod", .cloud, .unsupportedCloud),
    ])
    func failures(scenario: String, step: ConnectionReport.Step, code: EntraError.Code) async {
        var harness = GraphHarness(users: 10, groups: 1)
        var credentials = harness.entraCredentials
        var domain = harness.credentials.domain
        switch scenario {
        case "unknown-tenant": credentials.tenant = "fabrikam.example"
        case "unknown-app": credentials.clientID = "00000000-1111-2222-3333-444444444444"
        case "wrong-secret": credentials.clientSecret = "not-the-secret"
        case "secret-id": credentials.clientSecret = Secret(harness.credentials.clientSecretID)
        case "expired-at-entra":
            harness.emulator.addApplication(EmulatedApplication(clientID: harness.credentials.clientID, secrets: [.init(id: "x", value: harness.credentials.clientSecret, expires: harness.clock.now.addingTimeInterval(-60))]), tenant: harness.credentials.tenantID)
        case "no-consent": harness = GraphHarness(users: 10, groups: 1, roles: [])
        case "other-domain": domain = "fabrikam.com"
        case "gcc-high": harness = GraphHarness(users: 10, groups: 1, cloud: .gccHigh)
        case "dod": harness = GraphHarness(users: 10, groups: 1, cloud: .dod)
        default: break
        }
        if ["no-consent", "gcc-high", "dod"].contains(scenario) { credentials = harness.entraCredentials }
        let report = await harness.provider(credentials: credentials).testConnection(domain: domain)
        #expect(!report.isSuccessful)
        let found = failure(report)
        #expect(found?.0 == step, "\(report)")
        #expect(found?.1 == code, "\(report)")
        #expect(report.failure?.description.contains(".") == true)
        #expect(!report.description.contains(harness.credentials.clientSecret), "the secret never appears in a report")
        if scenario == "secret-id" { #expect(report.failure?.description.contains("Value, not its Secret ID") == true) }
        let afterFailure = report.steps.drop { $0.step != step }.dropFirst()
        #expect(afterFailure.allSatisfy { if case .skipped = $0.outcome { true } else { false } })
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
        var credentials = harness.entraCredentials
        credentials.tenant = tenant
        let report = await harness.provider(credentials: credentials).testConnection(domain: "contoso.com")
        #expect(failure(report)?.1 == .invalidInput)
        #expect(harness.emulator.requestLog.isEmpty)
        await #expect { try await harness.provider(credentials: credentials).read() } throws: { ($0 as? EntraError)?.code == .invalidInput }
    }

    @Test("an expiry date in the past fails before calling Entra; one within the lead time warns")
    func secretExpiry() async {
        let harness = GraphHarness(users: 10, groups: 1)
        var credentials = harness.entraCredentials
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(-86_400)
        let expired = await harness.provider(credentials: credentials).testConnection(domain: harness.credentials.domain)
        #expect(failure(expired)?.1 == .expiredSecret)
        #expect(harness.emulator.requestLog.isEmpty)
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(5 * 86_400 + 60)
        let soon = await harness.provider(credentials: credentials).testConnection(domain: harness.credentials.domain)
        #expect(soon.isSuccessful)
        guard case .warning(let text) = soon.steps[0].outcome else {
            Issue.record("expected a warning")
            return
        }
        #expect(text.contains("expires in 5 days"))
        #expect(credentials.secretExpiry(now: harness.clock.now) == .expiresSoon(daysLeft: 5))
        #expect(credentials.secretExpiry(now: harness.clock.now, leadTimes: [3]) == .valid(daysLeft: 5))
    }

    @Test("least privilege (User.Read.All + GroupMember.Read.All) passes, with a warning that the domain was not checked")
    func leastPrivilege() async {
        let harness = GraphHarness(users: 10, groups: 1, roles: ["User.Read.All", "GroupMember.Read.All"])
        let report = await harness.provider().testConnection(domain: harness.credentials.domain)
        #expect(report.isSuccessful)
        guard case .warning = report.steps.last?.outcome else {
            Issue.record("expected a warning on the domain step")
            return
        }
    }

    @Test("a network failure is reported as such")
    func network() async {
        let harness = GraphHarness(users: 10, groups: 1)
        let unreachable = EntraEndpoints(login: URL(string: "http://127.0.0.1:1")!, graph: URL(string: "http://127.0.0.1:1/v1.0")!)
        let provider = harness.provider(endpoints: unreachable, transport: URLSessionTransport(configuration: .init(timeout: 3)))
        let report = await provider.testConnection(domain: "contoso.com")
        #expect(failure(report)?.1 == .network)
    }

    @Test("credentials never print their secret")
    func redaction() {
        let credentials = EntraCredentials(tenant: "contoso.com", clientID: "11111111-2222-3333-4444-555555555555", clientSecret: "Canary~Secret.123")
        #expect(!"\(credentials)".contains("Canary"))
        #expect(!String(reflecting: credentials.clientSecret).contains("Canary"))
        var dumped = ""
        dump(credentials, to: &dumped)
        #expect(!dumped.contains("Canary"))
        #expect(credentials.clientSecret.reveal() == "Canary~Secret.123")
    }
}
