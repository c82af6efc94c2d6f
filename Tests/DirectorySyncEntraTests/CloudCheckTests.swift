import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// The connection test's cloud step: the tenant's discovery document must name the configured
/// cloud, and a national one only when national clouds are allowed.
@Suite("GraphDirectoryProvider: the connection test's cloud check")
struct CloudCheckTests {
    /// Discovery documents of the clouds the emulator does not serve, shaped like Microsoft's
    /// (`login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration` answers for a
    /// tenant of any cloud, with that cloud's endpoints).
    enum Document: String, CaseIterable, Sendable {
        case china, chinaWithoutRegion, chinaIssuerOnly, germany

        func json(tenantID: String) -> Data {
            var fields: [String: String] = [:]
            switch self {
            case .china, .chinaWithoutRegion, .chinaIssuerOnly:
                fields = [
                    "issuer": "https://login.partner.microsoftonline.cn/\(tenantID)/v2.0",
                    "token_endpoint": "https://login.partner.microsoftonline.cn/\(tenantID)/oauth2/v2.0/token",
                    "authorization_endpoint": "https://login.partner.microsoftonline.cn/\(tenantID)/oauth2/v2.0/authorize",
                    "cloud_instance_name": "partner.microsoftonline.cn", "cloud_graph_host_name": "graph.chinacloudapi.cn",
                    "msgraph_host": "microsoftgraph.chinacloudapi.cn", "tenant_region_scope": "AS",
                ]
                if self != .china { fields["tenant_region_scope"] = nil }
                if self == .chinaIssuerOnly { fields["cloud_instance_name"] = nil }
            case .germany:
                fields = [
                    "issuer": "https://login.microsoftonline.de/\(tenantID)/v2.0", "cloud_instance_name": "microsoftonline.de",
                    "msgraph_host": "graph.microsoft.de", "tenant_region_scope": "EU",
                ]
            }
            return try! JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])
        }
    }

    /// Answers the discovery request with `document`; everything else goes to the emulator.
    struct DiscoveryTransport: HTTPTransport {
        let emulator: GraphEmulator
        let document: Document
        let tenantID: String

        func send(_ request: HTTPRequest) async throws -> HTTPResponse {
            if request.url.path.hasSuffix("/v2.0/.well-known/openid-configuration") {
                return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: document.json(tenantID: tenantID))
            }
            return try await EmulatorTransport(emulator).send(request)
        }
    }

    static let china = EntraEndpoints(
        login: URL(string: "https://login.chinacloudapi.cn")!, graph: URL(string: "https://microsoftgraph.chinacloudapi.cn/v1.0")!,
        scope: "https://microsoftgraph.chinacloudapi.cn/.default")

    func cloudStep(_ report: ConnectionTestResult) -> ConnectionTestResult.Step? {
        report.steps.first { $0.name == .cloud }
    }

    @Test("a China (21Vianet) tenant fails the cloud step of a connection for the global cloud, naming the cloud and the fix", arguments: [
        (Document.china, false), (.china, true), (.chinaWithoutRegion, false), (.chinaIssuerOnly, false), (.chinaIssuerOnly, true),
    ])
    func chinaOnGlobal(document: Document, allowsNationalClouds: Bool) async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        let transport = DiscoveryTransport(emulator: harness.emulator, document: document, tenantID: harness.credentials.tenantID)
        let report = await harness.provider(endpoints: .global, transport: transport, allowsNationalClouds: allowsNationalClouds)
            .testConnection(domain: harness.credentials.domain)
        #expect(!report.isSuccessful)
        guard let cloud = cloudStep(report), cloud.status == .failed else {
            Issue.record("the cloud step did not fail: \(report)")
            return
        }
        #expect(report.errorCode == EntraError.Code.unsupportedCloud.rawValue)
        #expect(cloud.detail.contains("China cloud operated by 21Vianet"), "\(cloud.detail)")
        #expect(cloud.detail.contains("global (commercial or GCC) cloud"), "\(cloud.detail)")
        // The fix: a global tenant, or (where national clouds are allowed) the China endpoints.
        #expect(cloud.detail.contains(allowsNationalClouds ? "login.chinacloudapi.cn" : "use a tenant of the global cloud"), "\(cloud.detail)")
        #expect(report.steps.drop { $0.name != .cloud }.dropFirst().allSatisfy { $0.status == .skipped })
        #expect(!harness.emulator.requestLog.contains { $0.path.hasSuffix("/token") }, "no token is asked for in the wrong cloud")
    }

    @Test("a China tenant is refused where the login endpoint is not Microsoft's (an emulator) unless national clouds are allowed")
    func chinaOnUnknownEndpoints() async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        let transport = DiscoveryTransport(emulator: harness.emulator, document: .china, tenantID: harness.credentials.tenantID)
        let refused = await harness.provider(transport: transport).testConnection(domain: harness.credentials.domain)
        guard let cloud = cloudStep(refused), cloud.status == .failed else {
            Issue.record("the cloud step did not fail: \(refused)")
            return
        }
        #expect(refused.errorCode == EntraError.Code.unsupportedCloud.rawValue)
        #expect(cloud.detail.contains("21Vianet"))
        let allowed = await harness.provider(transport: transport, allowsNationalClouds: true).testConnection(domain: harness.credentials.domain)
        guard let cloud = cloudStep(allowed), cloud.status == .passed else {
            Issue.record("the cloud step did not pass: \(allowed)")
            return
        }
        #expect(cloud.detail.contains("21Vianet"))
    }

    @Test("a China tenant passes with the China endpoints when national clouds are allowed, and not otherwise")
    func chinaOnChina() async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        let transport = DiscoveryTransport(emulator: harness.emulator, document: .china, tenantID: harness.credentials.tenantID)
        let allowed = await harness.provider(endpoints: Self.china, transport: transport, allowsNationalClouds: true).testConnection(domain: harness.credentials.domain)
        guard let cloud = cloudStep(allowed), cloud.status == .passed else {
            Issue.record("the cloud step did not pass: \(allowed)")
            return
        }
        #expect(cloud.detail.contains("China cloud operated by 21Vianet"))
        #expect(cloud.detail.contains("microsoftgraph.chinacloudapi.cn"))
        let refused = await harness.provider(endpoints: Self.china, transport: transport).testConnection(domain: harness.credentials.domain)
        guard let cloud = cloudStep(refused), cloud.status == .failed else {
            Issue.record("the cloud step did not fail: \(refused)")
            return
        }
        #expect(refused.errorCode == EntraError.Code.unsupportedCloud.rawValue)
    }

    @Test("a tenant of an unknown cloud (the retired Germany cloud) is refused")
    func unknownCloud() async throws {
        let harness = GraphHarness(users: 5, groups: 1)
        let transport = DiscoveryTransport(emulator: harness.emulator, document: .germany, tenantID: harness.credentials.tenantID)
        for endpoints in [EntraEndpoints.global, harness.endpoints] {
            let report = await harness.provider(endpoints: endpoints, transport: transport, allowsNationalClouds: true).testConnection(domain: harness.credentials.domain)
            guard let cloud = cloudStep(report), cloud.status == .failed else {
                Issue.record("the cloud step did not fail: \(report)")
                continue
            }
            #expect(report.errorCode == EntraError.Code.unsupportedCloud.rawValue)
            #expect(cloud.detail.contains("microsoftonline.de"), "\(cloud.detail)")
        }
    }

    @Test("global endpoints: a commercial or GCC tenant passes; a GCC High or DoD tenant is refused even where national clouds are allowed", arguments: EmulatedTenant.Cloud.allCases)
    func usClouds(cloud: EmulatedTenant.Cloud) async throws {
        let harness = GraphHarness(users: 5, groups: 1, cloud: cloud)
        let report = await harness.provider(endpoints: .global, allowsNationalClouds: true).testConnection(domain: harness.credentials.domain)
        switch cloud {
        case .commercial, .gcc:
            #expect(report.isSuccessful, "\(report)")
        case .gccHigh, .dod:
            guard let step = cloudStep(report), step.status == .failed else {
                Issue.record("the cloud step did not fail: \(report)")
                return
            }
            #expect(report.errorCode == EntraError.Code.unsupportedCloud.rawValue)
            #expect(step.detail.contains(cloud == .dod ? "DoD" : "GCC High"), "\(step.detail)")
            #expect(step.detail.contains("login.microsoftonline.us"), "\(step.detail)")
        }
    }
}
