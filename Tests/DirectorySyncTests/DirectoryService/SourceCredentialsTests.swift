import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("SourceCredentials: the one credential type, and the one connection-test result")
struct SourceCredentialsTests {
    /// `_service/sources.json` as version 0.x wrote it (`dirsync --state DIR source add` and
    /// `credentials set … --secret-expires 2027-01-31 --login-url … --graph-url …`).
    static let savedDocument = #"""
        {"formatVersion":1,"value":[{"credentials":{"clientID":"11111111-2222-3333-4444-555555555555","graphURL":"http://127.0.0.1:9/v1.0","loginURL":"http://127.0.0.1:9","secretExpiration":"2027-01-31T00:00:00.000Z","tenant":"contoso.com"},"description":"","domain":"contoso.com","id":"contoso","name":"Contoso","schedule":{"kind":"none","timeZone":"GMT"},"settings":{"deletionGuard":{"groups":{"maximumCount":100,"maximumPercentage":20,"percentageAppliesFrom":10},"memberships":{"maximumCount":5000,"maximumPercentage":30,"percentageAppliesFrom":10},"users":{"maximumCount":500,"maximumPercentage":20,"percentageAppliesFrom":10}},"filter":{"mode":"all"},"missingEmail":"syncWithWarning","outOfScope":"remove"},"state":"off"}]}
        """#

    static let clientID = "11111111-2222-3333-4444-555555555555"

    @Test("a sources document written by the previous version still loads, credentials included, and is written back the same")
    func savedDocumentLoads() async throws {
        let state = InMemorySyncStateStore()
        try await state.setData(Data(Self.savedDocument.utf8), for: .service("sources"))
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: state, secrets: InMemorySecretStore(), connector: InMemoryDirectoryConnector())
        let source = try await service.source(named: "Contoso")
        let credentials = try #require(source.credentials)
        #expect(credentials.clientID == Self.clientID)
        #expect(credentials.tenant == "contoso.com")
        #expect(credentials.secretExpiration == Date(timeIntervalSince1970: 1_801_353_600))
        #expect(credentials.loginURL == URL(string: "http://127.0.0.1:9"))
        #expect(credentials.graphURL == URL(string: "http://127.0.0.1:9/v1.0"))
        // Written back, the credentials keep their field names and values.
        let saved = try JSONEncoder.deterministic(fractionalSeconds: true).encode(credentials)
        #expect(Self.savedDocument.contains(String(decoding: saved, as: UTF8.self)))
    }

    @Test("the JSON holds only the fields that are set, never a secret")
    func json() throws {
        let bare = SourceCredentials(clientID: Self.clientID, tenant: "contoso.com")
        #expect(String(decoding: try JSONEncoder.deterministic().encode(bare), as: UTF8.self) == #"{"clientID":"\#(Self.clientID)","tenant":"contoso.com"}"#)
        #expect(try JSONDecoder.deterministic().decode(SourceCredentials.self, from: JSONEncoder.deterministic().encode(bare)) == bare)
    }

    @Test("malformed credentials are refused with invalidInput, naming the fix", arguments: [
        SourceCredentials(clientID: "not-a-guid", tenant: "contoso.com"),
        SourceCredentials(clientID: clientID, tenant: "contoso.com/../x"),
        SourceCredentials(clientID: clientID, tenant: "localhost"),
        SourceCredentials(clientID: clientID, tenant: "contoso.com", loginURL: URL(string: "https://login.example.com")),
        SourceCredentials(clientID: clientID, tenant: "contoso.com", loginURL: URL(string: "http://login.example.com"), graphURL: URL(string: "http://graph.example.com/v1.0")),
        SourceCredentials(
            clientID: clientID, tenant: "contoso.com", loginURL: URL(string: "https://user:hunter2@login.example.com"), graphURL: URL(string: "https://graph.example.com/v1.0")),
    ])
    func malformed(credentials: SourceCredentials) {
        #expect {
            try credentials.validate()
        } throws: { error in
            guard let error = error as? DirectoryServiceError else { return false }
            return error.code == .invalidInput && !error.fix.isEmpty && !"\(error)".contains("hunter2")
        }
    }

    @Test("well-formed credentials pass: a domain or a tenant id, https endpoints or loopback http", arguments: [
        SourceCredentials(clientID: clientID, tenant: "contoso.com"),
        SourceCredentials(clientID: clientID, tenant: "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"),
        SourceCredentials(clientID: clientID, tenant: "contoso.com", loginURL: URL(string: "http://127.0.0.1:9"), graphURL: URL(string: "http://127.0.0.1:9/v1.0")),
    ])
    func wellFormed(credentials: SourceCredentials) throws {
        try credentials.validate()
    }

    @Test("the secret's expiry: unknown, valid, expiring soon within the lead times, expired")
    func secretExpiry() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        var credentials = SourceCredentials(clientID: Self.clientID, tenant: "contoso.com")
        #expect(credentials.secretExpiry(now: now) == .unknown)
        credentials.secretExpiration = now.addingTimeInterval(5 * 86_400 + 60)
        #expect(credentials.secretExpiry(now: now) == .expiresSoon(daysLeft: 5))
        #expect(credentials.secretExpiry(now: now, leadTimes: [3]) == .valid(daysLeft: 5))
        credentials.secretExpiration = now.addingTimeInterval(-1)
        #expect(credentials.secretExpiry(now: now) == .expired(since: now.addingTimeInterval(-1)))
    }

    @Test("the service's connection test returns typed steps, with the failing step's code, for saved and unsaved credentials")
    func connectionTest() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        let wrong = await harness.service.testConnection(domain: "contoso.com", credentials: harness.credentials("contoso.com"), secret: "wrong")
        #expect(!wrong.isSuccessful)
        #expect(wrong.failure?.name == .token)
        #expect(wrong.errorCode == "wrongSecret")
        #expect(wrong.steps.map(\.status) == [.passed, .failed, .skipped, .skipped])
        try await harness.service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        let right = try await harness.service.testConnection(source.id)
        #expect(right.isSuccessful)
        #expect(right.steps.map(\.name) == [.cloud, .token, .domain, .onPremises, .tenant])
        #expect(right.tenant?.verifiedDomains == ["contoso.com"])
        #expect(right.errorCode == nil)
        let text = String(decoding: try JSONEncoder.deterministic().encode(wrong), as: UTF8.self)
        #expect(text.contains(#""errorCode":"wrongSecret""#) && text.contains(#""name":"token","status":"failed""#))
    }
}
