import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR notify set | show | test | remove, and the webhook of the processes that synchronize")
struct NotifyCommandTests {
    static let token = "canary-Cli-W3bh00k-T0ken-91c2"
    /// The path and query of the receiver's URL: a webhook's credential, as a chat's is.
    static let path = "canary-Cli-P4th-4d7e"
    static let query = "canary-Cli-Qu3ry-b815"

    static func expectNoCanary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(path) && !text.contains(query) && !text.contains(token), "\(text)", sourceLocation: sourceLocation)
    }

    /// A loopback receiver that keeps what it is sent and answers `status`.
    final class Receiver: Sendable {
        let server: LoopbackHTTPServer
        private let received = Locked<[HTTPRequest]>([])

        init(status: Int = 204) throws {
            let received = received
            server = LoopbackHTTPServer { request in
                received.withLock { $0.append(request) }
                return GraphEmulator.Reply(response: HTTPResponse(status: status))
            }
            try server.start()
        }

        deinit { server.stop() }

        var url: String { "\(server.baseURL)/hooks/\(NotifyCommandTests.path)?sig=\(NotifyCommandTests.query)" }
        /// What dirsync shows of the URL.
        var shown: String { "http://127.0.0.1:\(server.baseURL.port!)/…" }
        var requests: [HTTPRequest] { received.withLock { $0 } }
        func notifications() throws -> [ServiceNotification] {
            try requests.map { try JSONDecoder.deterministic().decode(ServiceNotification.self, from: $0.body ?? Data()) }
        }
    }

    @Test("set with a token from the environment, show as text and JSON (never the whole URL nor the token), test against a receiver, remove")
    func setShowTestRemove() async throws {
        let session = try AdminCommandTests.Session(users: 5)
        let receiver = try Receiver()
        let none = try await session.run(["notify", "show"])
        #expect(none.status == 0)
        #expect(none.output.contains("No notifications are set"))
        #expect(try await session.run(["notify", "show", "--json"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "null")

        let set = try await session.run(
            ["notify", "set", "--webhook", receiver.url, "--token-env", "DIRSYNC_TEST_TOKEN", "--events", "run-failed,quarantined,secretExpired"],
            environment: ["DIRSYNC_TEST_TOKEN": Self.token])
        #expect(set.status == 0, "\(set.error)")
        #expect(set.output.contains("notifications go to \(receiver.shown) with the token; the whole URL and the token are in the secret store."), "\(set.output)")
        let setJSON = try await session.run(
            ["notify", "set", "--webhook", receiver.url, "--token-env", "DIRSYNC_TEST_TOKEN", "--events", "run-failed,quarantined,secretExpired", "--json"],
            environment: ["DIRSYNC_TEST_TOKEN": Self.token])
        #expect(setJSON.status == 0, "\(setJSON.error)")

        let shown = try await session.run(["notify", "show"])
        #expect(shown.output == """
            Webhook:  \(receiver.shown)
            Token:    yes (in the secret store)
            Events:   runFailed, quarantined, secretExpired

            """)
        let json = try await session.run(["notify", "show", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(object["webhookURL"] as? String == receiver.shown)
        #expect(object["hasToken"] as? Bool == true)
        #expect(object["kinds"] as? [String] == ["runFailed", "quarantined", "secretExpired"])

        let tested = try await session.run(["notify", "test"])
        #expect(tested.status == 0, "\(tested.error)")
        #expect(tested.output.contains("Sent a test notification to \(receiver.shown): the receiver answered HTTP 204."))
        let testJSON = try await session.run(["notify", "test", "--json"])
        #expect(testJSON.output.contains(#""delivered" : true"#) && testJSON.output.contains(#""status" : 204"#), "\(testJSON.output)")
        #expect(try receiver.notifications().map(\.kind) == [.test, .test])
        #expect(receiver.requests.allSatisfy { $0.headers["Authorization"] == "Bearer \(Self.token)" })
        #expect(receiver.requests.allSatisfy { $0.url.path == "/hooks/\(Self.path)" && $0.url.query == "sig=\(Self.query)" }, "posted to the whole URL")

        for result in [set, setJSON, shown, json, tested, testJSON] { Self.expectNoCanary(result.output + result.error) }
        Self.expectNoCanary(try session.stateBytes())
        let secrets = try FileManager.default.contentsOfDirectory(at: session.folder.appendingPathComponent("secrets"), includingPropertiesForKeys: nil)
            .map { String(decoding: (try? Data(contentsOf: $0)) ?? Data(), as: UTF8.self) }.joined()
        #expect(secrets.contains(Self.path) && secrets.contains(Self.query) && secrets.contains(Self.token), "the URL and the token are in DIR/secrets")

        let removed = try await session.run(["notify", "remove"])
        #expect(removed.status == 0)
        #expect(try await session.run(["notify", "show"]).output.contains("No notifications are set"))
        let untested = try await session.run(["notify", "test"])
        #expect(untested.status == 1)
        #expect(untested.error.contains("no webhook is set"))
    }

    @Test("notify test fails with exit 1 and says why: the receiver's status, or the transport's error")
    func testFailures() async throws {
        let session = try AdminCommandTests.Session(users: 5)
        let refusing = try Receiver(status: 500)
        #expect(try await session.run(["notify", "set", "--webhook", refusing.url]).status == 0)
        let answered = try await session.run(["notify", "test"])
        #expect(answered.status == 1)
        #expect(answered.output.contains("the receiver answered HTTP 500; it did not accept it."), "\(answered.output)")
        #expect(refusing.requests.count == 1, "one attempt: the receiver's own answer, at once")

        #expect(try await session.run(["notify", "set", "--webhook", "http://127.0.0.1:1/hook"]).status == 0)
        let unreachable = try await session.run(["notify", "test"])
        #expect(unreachable.status == 1)
        #expect(unreachable.output.contains("was not delivered: connectionFailed"), "\(unreachable.output)")

        // The whole URL of an unreachable webhook appears nowhere either.
        #expect(try await session.run(["notify", "set", "--webhook", "http://127.0.0.1:1/\(Self.path)?sig=\(Self.query)"]).status == 0)
        for arguments in [["notify", "test"], ["notify", "test", "--json"], ["notify", "show"], ["notify", "show", "--json"]] {
            let result = try await session.run(arguments)
            #expect(arguments.last == "--json" || result.output.contains("http://127.0.0.1:1/…"), "\(result.output)")
            Self.expectNoCanary(result.output + result.error)
        }
        Self.expectNoCanary(try session.stateBytes())
    }

    @Test("settings saved with the whole URL in their document (the earlier form) still work; notify set moves the URL to the secret store")
    func earlierForm() async throws {
        let session = try AdminCommandTests.Session(users: 5)
        let receiver = try Receiver()
        #expect(try await session.run(["notify", "show"]).status == 0, "the folder is made")
        struct Earlier: Encodable {
            var webhookURL: URL
            var hasToken = false
            var kinds = ["runFailed"]
        }
        let state = try FileSyncStateStore(folder: session.folder.appendingPathComponent("state"))
        try await state.save(Earlier(webhookURL: try #require(URL(string: receiver.url))), for: .notificationSettings)
        #expect(try session.stateBytes().contains(Self.path), "what an earlier version saved")

        let shown = try await session.run(["notify", "show"])
        #expect(shown.output.contains("Webhook:  \(receiver.shown) (saved by an earlier version: notify set moves its URL to the secret store)"), "\(shown.output)")
        let tested = try await session.run(["notify", "test"])
        #expect(tested.status == 0, "\(tested.output)\(tested.error)")
        #expect(receiver.requests.map(\.url.query) == ["sig=\(Self.query)"], "the URL in the document is used")
        for result in await [shown, tested, try session.run(["notify", "show", "--json"])] { Self.expectNoCanary(result.output + result.error) }

        #expect(try await session.run(["notify", "set", "--webhook", receiver.url, "--events", "run-failed"]).status == 0)
        Self.expectNoCanary(try session.stateBytes())
        await #expect(!(try session.run(["notify", "show"]).output.contains("earlier version")))
        #expect(try await session.run(["notify", "test"]).status == 0)
        #expect(receiver.requests.count == 2)
    }

    @Test("invalid input exits 2 with one line: plain http to a remote host, a token as an argument, an unknown kind, no URL", arguments: [
        ["notify", "set", "--webhook", "http://hooks.example.com/x"],
        ["notify", "set", "--webhook", "https://user:pw@hooks.example.com/x"],
        ["notify", "set", "--webhook", "https://hooks.example.com/x", "--token", "s3cr3t-in-argument"],
        ["notify", "set", "--webhook", "https://hooks.example.com/x", "--events", "runFailed,teleported"],
        ["notify", "set", "--webhook", "https://hooks.example.com/x", "--token-env", "DIRSYNC_TEST_UNSET_VARIABLE"],
        ["notify", "set"],
        ["notify", "frobnicate"],
        ["notify", "set", "--webhook", "https://hooks.example.com/" + String(repeating: "a", count: 2_100)],
    ])
    func invalidInput(arguments: [String]) async throws {
        let session = try AdminCommandTests.Session(users: 5)
        let result = try await session.run(arguments)
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!result.error.contains("s3cr3t-in-argument") && !result.error.contains("pw@"))
        #expect(try await session.run(["notify", "show", "--json"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "null")
    }

    @Test("a token from --token-env is trimmed of surrounding white space (a line break from a file or echo) and then sent")
    func tokenTrimmed() async throws {
        let session = try AdminCommandTests.Session(users: 5)
        let receiver = try Receiver()
        let set = try await session.run(
            ["notify", "set", "--webhook", receiver.url, "--token-env", "DIRSYNC_TEST_TOKEN"], environment: ["DIRSYNC_TEST_TOKEN": " \t\(Self.token)\r\n"])
        #expect(set.status == 0, "\(set.error)")
        #expect(try await session.run(["notify", "test"]).status == 0)
        #expect(receiver.requests.map { $0.headers["Authorization"] } == ["Bearer \(Self.token)"])
    }

    @Test("a token with a control character inside (CR, LF, NUL, tab) exits 2 with one line naming the cause and the fix, never the value; nothing is saved", arguments: [
        "\(token)\nX", "\(token)\r\nX-Injected: yes", "\(token)\u{1}x", "a\tb\(token)",
    ])
    func tokenWithControlCharacter(value: String) async throws {
        let session = try AdminCommandTests.Session(users: 5)
        let result = try await session.run(
            ["notify", "set", "--webhook", "https://hooks.example.com/x", "--token-env", "DIRSYNC_TEST_TOKEN"], environment: ["DIRSYNC_TEST_TOKEN": value])
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(result.error.contains("DIRSYNC_TEST_TOKEN") && result.error.contains("control character"), "\(result.error)")
        Self.expectNoCanary(result.output + result.error)
        #expect(!result.error.contains("X-Injected"))
        #expect(try await session.run(["notify", "show", "--json"]).output.trimmingCharacters(in: .whitespacesAndNewlines) == "null")
    }

    @Test("sync attaches the saved webhook: a failed run is delivered, with its run id, before the process exits")
    func syncDelivers() async throws {
        let session = try AdminCommandTests.Session(users: 10)
        let receiver = try Receiver()
        func ok(_ arguments: [String], environment: [String: String] = [:]) async throws {
            let result = try await session.run(arguments, environment: environment)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        }
        try await ok(["source", "add", "--name", "Contoso", "--domain", session.credentials.domain])
        try await ok(session.credentialArguments(), environment: session.secretEnvironment)
        try await ok(["test-connection", "--source", "Contoso"])
        try await ok(["on", "--source", "Contoso"])
        try await ok(["notify", "set", "--webhook", receiver.url, "--token-env", "DIRSYNC_TEST_TOKEN"], environment: ["DIRSYNC_TEST_TOKEN": Self.token])
        try await ok(["sync", "--source", "Contoso"])
        #expect(receiver.requests.isEmpty, "a run that succeeds says nothing")

        session.emulator.scheduleFault(.status(400), times: 50, pathPrefix: "/v1.0")
        let failed = try await session.run(["sync", "--source", "Contoso", "--json"])
        #expect(failed.status == 1)
        let record = try #require(try JSONSerialization.jsonObject(with: Data(failed.output.utf8)) as? [String: Any])
        let notification = try #require(try receiver.notifications().first)
        #expect(notification.kind == .runFailed)
        #expect(notification.runID == record["id"] as? String)
        #expect(notification.source == .init(id: "contoso", name: "Contoso"))
        #expect(!failed.error.contains("not delivered"), "\(failed.error)")
        Self.expectNoCanary(failed.output + failed.error)
        Self.expectNoCanary(try session.stateBytes())
    }
}
