import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Notifications: the document, which events notify, the saved settings")
struct NotificationTests {
    static let time = Date(timeIntervalSince1970: 1_790_000_000)

    @Test("a notification encodes to its documented fields; runID and source are left out when absent")
    func designedJSON() throws {
        let failed = ServiceNotification(
            id: "n-1", time: Self.time, source: .init(id: "contoso", name: "Contoso"), kind: .runFailed,
            message: "The synchronization of 'Contoso' failed; nothing was applied: boom", runID: "run-1")
        try expectJSON(
            failed,
            #"{"id":"n-1","kind":"runFailed","message":"The synchronization of 'Contoso' failed; nothing was applied: boom","runID":"run-1","source":{"id":"contoso","name":"Contoso"},"time":"2026-09-21T14:13:20Z"}"#
        )
        var test = ServiceNotification.test(at: Self.time)
        test.id = "n-2"
        try expectJSON(
            test,
            #"{"id":"n-2","kind":"test","message":"A test notification from DirectorySync: this receiver gets the service's notifications.","time":"2026-09-21T14:13:20Z"}"#
        )
        #expect(UUID(uuidString: ServiceNotification.test(at: Self.time).id) != nil)
    }

    @Test("every kind is a string of its own; allEvents is every kind but test")
    func kinds() throws {
        #expect(NotificationKind.allCases.map(\.rawValue) == [
            "runFailed", "quarantined", "released", "needsConfirmation", "secretExpiring", "secretExpired", "conflictsIncreased", "test",
        ])
        #expect(NotificationKind.allEvents == Set(NotificationKind.allCases).subtracting([.test]))
    }

    static func harness(users: Int = 40, notifier: RecordingNotifier, configuration: DirectoryService.Configuration = .init()) async throws -> ServiceHarness {
        var configuration = configuration
        configuration.notifiers = [notifier]
        return try await ServiceHarness(users: users, configuration: configuration)
    }

    @Test("a failed run notifies runFailed with its run id, the source's id and name, and the service's time")
    func runFailed() async throws {
        let notifier = RecordingNotifier()
        let harness = try await Self.harness(notifier: notifier)
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        #expect(notifier.notifications.isEmpty, "a run that succeeds says nothing")
        harness.directories["contoso.com"]?.failNextRead(with: DirectoryServiceError(.invalidInput, "The directory is down", fix: "Wait."))
        let failed = try await harness.service.synchronize(source.id)
        let notification = try #require(notifier.notifications.first)
        #expect(notifier.notifications.count == 1)
        #expect(notification.kind == .runFailed)
        #expect(notification.runID == failed.id)
        #expect(notification.source == .init(id: source.id, name: "Contoso.Com"))
        #expect(notification.time == harness.clock.now)
        #expect(notification.message.hasPrefix("The synchronization of 'Contoso.Com' failed; nothing was applied: "), "a run that failed before applying anything says so")
        #expect(notification.message.contains("The directory is down"))
        #expect(UUID(uuidString: notification.id) != nil)
    }

    @Test("a source quarantined after failing runs: runFailed then quarantined, both with the run's id; a manual run releases it")
    func quarantinedAndReleased() async throws {
        let notifier = RecordingNotifier()
        let harness = try await Self.harness(notifier: notifier, configuration: .init(quarantine: .init(failedRuns: 2)))
        let source = try await harness.readySource()
        let directory = try #require(harness.directories["contoso.com"])
        var records: [RunRecord] = []
        for _ in 0..<2 {
            directory.failNextRead(with: DirectoryServiceError(.invalidInput, "The directory is down", fix: "Wait."))
            records.append(try await harness.service.synchronize(source.id))
        }
        #expect(try await harness.service.source(source.id).state == .quarantined)
        #expect(notifier.notifications.map(\.kind) == [.runFailed, .runFailed, .quarantined])
        let quarantined = notifier.notifications[2]
        #expect(quarantined.runID == records[1].id)
        #expect(quarantined.message.hasPrefix("'Contoso.Com' is quarantined after 2 failed runs: "))
        #expect(quarantined.message.contains("The directory is down"))
        notifier.removeAll()
        let run = try await harness.service.synchronize(source.id)
        #expect(run.outcome == .succeeded)
        #expect(notifier.notifications.map(\.kind) == [.released])
        #expect(notifier.notifications.first?.source?.id == source.id)
    }

    @Test("a run that applied changes and then failed (committing change tracking) says how many were applied, never that nothing was")
    func failedAfterApplying() async throws {
        let notifier = RecordingNotifier()
        let state = FailingStateStore()
        // A directory with change tracking, so a run commits what it read after applying.
        let directory = TrackedDirectory(users: (1...3).map { DirectoryUser(id: "u\($0)", userPrincipalName: "u\($0)@contoso.com", displayName: "U\($0)", mail: "u\($0)@contoso.com") })
        let base = InMemoryDirectoryConnector()
        base.register(tenant: "contoso.com", clientID: ExplainFixture.clientID, secret: ExplainFixture.secret, domains: ["contoso.com"], directory: InMemoryDirectoryProvider())
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: state, secrets: InMemorySecretStore(), connector: ExplainFixture.Connector(base: base, directory: directory),
            configuration: .init(notifiers: [notifier]))
        let id = try await service.addSource(name: "Contoso", domain: "contoso.com").id
        try await service.setCredentials(id, SourceCredentials(clientID: ExplainFixture.clientID, tenant: "contoso.com"), secret: Secret(ExplainFixture.secret))
        _ = try await service.testConnection(id)
        try await service.turnOn(id)

        state.failing.withLock { $0 = ["tracking"] }
        let record = try await service.synchronize(id)
        guard case .failed(let failure) = record.outcome else { Issue.record("\(record.outcome)"); return }
        #expect(record.succeeded == 3)
        let notification = try #require(notifier.notifications.first { $0.kind == .runFailed })
        #expect(notification.runID == record.id)
        #expect(!notification.message.contains("nothing was applied"), "\(notification.message)")
        #expect(notification.message == "The synchronization of 'Contoso' failed after 3 changes were applied: \(failure)")
    }

    @Test("released: with the id of the run that released the source; without one when a settings change released it while a run was going")
    func releasedRunID() async throws {
        let notifier = RecordingNotifier()
        let harness = try await Self.harness(notifier: notifier, configuration: .init(quarantine: .init(failedRuns: 1)))
        let source = try await harness.readySource()
        try await harness.service.setSchedule(source.id, try SyncSchedule.hourly(every: 1, startingAt: LocalTime(hour: 0), timeZone: "UTC"))
        let directory = try #require(harness.directories["contoso.com"])

        func quarantine() async throws -> Date {
            directory.failNextRead(with: DirectoryServiceError(.invalidInput, "The directory is down", fix: "Wait."))
            _ = try await harness.service.synchronize(source.id)
            return try #require(try await harness.service.source(source.id).quarantine?.nextAttempt)
        }

        // A scheduled attempt that succeeds releases the source: the release is that run's.
        var next = try await quarantine()
        notifier.removeAll()
        harness.clock.advance(by: next.timeIntervalSince(harness.clock.now))
        let attempt = try #require(await harness.service.runDueSynchronizations().first)
        #expect(attempt.outcome == .succeeded)
        #expect(notifier.notifications.map(\.kind) == [.released])
        #expect(notifier.notifications.first?.runID == attempt.id)

        // A settings change while a scheduled attempt is going releases the source: not that run's doing.
        next = try await quarantine()
        notifier.removeAll()
        harness.clock.advance(by: next.timeIntervalSince(harness.clock.now))
        let gate = Gate()
        harness.gate.withLock { $0 = gate }
        let due = Task { await harness.service.runDueSynchronizations() }
        try await waitUntil("the scheduled run to start") { gate.arrived > 0 }
        try await harness.service.setSettings(source.id, try await harness.service.source(source.id).settings)
        #expect(notifier.notifications.map(\.kind) == [.released], "sent at once")
        gate.open()
        let run = try #require(await due.value.first)
        #expect(run.outcome == .succeeded)
        #expect(notifier.notifications.map(\.kind) == [.released])
        #expect(notifier.notifications.first?.runID == nil)
    }

    @Test("a run stopped at the deletion guard notifies needsConfirmation with the run's id")
    func needsConfirmation() async throws {
        let notifier = RecordingNotifier()
        let harness = try await Self.harness(users: 60, notifier: notifier)
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        try await harness.service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Nonexistent'")))
        let stopped = try await harness.service.synchronize(source.id)
        #expect(notifier.notifications.map(\.kind) == [.needsConfirmation])
        #expect(notifier.notifications.first?.runID == stopped.id)
        #expect(notifier.notifications.first?.message.contains("deletion guard") == true)
    }

    @Test("more conflicts than the run before notify conflictsIncreased with the counts and the run's id")
    func conflictsIncreased() async throws {
        let notifier = RecordingNotifier()
        let harness = try await Self.harness(users: 60, notifier: notifier)
        let source = try await harness.readySource()
        let first = try await harness.service.synchronize(source.id)
        let directory = try #require(harness.directories["contoso.com"])
        let users = try await directory.read().users
        directory.modifyUser(id: users[0].id) { $0.mail = users[1].primaryEmail ?? "x@contoso.com" }
        let second = try await harness.service.synchronize(source.id)
        try #require(second.summary.conflicts > first.summary.conflicts)
        let notification = try #require(notifier.notifications.first { $0.kind == .conflictsIncreased })
        #expect(notification.runID == second.id)
        #expect(notification.message.contains("reported \(second.summary.conflicts) conflict"))
        #expect(notification.message.contains("up from \(first.summary.conflicts)"))
    }

    @Test("secret expiry: secretExpiring at a lead time, secretExpired once it passed, each once")
    func secretExpiry() async throws {
        let notifier = RecordingNotifier()
        let harness = try await Self.harness(notifier: notifier)
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        var credentials = harness.credentials("contoso.com")
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(10 * 86_400 + 3_600)
        try await harness.service.setCredentials(source.id, credentials, secret: Secret(ServiceHarness.secret))
        _ = await harness.service.runDueSynchronizations()
        _ = await harness.service.runDueSynchronizations()
        #expect(notifier.notifications.map(\.kind) == [.secretExpiring])
        #expect(notifier.notifications.first?.message == "The client secret of 'Contoso' expires in 10 days: create a new one and save it before then (credentials set).")
        #expect(notifier.notifications.first?.runID == nil)
        notifier.removeAll()
        harness.clock.advance(by: 11 * 86_400)
        _ = await harness.service.runDueSynchronizations()
        #expect(notifier.notifications.map(\.kind) == [.secretExpired])
    }

    @Test("without notifiers nothing is made; every notifier gets every notification; flushing with none is immediate")
    func fanOut() async throws {
        let first = RecordingNotifier()
        let second = RecordingNotifier()
        let harness = try await ServiceHarness(configuration: .init(notifiers: [first, second]))
        let source = try await harness.readySource()
        harness.directories["contoso.com"]?.failNextRead(with: DirectoryServiceError(.invalidInput, "down", fix: "Wait."))
        _ = try await harness.service.synchronize(source.id)
        #expect(first.notifications.count == 1)
        #expect(first.notifications == second.notifications)
        #expect(await harness.service.flushNotifications(timeout: .seconds(180)))
        #expect(try await ServiceHarness().service.flushNotifications(timeout: .zero))
    }

    // MARK: Settings

    /// A webhook URL whose path and query are its credential, as a chat's incoming webhook's are.
    static let canaryPath = "canary-P4th-5e1f"
    static let canaryQuery = "canary-Qu3ry-77ab"
    static let canaryURL = URL(string: "https://hooks.example.com/services/\(canaryPath)?sig=\(canaryQuery)")!

    /// Every text a value can be shown as.
    static func shown(_ value: Any) -> String {
        var dumped = ""
        dump(value, to: &dumped)
        return "\(value) \(String(reflecting: value)) \(dumped)"
    }

    static func expectNoCanary(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!text.contains(canaryPath) && !text.contains(canaryQuery), "\(text)", sourceLocation: sourceLocation)
    }

    @Test("settings: designed JSON with only the URL's scheme, host and port, kinds in a fixed order; saved under service/notifications")
    func settingsJSON() async throws {
        let settings = NotificationSettings(webhookURL: Self.canaryURL, hasToken: true, kinds: [.secretExpired, .runFailed])
        try expectJSON(settings, #"{"hasToken":true,"kinds":["runFailed","secretExpired"],"webhookURL":"https://hooks.example.com/…"}"#)
        #expect(settings.webhook == "https://hooks.example.com/…")
        #expect(!settings.keepsURLInDocument)
        Self.expectNoCanary(Self.shown(settings))
        #expect(try JSONDecoder.deterministic().decode(NotificationSettings.self, from: try JSONEncoder.deterministic().encode(settings)) == settings)
        #expect(StateKey.notificationSettings.description == "service/notifications")
        #expect(SecretKey.webhookURL.rawValue == "notifications.webhook-url")
        #expect(SecretKey.webhookToken.rawValue == "notifications.webhook-token")
        #expect(NotificationSettings(webhookURL: Self.canaryURL).kinds == NotificationKind.allEvents)
        #expect(NotificationSettings.shownWebhook(URL(string: "HTTP://127.0.0.1:8080/hook?x=1")!) == "http://127.0.0.1:8080/…")
        #expect(NotificationSettings.shownWebhook(URL(string: "http://[::1]:9/hook")!) == "http://[::1]:9/…")
        #expect(NotificationSettings.shownWebhook(URL(string: "https://hooks.example.com")!) == "https://hooks.example.com/…")
    }

    @Test("setNotificationSettings keeps the whole URL and the token in the secret store only, sets hasToken from the token, and removes both with the settings")
    func settingsAndToken() async throws {
        let harness = try await ServiceHarness()
        #expect(try await harness.service.notificationSettings() == nil)
        let returned = try await harness.service.setNotificationSettings(webhookURL: Self.canaryURL, kinds: [.runFailed], token: Secret("tok-canary-123"))
        let saved = try #require(try await harness.service.notificationSettings())
        #expect(saved == returned)
        #expect(saved == NotificationSettings(webhookURL: Self.canaryURL, hasToken: true, kinds: [.runFailed]))
        #expect(saved.webhook == "https://hooks.example.com/…")
        #expect(try await harness.secrets.secret(for: .webhookURL) == Secret(Self.canaryURL.absoluteString))
        #expect(try await harness.secrets.secret(for: .webhookToken) == Secret("tok-canary-123"))
        let stored = String(decoding: try #require(try await harness.state.data(for: .notificationSettings)), as: UTF8.self)
        #expect(!stored.contains("tok-canary-123"))
        Self.expectNoCanary(stored)
        Self.expectNoCanary(Self.shown(saved))

        try await harness.service.setNotificationSettings(webhookURL: Self.canaryURL, token: nil)
        #expect(try await harness.service.notificationSettings()?.hasToken == false)
        #expect(try await harness.secrets.secret(for: .webhookToken) == nil)

        try await harness.service.setNotificationSettings(webhookURL: Self.canaryURL, token: Secret("again"))
        try await harness.service.removeNotificationSettings()
        #expect(try await harness.service.notificationSettings() == nil)
        #expect(try await harness.secrets.secret(for: .webhookURL) == nil)
        #expect(try await harness.secrets.secret(for: .webhookToken) == nil)
    }

    @Test("settings saved with the whole URL in the document (the earlier form) are read without showing it; the next save moves it to the secret store")
    func earlierForm() async throws {
        let harness = try await ServiceHarness()
        try await harness.state.save(EarlierSettings(webhookURL: Self.canaryURL, hasToken: false, kinds: ["quarantined", "runFailed"]), for: .notificationSettings)
        let read = try #require(try await harness.service.notificationSettings())
        #expect(read.webhook == "https://hooks.example.com/…")
        #expect(read.kinds == [.quarantined, .runFailed])
        #expect(read.keepsURLInDocument)
        #expect(try await read.webhookURL(in: harness.secrets) == Self.canaryURL, "its URL is still used")
        Self.expectNoCanary(Self.shown(read))
        Self.expectNoCanary(String(decoding: try JSONEncoder.deterministic().encode(read), as: UTF8.self))

        try await harness.service.setNotificationSettings(webhookURL: Self.canaryURL, kinds: read.kinds, token: nil)
        let moved = try #require(try await harness.service.notificationSettings())
        #expect(!moved.keepsURLInDocument)
        #expect(try await harness.secrets.secret(for: .webhookURL) == Secret(Self.canaryURL.absoluteString))
        Self.expectNoCanary(String(decoding: try #require(try await harness.state.data(for: .notificationSettings)), as: UTF8.self))
        #expect(try await moved.webhookURL(in: harness.secrets) == Self.canaryURL)

        // A document whose webhookURL is neither form is damage: refused without repeating it.
        try await harness.state.save(Damaged(webhookURL: Self.canaryPath, hasToken: false, kinds: ["runFailed"]), for: .notificationSettings)
        await #expect { try await harness.service.notificationSettings() } throws: { error in
            !"\(error)".contains(Self.canaryPath) && !String(reflecting: error).contains(Self.canaryPath)
        }
    }

    /// Settings as the earlier form saved them: the whole URL in the document.
    struct EarlierSettings: Encodable {
        var webhookURL: URL
        var hasToken: Bool
        var kinds: [String]
    }

    /// A document whose `webhookURL` is neither a URL nor a shown webhook.
    struct Damaged: Encodable {
        var webhookURL: String
        var hasToken: Bool
        var kinds: [String]
    }

    /// The bad URLs: their text, and what the error says.
    static let badURLs: [(String, String)] = [
        ("http://hooks.example.com/\(canaryPath)", "plain http to 'hooks.example.com'"),
        ("ftp://hooks.example.com/\(canaryPath)", "uses 'ftp'"),
        ("https://user:pa55word@hooks.example.com/\(canaryPath)", "user name or password"),
        ("/\(canaryPath)", "not an absolute URL"),
        ("https://hooks.example.com:70000/\(canaryPath)", "is not a port"),
    ]

    @Test("settings refused: plain http to a remote host, another scheme, a user or password in the URL, a port that is none — invalidInput that never repeats the path", arguments: badURLs)
    func refused(url: String, expected: String) async throws {
        let harness = try await ServiceHarness()
        let webhookURL = try #require(URL(string: url))
        let error = await #expect(throws: DirectoryServiceError.self) { try await harness.service.setNotificationSettings(webhookURL: webhookURL, token: nil) }
        #expect(error?.code == .invalidInput)
        #expect(error?.detail.contains(expected) == true, "\(String(describing: error))")
        Self.expectNoCanary("\(String(describing: error)) \(error.map { String(reflecting: $0) } ?? "")")
        #expect(!"\(String(describing: error))".contains("pa55word"))
        if let error { #expect(throws: error, "the same error as NotificationSettings.validate(webhookURL:)") { try NotificationSettings.validate(webhookURL: webhookURL) } }
        #expect(try await harness.service.notificationSettings() == nil)
        #expect(try await harness.secrets.secret(for: .webhookURL) == nil)
    }

    @Test("settings refused: no kind, an empty token")
    func refusedKindsAndToken() async throws {
        let harness = try await ServiceHarness()
        await #expect { try await harness.service.setNotificationSettings(webhookURL: Self.canaryURL, kinds: [.test], token: nil) } throws: { error in
            (error as? DirectoryServiceError)?.code == .invalidInput && "\(error)".contains("No kind")
        }
        await #expect(throws: DirectoryServiceError.self) {
            try await harness.service.setNotificationSettings(webhookURL: URL(string: "https://a.example.com")!, token: Secret(" "))
        }
        #expect(try await harness.service.notificationSettings() == nil)
        #expect(try await harness.secrets.secret(for: .webhookURL) == nil)
    }

    @Test("settings refused: a token with a control character — a line break, a carriage return, NUL, a tab — which no header can carry; invalidInput that never repeats it", arguments: [
        "tok-canary-123\n", "\ntok-canary-123", "tok-canary-123\r\nX-Injected: yes", "tok-canary\u{0}123", "tok-canary\t123", "tok-canary\u{7F}123",
    ])
    func refusedTokenWithControlCharacter(token: String) async throws {
        let harness = try await ServiceHarness()
        let error = await #expect(throws: DirectoryServiceError.self) {
            try await harness.service.setNotificationSettings(webhookURL: Self.canaryURL, token: Secret(token))
        }
        #expect(error?.code == .invalidInput)
        #expect(error?.detail == "The webhook token holds a control character (a line break, carriage return, tab or NUL)", "\(String(describing: error))")
        let texts = "\(String(describing: error)) \(error.map { String(reflecting: $0) } ?? "")"
        #expect(!texts.contains("tok-canary") && !texts.contains("X-Injected"), "\(texts)")
        #expect(try await harness.service.notificationSettings() == nil)
        #expect(try await harness.secrets.secret(for: .webhookURL) == nil)
        #expect(try await harness.secrets.secret(for: .webhookToken) == nil)
    }

    @Test("a port written but too large to read is refused like any port outside 1…65535; ports that exist, IPv6 and no port are taken", arguments: [
        ("https://h.example.com:99999999999999999999999/x", false), ("https://h.example.com:70000/x", false), ("https://[::1]:99999999999999999999/x", false),
        ("https://h.example.com:8443/x", true), ("https://h.example.com/x?a=b:c", true), ("http://[::1]:8080/x", true), ("https://user@h.example.com/x", false),
    ])
    func webhookPorts(text: String, accepted: Bool) throws {
        let url = try #require(URL(string: text))
        if accepted {
            #expect(throws: Never.self) { try NotificationSettings.validate(webhookURL: url) }
        } else {
            let error = #expect(throws: DirectoryServiceError.self) { try NotificationSettings.validate(webhookURL: url) }
            #expect(error?.code == .invalidInput)
        }
    }

    @Test("settings refused: a URL longer than 2,048 bytes (invalidInput naming the limit, never the URL); one of 2,048 bytes is taken")
    func refusedLongURL() async throws {
        let harness = try await ServiceHarness()
        let base = "https://hooks.example.com/\(Self.canaryPath)/"
        let longest = try #require(URL(string: base + String(repeating: "a", count: 2_048 - base.utf8.count)))
        #expect(longest.absoluteString.utf8.count == 2_048)
        let tooLong = try #require(URL(string: longest.absoluteString + "a"))
        let error = await #expect(throws: DirectoryServiceError.self) { try await harness.service.setNotificationSettings(webhookURL: tooLong, token: nil) }
        #expect(error?.code == .invalidInput)
        #expect(error?.detail == "The webhook URL is longer than 2,048 bytes", "\(String(describing: error))")
        Self.expectNoCanary("\(String(describing: error)) \(error.map { String(reflecting: $0) } ?? "")")
        #expect(try await harness.service.notificationSettings() == nil)
        #expect(throws: Never.self) { try NotificationSettings.validate(webhookURL: longest) }
        try await harness.service.setNotificationSettings(webhookURL: longest, token: nil)
        #expect(try await harness.secrets.secret(for: .webhookURL)?.reveal() == longest.absoluteString)
    }

    @Test("plain http to loopback is allowed")
    func loopback() throws {
        for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/hook"] {
            #expect(throws: Never.self) { try NotificationSettings.validate(webhookURL: URL(string: url)!) }
        }
    }

    static func service(secrets: any SecretStore, state: any SyncStateStore = InMemorySyncStateStore()) async throws -> DirectoryService {
        try await DirectoryService.open(store: InMemoryIdentityStore(), state: state, secrets: secrets, connector: InMemoryDirectoryConnector())
    }

    @Test("a read-only secret store (the environment): saving and removing write only what differs, and one that cannot take a change refuses it before anything changed")
    func readOnlySecretStore() async throws {
        let url = URL(string: "https://hooks.example.com/dirsync")!
        let variable = EnvironmentSecretStore().variableName(for: .webhookURL)
        #expect(variable == "DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL")

        // The URL is not in the environment: refused, nothing saved.
        let bare = try await Self.service(secrets: EnvironmentSecretStore(environment: [:]))
        await #expect { try await bare.setNotificationSettings(webhookURL: url, token: nil) } throws: { error in
            (error as? SecretStoreError)?.code == .readOnly && (error as? SecretStoreError)?.key == .webhookURL
        }
        #expect(try await bare.notificationSettings() == nil)

        // The environment holds the URL: settings without a token are saved, with nothing to write.
        let state = InMemorySyncStateStore()
        let provided = try await Self.service(secrets: EnvironmentSecretStore(environment: [variable: url.absoluteString]), state: state)
        try await provided.setNotificationSettings(webhookURL: url, kinds: [.runFailed], token: nil)
        #expect(try await provided.notificationSettings() == NotificationSettings(webhookURL: url, kinds: [.runFailed]))
        // A token it does not hold, or another URL: refused, the saved settings unchanged.
        await #expect(throws: SecretStoreError.self) { try await provided.setNotificationSettings(webhookURL: url, token: Secret("tok")) }
        await #expect(throws: SecretStoreError.self) { try await provided.setNotificationSettings(webhookURL: URL(string: "https://other.example.com/x")!, token: nil) }
        #expect(try await provided.notificationSettings() == NotificationSettings(webhookURL: url, kinds: [.runFailed]))
        // Removing: the URL it holds cannot be removed, so nothing is.
        await #expect { try await provided.removeNotificationSettings() } throws: { error in (error as? SecretStoreError)?.code == .readOnly }
        #expect(try await provided.notificationSettings() != nil)

        // Settings of the earlier form (URL in the document), no secret in the environment: removed.
        let earlier = InMemorySyncStateStore()
        try await earlier.save(EarlierSettings(webhookURL: url, hasToken: false, kinds: ["runFailed"]), for: .notificationSettings)
        let legacy = try await Self.service(secrets: EnvironmentSecretStore(environment: [:]), state: earlier)
        try await legacy.removeNotificationSettings()
        #expect(try await legacy.notificationSettings() == nil)
    }

    /// A secret store whose writes of some keys fail while the test says so.
    final class FailingSecretStore: SecretStore {
        let base = InMemorySecretStore()
        let failing = Locked<Set<SecretKey>>([])
        func secret(for key: SecretKey) async throws -> Secret? { try await base.secret(for: key) }
        func setSecret(_ secret: Secret?, for key: SecretKey) async throws {
            if failing.withLock({ $0.contains(key) }) { throw SecretStoreError(.storageFailed, key: key, detail: "injected write failure") }
            try await base.setSecret(secret, for: key)
        }
    }

    @Test("a save or removal that fails half way puts back what it wrote: the saved settings and the secrets go together")
    func failedHalfWay() async throws {
        let secrets = FailingSecretStore()
        let state = FailingStateStore()
        let service = try await Self.service(secrets: secrets, state: state)
        let first = URL(string: "https://hooks.example.com/first")!
        try await service.setNotificationSettings(webhookURL: first, token: Secret("one"))
        let saved = try await service.notificationSettings()

        secrets.failing.withLock { $0 = [.webhookToken] }
        await #expect(throws: SecretStoreError.self) { try await service.setNotificationSettings(webhookURL: Self.canaryURL, token: Secret("two")) }
        #expect(try await secrets.secret(for: .webhookURL) == Secret(first.absoluteString), "the URL written first is put back")
        #expect(try await secrets.secret(for: .webhookToken) == Secret("one"))
        #expect(try await service.notificationSettings() == saved)
        await #expect(throws: SecretStoreError.self) { try await service.removeNotificationSettings() }
        #expect(try await secrets.secret(for: .webhookURL) == Secret(first.absoluteString))
        #expect(try await service.notificationSettings() == saved)

        secrets.failing.withLock { $0 = [] }
        state.failing.withLock { $0 = ["notifications"] }
        await #expect(throws: SyncStateError.self) { try await service.setNotificationSettings(webhookURL: Self.canaryURL, token: nil) }
        #expect(try await secrets.secret(for: .webhookURL) == Secret(first.absoluteString))
        #expect(try await secrets.secret(for: .webhookToken) == Secret("one"))
        await #expect(throws: SyncStateError.self) { try await service.removeNotificationSettings() }
        #expect(try await secrets.secret(for: .webhookURL) == Secret(first.absoluteString))
        #expect(try await secrets.secret(for: .webhookToken) == Secret("one"))
        #expect(try await service.notificationSettings() == saved)
    }
}
