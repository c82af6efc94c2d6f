import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync test-connection and read, against the loopback emulator")
struct EntraCommandTests {
    static func emulator(roles: [String] = ["Directory.Read.All"]) throws -> (LoopbackHTTPServer, EmulatorCredentials) {
        let emulator = GraphEmulator()
        let credentials = emulator.load(TenantGenerator(configuration: .init(users: 120, groups: 8, seed: 2)).generate(), roles: roles)
        let server = LoopbackHTTPServer(emulator)
        try server.start()
        return (server, credentials)
    }

    func arguments(_ command: String, _ server: LoopbackHTTPServer, _ credentials: EmulatorCredentials) -> [String] {
        [command, "--tenant", credentials.domain, "--client-id", credentials.clientID, "--client-secret-env", "DIRSYNC_TEST_SECRET",
         "--login-url", server.baseURL.absoluteString, "--graph-url", "\(server.baseURL)/v1.0"]
    }

    @Test("test-connection prints each step and exits 0 when all pass; 1 with the cause otherwise; the secret never shows")
    func testConnection() async throws {
        let (server, credentials) = try Self.emulator()
        defer { server.stop() }
        let good = try await DirsyncProcess.run(arguments("test-connection", server, credentials), environment: ["DIRSYNC_TEST_SECRET": credentials.clientSecret])
        #expect(good.status == 0, "\(good.output)\(good.error)")
        #expect(good.output.split(separator: "\n").count == 7, "one line per step, onPremises last")
        let bad = try await DirsyncProcess.run(arguments("test-connection", server, credentials), environment: ["DIRSYNC_TEST_SECRET": credentials.clientSecretID])
        #expect(bad.status == 1)
        #expect(bad.output.contains("wrongSecret"))
        for result in [good, bad] { #expect(!(result.output + result.error).contains(credentials.clientSecret)) }
        let viaStdin = try await DirsyncProcess.run(
            arguments("test-connection", server, credentials).filter { $0 != "--client-secret-env" && $0 != "DIRSYNC_TEST_SECRET" } + ["--client-secret-stdin"],
            input: credentials.clientSecret + "\n")
        #expect(viaStdin.status == 0)
    }

    @Test("read --json prints the snapshot and the request counts; a filter is pushed down")
    func read() async throws {
        let (server, credentials) = try Self.emulator()
        defer { server.stop() }
        let result = try await DirsyncProcess.run(arguments("read", server, credentials) + ["--json", "--filter", "department eq 'Sales'"], environment: ["DIRSYNC_TEST_SECRET": credentials.clientSecret])
        #expect(result.status == 0, "\(result.error)")
        let object = try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any]
        let users = object?["users"] as? [[String: Any]] ?? []
        #expect(!users.isEmpty && users.allSatisfy { $0["department"] as? String == "Sales" })
        #expect((object?["groups"] as? [Any])?.count == 8)
        let statistics = object?["statistics"] as? [String: Any]
        #expect((statistics?["requests"] as? Int ?? 0) > 0)
        #expect(statistics?["filterPushedDown"] as? Bool == true)
        // Written directly, yet the bytes JSONEncoder.deterministic() writes for the same document.
        let document = try JSONDecoder().decode(ReadJSONTests.Reference.self, from: Data(result.output.utf8))
        #expect(result.output == String(decoding: try JSONEncoder.deterministic().encode(document), as: UTF8.self) + "\n")
    }

    @Test("bad input exits 2 with one line", arguments: [
        ["read", "--tenant", "contoso.com", "--client-id", "x"],
        ["read", "--tenant", "contoso.com", "--client-id", "x", "--client-secret-env", "DIRSYNC_UNSET_VARIABLE"],
        ["test-connection", "--tenant", "contoso.com", "--client-id", "x", "--client-secret-env", "HOME", "--login-url", "http://example.com", "--graph-url", "http://example.com/v1.0"],
        ["read", "--tenant", "contoso.com", "--client-id", "x", "--client-secret-env", "HOME", "--filter", "department eq"],
        ["read", "--tenant", "contoso.com", "--client-id", "x", "--client-secret-env", "HOME", "--filter", String(repeating: "(", count: 100_000)],
        ["read", "--tenant", "contoso.com", "--client-id", "x", "--client-secret-env", "HOME", "--group-filter", String(repeating: "(", count: 5_000) + "displayName eq 'a'" + String(repeating: ")", count: 5_000)],
        ["read", "--tenant", "contoso.com", "--tenant", "fabrikam.com", "--client-id", "x", "--client-secret-env", "HOME"],
    ])
    func badInput(arguments: [String]) async throws {
        let result = try await DirsyncProcess.run(arguments)
        #expect(result.status == 2, "\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
    }
}
