import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR credentials set: rotation while on, the expiry date alone")
struct CredentialsSetCommandTests {
    typealias Session = AdminCommandTests.Session

    /// A session with `Contoso` added, its credentials saved and tested, and on.
    func onSession() async throws -> Session {
        let session = try Session(users: 12)
        for arguments in [["source", "add", "--name", "Contoso", "--domain", session.credentials.domain], session.credentialArguments(),
            ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"]]
        {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments): \(result.output)\(result.error)")
        }
        return session
    }

    func source(_ session: Session) async throws -> [String: Any] {
        let shown = try await session.run(["source", "show", "--source", "Contoso", "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any])
    }

    /// The emulated application now accepts `secrets` only.
    func accept(_ secrets: [String], _ session: Session) {
        session.emulator.addApplication(
            EmulatedApplication(
                clientID: session.credentials.clientID,
                secrets: secrets.map { .init(id: UUID().uuidString, value: $0, expires: Date().addingTimeInterval(400 * 86_400)) }),
            tenant: session.credentials.tenantID)
    }

    @Test("--secret-expires alone changes the expiry date, also while on: no secret asked for, the passed test kept")
    func expiryAlone() async throws {
        let session = try await onSession()
        let before = try await source(session)
        let result = try await session.run(["credentials", "set", "--source", "Contoso", "--secret-expires", "2027-01-31"])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("2027-01-31") && result.output.contains("unchanged"))
        let after = try await source(session)
        #expect((after["credentials"] as? [String: Any])?["secretExpiration"] as? String == "2027-01-31T00:00:00Z")
        #expect(after["state"] as? String == "on")
        #expect(after["credentialsTestedAt"] as? String == before["credentialsTestedAt"] as? String)
        let json = try await session.run(["credentials", "set", "--source", "Contoso", "--secret-expires", "2027-02-28", "--json"])
        #expect(json.status == 0)
        let printed = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        #expect((printed?["credentials"] as? [String: Any])?["secretExpiration"] as? String == "2027-02-28T00:00:00Z")
    }

    @Test("invalid input exits 2 with one line; an expiry for a source without credentials exits 1", arguments: [
        ["--secret-expires", "2027-02-30"],
        [],
        ["--login-url", "http://127.0.0.1:9"],
        ["--secret-expires", "2027-01-31", "--client-secret", "s3cr3t-in-argument"],
        ["--client-secret-env", "HOME", "--client-secret-stdin"],
    ])
    func invalidInput(flags: [String]) async throws {
        let session = try Session(users: 5)
        _ = try await session.run(["source", "add", "--name", "Contoso", "--domain", "contoso.com"])
        let result = try await session.run(["credentials", "set", "--source", "Contoso"] + flags)
        #expect(result.status == 2, "\(flags): \(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!result.error.contains("s3cr3t-in-argument"))
        if flags.isEmpty {
            let alone = try await session.run(["credentials", "set", "--source", "Contoso", "--secret-expires", "2027-01-31"])
            #expect(alone.status == 1, "no credentials yet: \(alone.error)")
            #expect(alone.error.contains("no credentials yet"))
            let secretOnly = try await session.run(["credentials", "set", "--source", "Contoso", "--client-secret-env", "HOME"])
            #expect(secretOnly.status == 2, "a secret alone needs saved credentials: \(secretOnly.error)")
        }
    }

    @Test("while on, new credentials are tested first: a failed test exits 1 and changes nothing; a passed one swaps them, and runs go on")
    func rotationWhileOn() async throws {
        let session = try await onSession()
        let before = try await source(session)
        let wrong = "not-the-secret-\(UUID().uuidString)"
        let failed = try await session.run(session.credentialArguments(), environment: ["DIRSYNC_TEST_SECRET": wrong])
        #expect(failed.status == 1, "\(failed.output)\(failed.error)")
        #expect(failed.error.contains("credentialsTestFailed") && failed.error.contains("keeps the credentials and secret it had"), "\(failed.error)")
        #expect(failed.error.contains("wrongSecret"))
        #expect(!failed.error.contains(wrong) && !failed.output.contains(wrong))
        await #expect(NSDictionary(dictionary: try source(session)) == NSDictionary(dictionary: before), "nothing changed")
        #expect(try await session.run(["sync", "--source", "Contoso"]).status == 0, "the old secret still works")

        // A new secret made in Entra ID, the old one deleted: the secret alone, from standard input.
        let replacement = "replacement~secret.value_\(UUID().uuidString.prefix(8))"
        accept([session.credentials.clientSecret, replacement], session)
        // The new secret is tested, so its expiry date must lie ahead of whenever the test runs.
        let expires = Date().addingTimeInterval(400 * 86_400).formatted(Date.ISO8601FormatStyle().year().month().day())
        let rotated = try await session.run(
            ["credentials", "set", "--source", "Contoso", "--client-secret-stdin", "--secret-expires", expires], input: replacement + "\n")
        #expect(rotated.status == 0, "\(rotated.error)")
        #expect(rotated.output.contains("Tested and saved"), "\(rotated.output)")
        accept([replacement], session)
        let after = try await source(session)
        #expect(after["state"] as? String == "on")
        #expect((after["credentials"] as? [String: Any])?["clientID"] as? String == session.credentials.clientID, "the saved client id is kept")
        #expect((after["credentials"] as? [String: Any])?["secretExpiration"] as? String == "\(expires)T00:00:00Z")
        #expect(after["secretGeneration"] as? Int == 1)
        let sync = try await session.run(["sync", "--source", "Contoso"])
        #expect(sync.status == 0, "the next run signs in with the new secret: \(sync.error)")
        let printed = [failed, rotated, sync].map { $0.output + $0.error }.joined()
        let state = try session.stateBytes()
        #expect(!printed.contains(replacement) && !state.contains(replacement))
    }

    @Test("while run-scheduler holds the folder it carries credentials set out (runs go on): the secret is handed over through DIR/secrets, never in a request, and removed after")
    func rotationWhileSchedulerRuns() async throws {
        let session = try await onSession()
        let (process, _, _) = try await DirsyncProcess.start(["--state", session.folder.path, "run-scheduler"], until: "until interrupted")
        defer { if process.isRunning { process.terminate() } }
        let secrets = session.folder.appendingPathComponent("secrets")
        func handovers() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: secrets.path).filter { $0.contains("handover") } }

        let wrong = "not-the-secret-\(UUID().uuidString)"
        let failed = try await session.run(session.credentialArguments(), environment: ["DIRSYNC_TEST_SECRET": wrong])
        #expect(failed.status == 1 && failed.error.contains("credentialsTestFailed"), "the owner tested and refused: \(failed.output)\(failed.error)")
        #expect(!failed.error.contains(wrong) && !failed.output.contains(wrong))
        #expect(try handovers().isEmpty, "the refused secret is gone from the secret store")

        let replacement = "replacement~secret.value_\(UUID().uuidString.prefix(8))"
        accept([session.credentials.clientSecret, replacement], session)
        let rotated = try await session.run(["credentials", "set", "--source", "Contoso", "--client-secret-stdin"], input: replacement + "\n")
        #expect(rotated.status == 0 && rotated.output.contains("Tested and saved"), "\(rotated.output)\(rotated.error)")
        #expect(try handovers().isEmpty)
        let expiry = try await session.run(["credentials", "set", "--source", "Contoso", "--secret-expires", "2027-03-31"])
        #expect(expiry.status == 0 && expiry.output.contains("2027-03-31"), "\(expiry.error)")
        accept([replacement], session)
        let sync = try await session.run(["sync", "--source", "Contoso"])
        #expect(sync.status == 0, "the owner's next run signs in with the new secret: \(sync.error)")
        #expect(try await source(session)["secretGeneration"] as? Int == 1)
        let printed = [failed, rotated, expiry, sync].map { $0.output + $0.error }.joined()
        let state = try session.stateBytes()
        #expect(!printed.contains(replacement) && !state.contains(replacement), "only the secret store holds it")
        process.interrupt()
        _ = await DirsyncProcess.finish(process)
        #expect(process.terminationStatus == 0)
    }

    @Test("the folder's owner removes, when it starts, the handed-over secrets a killed credentials set left behind; recent ones may be on their way and stay")
    func leftoverHandovers() async throws {
        let session = try Session(users: 5)
        #expect(try await session.run(["source", "add", "--name", "Contoso", "--domain", session.credentials.domain]).status == 0)
        let secrets = session.folder.appendingPathComponent("secrets")
        func write(_ name: String, age: TimeInterval) throws {
            let file = secrets.appendingPathComponent(name)
            #expect(FileManager.default.createFile(atPath: file.path, contents: Data("left-behind".utf8), attributes: [.posixPermissions: 0o600]))
            try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(-age)], ofItemAtPath: file.path)
        }
        let stale = "contoso%2Eclient-secret%2Ehandover-\(UUID().uuidString.lowercased()).secret"
        let recent = "contoso%2Eclient-secret%2Ehandover-\(UUID().uuidString.lowercased()).secret"
        let other = "contoso%2Eclient-secret%2E7.secret"
        try write(stale, age: 3_600)
        try write(recent, age: 5)
        try write(other, age: 3_600)
        // Any command that takes the folder (here a schedule change) owns it while it runs.
        let result = try await session.run(["schedule", "set", "--source", "Contoso", "--kind", "daily", "--at", "03:00", "--time-zone", "UTC"])
        #expect(result.status == 0, "\(result.output)\(result.error)")
        let left = Set(try FileManager.default.contentsOfDirectory(atPath: secrets.path))
        #expect(!left.contains(stale), "the stale handover is removed")
        #expect(left.contains(recent), "a recent one may belong to a request on its way")
        #expect(left.contains(other), "only handovers are touched")
    }
}
