import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: credentials checked when saved, tested before use; history never replaced")
struct DirectoryServiceSafetyTests {
    @Test("credentials that cannot be right are refused when saved, before anything is stored or sent", arguments: [
        SourceCredentials(clientID: "my-app", tenant: "contoso.com"),
        SourceCredentials(clientID: "", tenant: "contoso.com"),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com/../x"),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: ""),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "ftp://login.example.com"), graphURL: URL(string: "https://graph.example.com/v1.0")),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "http://login.example.com"), graphURL: URL(string: "https://graph.example.com/v1.0")),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "https://login.example.com"), graphURL: URL(string: "/v1.0")),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "https://user:pa55word@login.example.com"), graphURL: URL(string: "https://graph.example.com/v1.0")),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "https://login.example.com:99999"), graphURL: URL(string: "https://graph.example.com/v1.0")),
    ])
    func refusedWhenSaved(credentials: SourceCredentials) async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        do {
            try await harness.service.setCredentials(source.id, credentials, secret: Secret(ServiceHarness.secret))
            Issue.record("accepted")
        } catch let error as DirectoryServiceError {
            #expect(error.code == .invalidInput)
            #expect(!error.description.contains("pa55word"), "a password in a URL is never echoed")
        }
        #expect(try await harness.secrets.secret(for: .clientSecret(source.id)) == nil, "nothing is stored")
        #expect(try await harness.service.source(source.id).credentials == nil)
    }

    @Test("https endpoints, loopback http and a tenant id are accepted", arguments: [
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "6f1c4f6e-1d2b-4c3a-9e8f-0a1b2c3d4e5f"),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "https://login.example.com"), graphURL: URL(string: "https://graph.example.com/v1.0")),
        SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com", loginURL: URL(string: "http://127.0.0.1:8080"), graphURL: URL(string: "http://[::1]:8080/v1.0")),
    ])
    func accepted(credentials: SourceCredentials) async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        try await harness.service.setCredentials(source.id, credentials, secret: Secret(ServiceHarness.secret))
        #expect(try await harness.service.source(source.id).credentials == credentials)
    }

    @Test("changed credentials send no secret in a run or preview until a connection test passes with them")
    func testedBeforeUse() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.turnOff(source.id)
        _ = try await harness.service.preview(source.id)
        var changed = harness.credentials("contoso.com")
        changed.graphURL = URL(string: "https://graph.example.com/v1.0")
        changed.loginURL = URL(string: "https://login.example.com")
        try await harness.service.setCredentials(source.id, changed, secret: nil)
        await expectCode(.credentialsNotTested) { _ = try await harness.service.preview(source.id) }
        try await harness.service.setCredentials(source.id, harness.credentials("contoso.com"), secret: nil)
        _ = try await harness.service.testConnection(source.id)
        _ = try await harness.service.preview(source.id)
    }

    @Test("an unreadable history is kept as it is (the defect: the next sync replaced it), and the run says so")
    func unreadableHistoryKept() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("service-history-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let harness = try await ServiceHarness(state: try FileSyncStateStore(folder: folder))
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        let file = folder.appendingPathComponent(source.id.rawValue).appendingPathComponent("history.json")
        let damaged = Data(try Data(contentsOf: file).prefix(40))
        try damaged.write(to: file)
        let events = harness.service.events()
        let record = try await harness.service.synchronize(source.id)
        #expect(record.isSuccess)
        #expect(try Data(contentsOf: file) == damaged, "the damaged history is not replaced")
        var warned = false
        // The warning comes before the run's `runFinished`, which ends the loop either way.
        for await event in events {
            if case .warning(_, .historyNotSaved(let message)) = event { warned = message.contains("history") }
            if case .runFinished = event { break }
        }
        #expect(warned)
        await #expect(throws: SyncStateError.self) { try await harness.service.history(source.id) }
    }
}
