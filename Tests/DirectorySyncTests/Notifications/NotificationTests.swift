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
        #expect(await harness.service.flushNotifications(timeout: .seconds(1)))
        #expect(try await ServiceHarness().service.flushNotifications(timeout: .zero))
    }

    // MARK: Settings

    @Test("settings: designed JSON, kinds in a fixed order; saved under service/notifications")
    func settingsJSON() async throws {
        let settings = NotificationSettings(webhookURL: URL(string: "https://hooks.example.com/dirsync")!, hasToken: true, kinds: [.secretExpired, .runFailed])
        try expectJSON(settings, #"{"hasToken":true,"kinds":["runFailed","secretExpired"],"webhookURL":"https://hooks.example.com/dirsync"}"#)
        #expect(StateKey.notificationSettings.description == "service/notifications")
        #expect(SecretKey.webhookToken.rawValue == "notifications.webhook-token")
        #expect(NotificationSettings(webhookURL: settings.webhookURL).kinds == NotificationKind.allEvents)
    }

    @Test("setNotificationSettings keeps the token in the secret store only, sets hasToken from it, and removes it with the settings")
    func settingsAndToken() async throws {
        let harness = try await ServiceHarness()
        #expect(try await harness.service.notificationSettings() == nil)
        let url = URL(string: "https://hooks.example.com/dirsync")!
        try await harness.service.setNotificationSettings(NotificationSettings(webhookURL: url, kinds: [.runFailed]), token: Secret("tok-canary-123"))
        let saved = try #require(try await harness.service.notificationSettings())
        #expect(saved == NotificationSettings(webhookURL: url, hasToken: true, kinds: [.runFailed]))
        #expect(try await harness.secrets.secret(for: .webhookToken) == Secret("tok-canary-123"))
        let stored = try #require(try await harness.state.data(for: .notificationSettings))
        #expect(!String(decoding: stored, as: UTF8.self).contains("tok-canary-123"))

        try await harness.service.setNotificationSettings(NotificationSettings(webhookURL: url, hasToken: true), token: nil)
        #expect(try await harness.service.notificationSettings()?.hasToken == false)
        #expect(try await harness.secrets.secret(for: .webhookToken) == nil)

        try await harness.service.setNotificationSettings(NotificationSettings(webhookURL: url), token: Secret("again"))
        try await harness.service.removeNotificationSettings()
        #expect(try await harness.service.notificationSettings() == nil)
        #expect(try await harness.secrets.secret(for: .webhookToken) == nil)
    }

    @Test("settings refused: plain http to a remote host, another scheme, a user or password in the URL, no kind, an empty token", arguments: [
        ("http://hooks.example.com/x", Set(NotificationKind.allEvents), "plain http to 'hooks.example.com'"),
        ("ftp://hooks.example.com/x", Set(NotificationKind.allEvents), "uses 'ftp'"),
        ("https://user:pa55word@hooks.example.com/x", Set(NotificationKind.allEvents), "user name or password"),
        ("/relative", Set(NotificationKind.allEvents), "not an absolute URL"),
        ("https://hooks.example.com/x", Set<NotificationKind>([.test]), "No kind"),
    ])
    func refused(url: String, kinds: Set<NotificationKind>, expected: String) async throws {
        let harness = try await ServiceHarness()
        let settings = NotificationSettings(webhookURL: URL(string: url)!, kinds: kinds)
        await #expect { try await harness.service.setNotificationSettings(settings, token: nil) } throws: { error in
            guard let error = error as? DirectoryServiceError else { return false }
            return error.code == .invalidInput && error.detail.contains(expected) && !error.description.contains("pa55word")
        }
        #expect(try await harness.service.notificationSettings() == nil)
        await #expect(throws: DirectoryServiceError.self) {
            try await harness.service.setNotificationSettings(NotificationSettings(webhookURL: URL(string: "https://a.example.com")!), token: Secret(" "))
        }
    }

    @Test("plain http to loopback is allowed")
    func loopback() throws {
        for url in ["http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]:9/hook"] {
            #expect(throws: Never.self) { try NotificationSettings(webhookURL: URL(string: url)!).validate() }
        }
    }
}
