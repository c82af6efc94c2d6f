import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// The credential flags (`--tenant`, `--client-id`, `--client-secret-env`, `--client-secret-stdin`,
/// `--secret-expires`, `--login-url`, `--graph-url`) mean the same in every command that takes them.
@Suite("dirsync: credential flags are read the same way by every command")
struct CredentialOptionsTests {
    static let clientID = "11111111-2222-3333-4444-555555555555"

    /// A state folder with one source, `Contoso`, for `credentials set`.
    func stateFolder() async throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-credentials-\(UUID().uuidString)")
        let added = try await DirsyncProcess.run(["--state", folder.path, "source", "add", "--name", "Contoso", "--domain", "contoso.com"])
        #expect(added.status == 0, "\(added.error)")
        return folder
    }

    /// The same flags, as `test-connection` and as `credentials set` take them.
    func bothCommands(_ flags: [String], folder: URL, clientID: String = Self.clientID) -> [(name: String, arguments: [String])] {
        let common = ["--tenant", "contoso.com", "--client-id", clientID, "--login-url", "http://127.0.0.1:9", "--graph-url", "http://127.0.0.1:9/v1.0"]
        return [
            ("test-connection", ["test-connection"] + common + flags),
            ("credentials set", ["--state", folder.path, "credentials", "set", "--source", "Contoso"] + common + flags),
        ]
    }

    @Test("an empty secret on standard input is refused by every command, with the same one line and exit status 2", arguments: ["", "\n", "   \n", "\t\n"])
    func emptySecretOnStandardInput(input: String) async throws {
        let folder = try await stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var errors: [String] = []
        for (name, arguments) in bothCommands(["--client-secret-stdin"], folder: folder) {
            let result = try await DirsyncProcess.run(arguments, input: input)
            #expect(result.status == 2, "\(name): \(result.output)\(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(name): \(result.error)")
            errors.append(result.error)
        }
        #expect(Set(errors).count == 1, "\(errors)")
    }

    @Test("an empty or unset secret variable is refused by every command, with the same one line and exit status 2")
    func emptySecretVariable() async throws {
        let folder = try await stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for environment in [["DIRSYNC_EMPTY_SECRET": ""], [:]] {
            var errors: [String] = []
            for (name, arguments) in bothCommands(["--client-secret-env", "DIRSYNC_EMPTY_SECRET"], folder: folder) {
                let result = try await DirsyncProcess.run(arguments, environment: environment)
                #expect(result.status == 2, "\(name): \(result.output)\(result.error)")
                errors.append(result.error)
            }
            #expect(Set(errors).count == 1, "\(errors)")
        }
    }

    @Test("both secret sources, a secret given as an argument, a bad expiry or a lone endpoint are refused alike", arguments: [
        ["--client-secret-env", "HOME", "--client-secret-stdin"],
        ["--client-secret", "s3cr3t-in-argument"],
        ["--client-secret-env", "HOME", "--secret-expires", "31/01/2027"],
        ["--client-secret-env", "HOME", "--secret-expires", "2026-02-30"],
        ["--client-secret-env", "HOME", "--secret-expires", "2026-1-1"],
        ["--client-secret-env", "HOME", "--secret-expires", "2026-01-01T00:00:00Z"],
        ["--client-secret-stdin", "s3cr3t-in-argument"],
        ["--client-secret-stdin", "--client-secret=s3cr3t-in-argument"],
    ])
    func refusedAlike(flags: [String]) async throws {
        let folder = try await stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var errors: [String] = []
        for (name, arguments) in bothCommands(flags, folder: folder) {
            let result = try await DirsyncProcess.run(arguments, input: "secret\n")
            #expect(result.status == 2, "\(name): \(result.output)\(result.error)")
            #expect(result.error.split(separator: "\n").count == 1, "\(name): \(result.error)")
            #expect(!result.error.contains("s3cr3t-in-argument"))
            errors.append(result.error)
        }
        #expect(Set(errors).count == 1, "\(errors)")
    }

    @Test("a client ID that is not a GUID is refused by every command alike, before any request (exit status 2)")
    func badClientID() async throws {
        let folder = try await stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var errors: [String] = []
        for (name, arguments) in bothCommands(["--client-secret-env", "HOME"], folder: folder, clientID: "not-a-guid") {
            let result = try await DirsyncProcess.run(arguments)
            #expect(result.status == 2, "\(name): \(result.output)\(result.error)")
            errors.append(result.error)
        }
        #expect(Set(errors).count == 1, "\(errors)")
    }

    @Test("a secret or token from an environment variable: surrounding white space trimmed, a control character inside refused with exit 2 (the client secret, the SCIM token, the webhook token alike)", arguments: [
        "s3cret\r\nX-Injected: yes", "esc\u{1B}[31mred", "tab\tinside",
    ])
    func environmentSecretWithControlCharacter(value: String) async throws {
        let folder = try await stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let environment = ["DIRSYNC_CANARY": value]
        let runs: [[String]] = [
            ["--state", folder.path, "credentials", "set", "--source", "Contoso", "--tenant", "contoso.com", "--client-id", Self.clientID, "--client-secret-env", "DIRSYNC_CANARY"],
            ["--state", folder.path, "status", "--scim-url", "http://127.0.0.1:9/scim/v2", "--scim-token-env", "DIRSYNC_CANARY"],
            ["--state", folder.path, "notify", "set", "--webhook", "http://127.0.0.1:9/hook", "--token-env", "DIRSYNC_CANARY"],
        ]
        for arguments in runs {
            let result = try await DirsyncProcess.run(arguments, environment: environment)
            #expect(result.status == 2, "\(arguments): \(result.output)\(result.error)")
            #expect(result.error.contains("control character") && result.error.contains("DIRSYNC_CANARY"), "\(result.error)")
            #expect(!result.error.contains(value) && !result.output.contains(value))
        }
    }

    @Test("a client secret with the line break `$(cat file)` leaves is saved without it")
    func environmentSecretTrimmed() async throws {
        let folder = try await stateFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let saved = try await DirsyncProcess.run(
            ["--state", folder.path, "credentials", "set", "--source", "Contoso", "--tenant", "contoso.com", "--client-id", Self.clientID, "--client-secret-env", "DIRSYNC_CANARY"],
            environment: ["DIRSYNC_CANARY": "  trimmed-secret-value\n"])
        #expect(saved.status == 0, "\(saved.error)")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("secrets").path).filter { $0.hasSuffix(".secret") }
        let stored = try files.map { try String(contentsOf: folder.appendingPathComponent("secrets").appendingPathComponent($0), encoding: .utf8) }
        #expect(stored == ["trimmed-secret-value"])
    }
}
