import DirectorySync
@testable import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("EntraError: which failures heal by themselves, and quarantine against the Graph emulator")
struct EntraErrorHealingTests {
    @Test("credential, application, consent, tenant and domain errors never heal by themselves; network, throttling and Graph hiccups may", arguments: [
        ("invalidInput", false), ("unknownTenant", false), ("unknownApplication", false), ("wrongSecret", false), ("expiredSecret", false),
        ("missingSecret", false), ("applicationDisabled", false), ("missingPermission", false), ("domainNotVerified", false),
        ("unsupportedCloud", false), ("network", true), ("throttled", true), ("unexpectedResponse", true), ("authenticationFailed", true),
        ("graphError", true), ("deltaExpired", true), ("pagingLoop", true),
    ])
    func healing(code: String, heals: Bool) {
        #expect(EntraError(EntraError.Code(rawValue: code), detail: "x").healsByItself == heals)
    }

    @Test("a service principal that was deleted (AADSTS7000229) and consent not granted or revoked (AADSTS65001) are named")
    func tokenErrors() {
        func response(_ code: Int, _ status: Int = 400) -> HTTPResponse {
            HTTPResponse(status: status, headers: [:], body: Data(#"{"error":"invalid_client","error_codes":[\#(code)],"trace_id":"t-1"}"#.utf8))
        }
        let deleted = TokenSource.tokenError(response(7_000_229, 401))
        #expect(deleted.code == .unknownApplication && deleted.serviceCode == "AADSTS7000229" && !deleted.healsByItself)
        let consent = TokenSource.tokenError(response(65_001))
        #expect(consent.code == .missingPermission && consent.serviceCode == "AADSTS65001" && !consent.healsByItself)
        #expect(TokenSource.tokenError(response(0, 503)).healsByItself, "an unavailable token endpoint heals")
    }

    @Test("a secret replaced in Entra ID quarantines the source at once (wrongSecret); rotating it while on releases it; revoked consent does the same")
    func quarantineAndRotation() async throws {
        let graph = GraphHarness(users: 30, groups: 3)
        let (service, _, source, credentials) = try await graph.service()
        try await service.setCredentials(source.id, credentials, secret: Secret(graph.credentials.clientSecret))
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.setSchedule(source.id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        try await service.turnOn(source.id)
        #expect(try await service.synchronize(source.id).outcome == .succeeded)

        // An administrator replaced the secret in the portal; the cached token expires.
        let replacement = "replacement~secret.value_2"
        func application(roles: [String] = ["Directory.Read.All"]) -> EmulatedApplication {
            EmulatedApplication(
                clientID: graph.credentials.clientID,
                secrets: [.init(id: UUID().uuidString, value: replacement, expires: graph.clock.now.addingTimeInterval(400 * 86_400))], roles: roles)
        }
        graph.emulator.addApplication(application(), tenant: graph.credentials.tenantID)
        graph.clock.advance(by: 2 * 3_600)
        let failed = try await service.synchronize(source.id, trigger: .scheduled)
        guard case .failed(let message) = failed.outcome else { Issue.record("\(failed.outcome)"); return }
        #expect(message.contains("wrongSecret"))
        let quarantine = try #require(try await service.status(source.id).quarantine)
        #expect(quarantine.errorCode == "wrongSecret")
        #expect(quarantine.consecutiveFailures == 1, "at once, not after three runs")
        #expect(quarantine.reason.contains("AADSTS7000215"))
        #expect(!quarantine.reason.contains(graph.credentials.clientSecret) && !quarantine.reason.contains(replacement))

        // Rotation while on: the new secret is tested, swapped in, and the quarantine ends.
        await #expect(throws: DirectoryServiceError.self) {
            try await service.setCredentials(source.id, credentials, secret: Secret("still-not-it"))
        }
        #expect(try await service.source(source.id).state == .quarantined, "a failed rotation changes nothing")
        try await service.setCredentials(source.id, credentials, secret: Secret(replacement))
        let rotated = try await service.source(source.id)
        #expect(rotated.state == .on && rotated.quarantine == nil)
        #expect(try await service.synchronize(source.id).outcome == .succeeded)

        // Consent revoked: the token carries no role, Graph answers 403.
        graph.emulator.addApplication(application(roles: []), tenant: graph.credentials.tenantID)
        graph.clock.advance(by: 2 * 3_600)
        _ = try await service.synchronize(source.id, trigger: .scheduled)
        #expect(try await service.status(source.id).quarantine?.errorCode == "missingPermission")
    }
}
