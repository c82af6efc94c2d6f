import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR: staged deletion shows in status and history")
struct StagedDeletionCommandTests {
    @Test("a user deleted in Entra under disable-then-remove: status says how many removals are pending and until when, in text and JSON")
    func pendingInStatus() async throws {
        let session = try AdminCommandTests.Session(users: 12)
        for arguments in [["source", "add", "--name", "Contoso", "--domain", session.credentials.domain], session.credentialArguments(),
            ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"],
            ["policy", "set", "--source", "Contoso", "--removal", "disable-then-remove", "--grace", "7d"], ["sync", "--source", "Contoso"]]
        {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments): \(result.output)\(result.error)")
        }
        let before = try await session.run(["status", "--source", "Contoso", "--json"])
        #expect(!before.output.contains("pendingRemovals"), "nothing pending, no field")
        let gone = try #require(session.emulator.users(tenant: session.credentials.tenantID).first { $0.mail != nil })
        session.emulator.hardDeleteUser(id: gone.id, tenant: session.credentials.tenantID)
        let started = Date()
        let sync = try await session.run(["sync", "--source", "Contoso"])
        #expect(sync.status == 0, "\(sync.output)\(sync.error)")

        let json = try await session.run(["status", "--source", "Contoso", "--json"])
        let status = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let pending = try #require(status["pendingRemovals"] as? [String: Any], "\(json.output)")
        #expect(pending["users"] as? Int == 1 && pending["groups"] as? Int == 0)
        let until = try #require((pending["earliestUntil"] as? String).flatMap { text in try? Date(text, strategy: .iso8601) })
        #expect(abs(until.timeIntervalSince(started) - 7 * 86_400) < 120)
        let text = try await session.run(["status", "--source", "Contoso"])
        #expect(text.output.contains("Removals:   1 user, 0 groups pending"), "\(text.output)")
        #expect(text.output.contains("the first on \(pending["earliestUntil"] as! String) unless it returns to the scope"))

        let report = try await session.run(["history", "--source", "Contoso", "--run", "last", "--action", "warning", "--json"])
        #expect(report.status == 0, "\(report.error)")
        #expect(report.output.contains("\"code\" : \"removalPending\""), "\(report.output)")
        #expect(report.output.contains("\"removalPendingUntil\" : \"\(pending["earliestUntil"] as! String)\""))
        let disabled = try await session.run(["users", "--source", "Contoso", "--json"])
        #expect(disabled.output.contains("\"enabled\" : false"))
    }
}
