import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR: the administrator's workflow against the loopback Graph emulator")
struct AdminCommandTests {
    final class Session: Sendable {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-admin-\(UUID().uuidString)")
        let emulator = GraphEmulator()
        let server: LoopbackHTTPServer
        let credentials: EmulatorCredentials
        let secretEnvironment: [String: String]

        init(users: Int = 150) throws {
            credentials = emulator.load(TenantGenerator(configuration: .init(users: users, groups: 12, seed: 8)).generate())
            server = LoopbackHTTPServer(emulator)
            try server.start()
            secretEnvironment = ["DIRSYNC_TEST_SECRET": credentials.clientSecret]
        }

        deinit {
            server.stop()
            try? FileManager.default.removeItem(at: folder)
        }

        func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> DirsyncProcess.Result {
            try await DirsyncProcess.run(["--state", folder.path] + arguments, environment: environment, input: input)
        }

        func credentialArguments(secretFromStandardInput: Bool = false) -> [String] {
            ["credentials", "set", "--source", "Contoso", "--client-id", credentials.clientID, "--tenant", credentials.domain,
             "--login-url", server.baseURL.absoluteString, "--graph-url", "\(server.baseURL)/v1.0"]
                + (secretFromStandardInput ? ["--client-secret-stdin"] : ["--client-secret-env", "DIRSYNC_TEST_SECRET"])
        }

        /// Every byte written under the state folder except the secrets folder.
        func stateBytes() throws -> String {
            var text = ""
            let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
            while let url = enumerator?.nextObject() as? URL {
                guard !url.path.contains("/secrets"), (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
                text += String(decoding: try Data(contentsOf: url), as: UTF8.self)
            }
            return text
        }
    }

    @Test("add, credentials, test, filter, schedule, on, sync twice (full, then incremental), status, history, users, groups, off, preview, export")
    func workflow() async throws {
        let session = try Session()
        var outputs: [DirsyncProcess.Result] = []
        func ok(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> DirsyncProcess.Result {
            let result = try await session.run(arguments, environment: environment, input: input)
            outputs.append(result)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
            return result
        }
        _ = try await ok(["source", "add", "--name", "Contoso", "--domain", session.credentials.domain, "--description", "main tenant"])
        let wrong = try await session.run(session.credentialArguments(), environment: ["DIRSYNC_TEST_SECRET": "not-it"])
        #expect(wrong.status == 0, "saving works; the test fails")
        let failedTest = try await session.run(["test-connection", "--source", "Contoso"])
        #expect(failedTest.status == 1)
        #expect(failedTest.output.contains("wrongSecret"))
        let turnOnUntested = try await session.run(["on", "--source", "Contoso"])
        #expect(turnOnUntested.status == 1)
        _ = try await ok(session.credentialArguments(secretFromStandardInput: true), input: session.credentials.clientSecret + "\n")
        _ = try await ok(["test-connection", "--source", "Contoso"])
        _ = try await ok(["filter", "set", "--source", "Contoso", "--users", "department ne 'Legal'"])
        _ = try await ok(["schedule", "set", "--source", "Contoso", "--kind", "weekly", "--days", "mon,thu", "--at", "03:30", "--time-zone", "Europe/Oslo"])
        _ = try await ok(["on", "--source", "Contoso"])
        let first = try await ok(["sync", "--source", "Contoso"])
        #expect(first.output.contains("full (first run)"))

        let user = try #require(session.emulator.users(tenant: session.credentials.tenantID).first { $0.department != "Legal" })
        session.emulator.modifyUser(id: user.id, tenant: session.credentials.tenantID) { $0.displayName = "Renamed By Test" }
        let second = try await ok(["sync", "--source", "Contoso", "--json"])
        let record = try JSONSerialization.jsonObject(with: Data(second.output.utf8)) as? [String: Any]
        #expect(record?["succeeded"] as? Int == 1)

        let status = try await ok(["status", "--source", "Contoso", "--json"])
        let statusObject = try JSONSerialization.jsonObject(with: Data(status.output.utf8)) as? [String: Any]
        #expect(statusObject?["type"] as? String == "Microsoft Entra ID")
        #expect(statusObject?["nextRun"] is String)
        let history = try await ok(["history", "--source", "Contoso", "--json"])
        #expect((try JSONSerialization.jsonObject(with: Data(history.output.utf8)) as? [Any])?.count == 2)
        let users = try await ok(["users", "--source", "Contoso", "--json"])
        let rows = try JSONSerialization.jsonObject(with: Data(users.output.utf8)) as? [[String: Any]] ?? []
        let renamed = try #require(rows.first { $0["name"] as? String == "Renamed By Test" })
        #expect((renamed["origin"] as? [String: String]) == ["kind": "directory", "source": "contoso", "externalID": user.id])
        #expect((renamed["logins"] as? [String])?.contains(user.userPrincipalName) == true)
        #expect(rows.allSatisfy { $0["memberOf"] is [String] })
        let table = try await ok(["users", "--source", "Contoso"])
        #expect(table.output.contains("Renamed By Test"))
        let groups = try await ok(["groups", "--source", "Contoso"])
        #expect(groups.output.contains("groups from 'Contoso'"))

        let previewWhileOn = try await session.run(["preview", "--source", "Contoso"])
        #expect(previewWhileOn.status == 1)
        _ = try await ok(["off", "--source", "Contoso"])
        _ = try await ok(["filter", "set", "--source", "Contoso", "--all"])
        let export = session.folder.deletingLastPathComponent().appendingPathComponent("preview-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: export) }
        let preview = try await ok(["preview", "--source", "Contoso", "--show", "--limit", "5", "--export", export.path, "--format", "csv"])
        #expect(preview.output.contains("Records 1–"))
        #expect(try String(contentsOf: export, encoding: .utf8).split(whereSeparator: \.isNewline).count > 1)
        let list = try await ok(["source", "list"])
        #expect(list.output.contains("Contoso") && list.output.contains("off"))

        let secret = session.credentials.clientSecret
        let base64 = Data(secret.utf8).base64EncodedString()
        let forms = [secret, base64, base64.replacingOccurrences(of: "=", with: ""), secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret]
        let printed = (outputs + [wrong, failedTest, turnOnUntested, previewWhileOn]).map { $0.output + $0.error }.joined()
        let state = try session.stateBytes() + (try String(contentsOf: export, encoding: .utf8))
        for form in forms {
            #expect(!printed.contains(form), "the secret (or an encoding of it) was printed")
            #expect(!state.contains(form), "the secret is only in the secrets folder")
        }
    }

    @Test("invalid input exits 2 with one line on standard error", arguments: [
        ["source", "add", "--name", "X"],
        ["source", "add", "--name", "X", "--domain", "not a domain"],
        ["source", "show", "--source", "Nobody"],
        ["filter", "set", "--source", "Contoso", "--users", "department eq 'Sales"],
        ["filter", "set", "--source", "Contoso", "--all", "--users", "department eq 'Sales'"],
        ["schedule", "set", "--source", "Contoso", "--kind", "hourly", "--every", "5", "--at", "02:00"],
        ["credentials", "set", "--source", "Contoso", "--client-id", "a", "--tenant", "contoso.com", "--client-secret", "s3cr3t-in-argument"],
        ["source", "add", "--name", "Again", "--domain", "contoso.com"],
        ["frobnicate"],
    ])
    func invalidInput(arguments: [String]) async throws {
        let session = try Session(users: 10)
        _ = try await session.run(["source", "add", "--name", "Contoso", "--domain", "contoso.com"])
        let result = try await session.run(arguments)
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!result.error.contains("s3cr3t-in-argument"))
    }

    @Test("run-scheduler runs until interrupted, then stops cleanly")
    func runScheduler() async throws {
        let session = try Session(users: 10)
        _ = try await session.run(["source", "add", "--name", "Contoso", "--domain", "contoso.com"])
        let (process, output, started) = try await DirsyncProcess.start(["--state", session.folder.path, "run-scheduler"], until: "until interrupted")
        var text = started
        try await Task.sleep(for: .milliseconds(200))
        process.interrupt()
        text.append(await DirsyncProcess.finish(process, output: output))
        #expect(process.terminationStatus == 0)
        #expect(String(decoding: text, as: UTF8.self).contains("Stopped."))
    }
}
