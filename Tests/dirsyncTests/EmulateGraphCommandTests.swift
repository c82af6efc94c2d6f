#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync emulate-graph")
struct EmulateGraphCommandTests {
    @Test("prints one JSON line with URLs and credentials, serves requests, and stops on SIGTERM")
    func serves() async throws {
        let (process, _, line) = try await DirsyncProcess.start(["emulate-graph", "--users", "25", "--groups", "3"], until: "\n")
        let announcement = try JSONSerialization.jsonObject(with: line) as? [String: Any] ?? [:]
        let login = try #require(announcement["loginURL"] as? String)
        #expect((announcement["graphURL"] as? String) == "\(login)/v1.0")
        #expect(announcement["users"] as? Int == 25)
        for key in ["tenant", "tenantID", "clientID", "clientSecret", "clientSecretID"] { #expect(announcement[key] is String) }
        let tenant = announcement["tenant"] as! String
        let (data, response) = try await URLSession.shared.data(from: URL(string: "\(login)/\(tenant)/v2.0/.well-known/openid-configuration")!)
        #expect((response as? HTTPURLResponse)?.statusCode == 200)
        #expect(String(decoding: data, as: UTF8.self).contains("tenant_region_scope"))
        process.terminate()
        _ = await DirsyncProcess.finish(process)
        #expect(process.terminationStatus == 0)
    }

    @Test("a SIGTERM sent as soon as the announcement is printed stops it with status 0, every time")
    func stopsRightAfterAnnouncing() async throws {
        // Catching the signal used to start after the announcement: a signal in between was
        // ignored and lost, and the emulator ran on.
        for _ in 1...8 {
            let (process, _, text) = try await DirsyncProcess.start(["emulate-graph", "--users", "3", "--groups", "1"], until: "\n")
            #expect(String(decoding: text, as: UTF8.self).contains("loginURL"))
            process.terminate()
            do {
                try await waitUntil("the emulator to stop on SIGTERM", atMost: .seconds(120)) { !process.isRunning }
            } catch is WaitTimedOut {
                kill(process.processIdentifier, SIGKILL)
                _ = await DirsyncProcess.finish(process)
                Issue.record("the emulator did not stop on SIGTERM")
                return
            }
            _ = await DirsyncProcess.finish(process)
            #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        }
    }
}
