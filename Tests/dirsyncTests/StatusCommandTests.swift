import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR status: quarantine, since when, why, next attempt")
struct StatusCommandTests {
    @Test("a run that fails with a replaced secret quarantines the source at once; status shows it in text and JSON; a new secret releases it")
    func quarantine() async throws {
        let session = try AdminCommandTests.Session(users: 12)
        for arguments in [["source", "add", "--name", "Contoso", "--domain", session.credentials.domain], session.credentialArguments(),
            ["test-connection", "--source", "Contoso"], ["schedule", "set", "--source", "Contoso", "--kind", "hourly", "--every", "1", "--at", "00:00", "--time-zone", "UTC"],
            ["on", "--source", "Contoso"]]
        {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments): \(result.output)\(result.error)")
        }
        let replacement = "replacement~secret.value_\(UUID().uuidString.prefix(8))"
        session.emulator.addApplication(
            EmulatedApplication(
                clientID: session.credentials.clientID, secrets: [.init(id: UUID().uuidString, value: replacement, expires: Date().addingTimeInterval(86_400 * 30))]),
            tenant: session.credentials.tenantID)
        let failed = try await session.run(["sync", "--source", "Contoso"])
        #expect(failed.status == 1)

        let json = try await session.run(["status", "--source", "Contoso", "--json"])
        #expect(json.status == 0)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect((status["source"] as? [String: Any])?["state"] as? String == "quarantined")
        #expect(status["consecutiveFailures"] as? Int == 1)
        let quarantine = try #require(status["quarantine"] as? [String: Any])
        #expect(quarantine["errorCode"] as? String == "wrongSecret")
        #expect(quarantine["since"] is String && quarantine["reason"] is String)
        #expect(quarantine["nextAttempt"] as? String == status["nextRun"] as? String)
        #expect(status["usersSynchronized"] != nil && status["warnings"] != nil, "the existing fields are kept")

        let text = try await session.run(["status", "--source", "Contoso"])
        #expect(text.output.contains("State:      quarantined"))
        #expect(text.output.contains("Quarantine: since ") && text.output.contains("after a failed run"))
        #expect(text.output.contains("next attempt "), "\(text.output)")
        #expect(text.output.contains("sync, credentials set, filter set, policy set or schedule set releases it now"), "every change that releases it")

        let rotated = try await session.run(["credentials", "set", "--source", "Contoso", "--client-secret-stdin"], input: replacement + "\n")
        #expect(rotated.status == 0, "\(rotated.error)")
        let released = try await session.run(["status", "--source", "Contoso", "--json"])
        let after = try #require(try JSONSerialization.jsonObject(with: Data(released.output.utf8)) as? [String: Any])
        #expect((after["source"] as? [String: Any])?["state"] as? String == "on")
        #expect(after["quarantine"] == nil && after["consecutiveFailures"] as? Int == 0)
    }
}
