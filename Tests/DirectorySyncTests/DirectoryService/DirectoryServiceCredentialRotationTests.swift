import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Writes to a secret store and a state store that stop — as a process that died — after a set
/// number of writes: the write that would come next, and every one after, throws and changes nothing.
final class CrashPoint: Sendable {
    private let remaining: Locked<Int>
    init(afterWrites writes: Int) { remaining = Locked(writes) }

    func write() throws {
        try remaining.withLock { remaining in
            guard remaining > 0 else { throw CrashPoint.Died() }
            remaining -= 1
        }
    }

    struct Died: Error {}
}

struct CrashingSecretStore: SecretStore {
    let base: any SecretStore
    let crash: CrashPoint
    func secret(for key: SecretKey) async throws -> Secret? { try await base.secret(for: key) }
    func setSecret(_ secret: Secret?, for key: SecretKey) async throws {
        try crash.write()
        try await base.setSecret(secret, for: key)
    }
}

struct CrashingStateStore: SyncStateStore {
    let base: any SyncStateStore
    let crash: CrashPoint
    func data(for key: StateKey) async throws -> Data? { try await base.data(for: key) }
    func setData(_ data: Data?, for key: StateKey) async throws {
        try crash.write()
        try await base.setData(data, for: key)
    }
}

/// A secret store whose reads wait at a gate (when one is set).
struct GatedSecretStore: SecretStore {
    let base: any SecretStore
    let gate = Locked<Gate?>(nil)
    func secret(for key: SecretKey) async throws -> Secret? {
        if let gate = gate.withLock({ $0 }) { await gate.wait() }
        return try await base.secret(for: key)
    }
    func setSecret(_ secret: Secret?, for key: SecretKey) async throws { try await base.setSecret(secret, for: key) }
}

@Suite("DirectoryService: secret rotation while on, and the secret expiry alone")
struct DirectoryServiceCredentialRotationTests {
    static let newSecret = "N3w~Rotated.Secret-value"

    @Test("credentials set while on: tested first, swapped when the test passes; a run in progress keeps the credentials it started with")
    func rotationWhileOn() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        let gate = Gate()
        harness.gate.withLock { $0 = gate }
        let running = Task { try await harness.service.synchronize(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        // The administrator made a new secret in Entra ID (the old one no longer works for new sign-ins).
        harness.connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: Self.newSecret, domains: ["contoso.com"],
            directory: try #require(harness.directories["contoso.com"]))
        let expiry = harness.clock.now.addingTimeInterval(365 * 86_400)
        var credentials = harness.credentials("contoso.com")
        credentials.secretExpiration = expiry
        try await harness.service.setCredentials(source.id, credentials, secret: Secret(Self.newSecret))
        let rotated = try await harness.service.source(source.id)
        #expect(rotated.state == .synchronizing, "the run goes on meanwhile")
        #expect(rotated.credentials == credentials)
        #expect(rotated.credentialsTestedAt == harness.clock.now, "tested")
        #expect(rotated.secretKey == .clientSecret(source.id, generation: 1))
        #expect(try await harness.secrets.secret(for: rotated.secretKey)?.reveal() == Self.newSecret)
        #expect(try await harness.secrets.secret(for: source.secretKey) == nil, "the replaced secret is removed")
        gate.open()
        harness.gate.withLock { $0 = nil }
        #expect(try await running.value.outcome == .succeeded, "the run that started with the old credentials finished with them")
        let next = try await harness.service.synchronize(source.id)
        #expect(next.outcome == .succeeded, "the next run signs in with the new secret")
        #expect(try await harness.service.status(source.id).source.state == .on)
    }

    @Test("a run that reads the secret while a rotation replaces it signs in with the new one (never caches the old pair)")
    func rotationWhileTheSecretIsRead() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        let secrets = GatedSecretStore(base: harness.secrets)
        // A service that has made no provider yet: its first run reads the secret.
        let service = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: secrets, connector: harness.connector, clock: harness.clock.syncClock)
        let gate = Gate()
        secrets.gate.withLock { $0 = gate }
        let run = Task { try await service.synchronize(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        secrets.gate.withLock { $0 = nil }
        harness.connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: Self.newSecret, domains: ["contoso.com"],
            directory: try #require(harness.directories["contoso.com"]))
        try await service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret(Self.newSecret))
        gate.open()
        #expect(try await run.value.outcome == .succeeded, "made from the new credentials and secret")
        #expect(try await service.synchronize(source.id).outcome == .succeeded)
    }

    @Test("a failed test leaves the old credentials and secret in place, says so, and never shows the secret")
    func failedRotation() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        let before = try await harness.service.source(source.id)
        let wrong = "Wr0ng~Secret.that-must-not-leak"
        var credentials = harness.credentials("contoso.com")
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(86_400)
        let error = await #expect(throws: DirectoryServiceError.self) {
            try await harness.service.setCredentials(source.id, credentials, secret: Secret(wrong))
        }
        #expect(error?.code == .credentialsTestFailed)
        let text = "\(error.map { "\($0)" } ?? "")"
        #expect(text.contains("wrongSecret") && text.contains("keeps the credentials and secret it had"), "\(text)")
        #expect(!text.contains(wrong))
        #expect(!text.contains(".."), "\(text)")
        #expect(try await harness.service.source(source.id) == before, "nothing changed")
        #expect(try await harness.secrets.secret(for: before.secretKey)?.reveal() == ServiceHarness.secret)
        #expect(try await harness.secrets.secret(for: .clientSecret(source.id, generation: 1)) == nil, "nothing written")
        #expect(try await harness.service.synchronize(source.id).outcome == .succeeded, "runs go on with the old ones")
        // A wrong client ID with the saved secret: the same.
        var other = harness.credentials("contoso.com")
        other.clientID = "00000000-0000-4000-8000-000000000001"
        await expectCode(.credentialsTestFailed) { try await harness.service.setCredentials(source.id, other, secret: nil) }
        #expect(try await harness.service.source(source.id) == before)
    }

    @Test("while off, credentials are saved untested as before (and the secret still changes key)")
    func whileOff() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        try await harness.service.turnOff(source.id)
        try await harness.service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret("anything-untested"))
        let saved = try await harness.service.source(source.id)
        #expect(saved.credentialsTestedAt == nil)
        #expect(try await harness.secrets.secret(for: saved.secretKey)?.reveal() == "anything-untested")
        await expectCode(.credentialsNotTested) { try await harness.service.turnOn(source.id) }
    }

    @Test("a test that passed with the old secret does not mark a secret saved meanwhile as tested")
    func secretSavedDuringTest() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.service.addSource(name: "Contoso", domain: "contoso.com")
        try await fixture.service.setCredentials(source.id, fixture.harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        let gate = Gate()
        fixture.connector.testGate.withLock { $0 = gate }
        let test = Task { try await fixture.service.testConnection(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        try await fixture.service.setCredentials(source.id, fixture.harness.credentials("contoso.com"), secret: Secret("a-new-untested-secret"))
        gate.open()
        #expect(try await test.value.isSuccessful, "the old secret passed")
        #expect(try await fixture.service.source(source.id).credentialsTestedAt == nil, "the new one was never tested")
        await expectCode(.credentialsNotTested) { try await fixture.service.turnOn(source.id) }
    }

    @Test("the expiry date alone changes without a test or a secret, also while on, and keeps a passed test")
    func expiryAlone() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        let tests = fixture.connector.tests.withLock { $0 }
        let expiry = fixture.clock.now.addingTimeInterval(90 * 86_400)
        try await fixture.service.setSecretExpiration(source.id, expiry)
        var after = try await fixture.service.source(source.id)
        #expect(after.credentials?.secretExpiration == expiry)
        #expect(after.credentialsTestedAt == source.credentialsTestedAt && after.state == .on && after.secretKey == source.secretKey)
        // The same through setCredentials with the saved credentials and no secret.
        var credentials = try #require(source.credentials)
        credentials.secretExpiration = expiry.addingTimeInterval(86_400)
        try await fixture.service.setCredentials(source.id, credentials, secret: nil)
        after = try await fixture.service.source(source.id)
        #expect(after.credentials == credentials && after.credentialsTestedAt == source.credentialsTestedAt)
        #expect(fixture.connector.tests.withLock { $0 } == tests, "no connection test")
        try await fixture.service.setSecretExpiration(source.id, nil)
        #expect(try await fixture.service.source(source.id).credentials?.secretExpiration == nil)
        let bare = try await fixture.service.addSource(name: "Fabrikam", domain: "fabrikam.com")
        await expectCode(.credentialsNotTested) { try await fixture.service.setSecretExpiration(bare.id, expiry) }
    }

    @Test("a process that dies between the writes of a rotation leaves credentials and secret that belong together", arguments: 0...3)
    func crashBetweenWrites(writes: Int) async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        let old = try await harness.service.source(source.id)
        harness.connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: Self.newSecret, domains: ["contoso.com"],
            directory: try #require(harness.directories["contoso.com"]))
        var credentials = harness.credentials("contoso.com")
        credentials.secretExpiration = harness.clock.now.addingTimeInterval(86_400 * 200)
        // The rotation writes: 1. the new secret, 2. the sources document, 3. the old secret removed.
        let crash = CrashPoint(afterWrites: writes)
        let dying = try await DirectoryService.open(
            store: harness.store, state: CrashingStateStore(base: harness.state, crash: crash), secrets: CrashingSecretStore(base: harness.secrets, crash: crash),
            connector: harness.connector, clock: harness.clock.syncClock)
        do {
            try await dying.setCredentials(source.id, credentials, secret: Secret(Self.newSecret))
            #expect(writes >= 2, "the swap is written by then")
        } catch {
            #expect(writes < 2, "only a crash before the swap fails the call: \(error)")
        }
        let restarted = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector, clock: harness.clock.syncClock)
        let after = try await restarted.source(source.id)
        let secret = try await harness.secrets.secret(for: after.secretKey)?.reveal()
        if writes < 2 {
            #expect(after.credentials == old.credentials && after.credentialsTestedAt == old.credentialsTestedAt)
            #expect(secret == ServiceHarness.secret, "the old pair")
        } else {
            #expect(after.credentials == credentials)
            #expect(secret == Self.newSecret, "the new pair")
            #expect(try await restarted.synchronize(source.id).outcome == .succeeded)
        }
        // The next rotation cleans up whatever the crash left behind.
        let newest = "Newest~Secret-value"
        harness.connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: newest, domains: ["contoso.com"],
            directory: try #require(harness.directories["contoso.com"]))
        try await restarted.setCredentials(source.id, credentials, secret: Secret(newest))
        let final = try await restarted.source(source.id)
        #expect(try await harness.secrets.secret(for: final.secretKey)?.reveal() == newest)
        let generation = writes < 2 ? 1 : 2
        #expect(final.secretKey == .clientSecret(source.id, generation: generation))
        for older in 0..<generation { #expect(try await harness.secrets.secret(for: .clientSecret(source.id, generation: older)) == nil, "generation \(older) left") }
        try await restarted.turnOff(source.id)
        try await restarted.removeSource(source.id)
        #expect(try await harness.secrets.secret(for: final.secretKey) == nil)
    }

    @Test("changes to one source's credentials take turns: concurrent rotations never pair a secret with other credentials")
    func concurrentRotations() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        harness.connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: Self.newSecret, domains: ["contoso.com"],
            directory: try #require(harness.directories["contoso.com"]))
        let expiries = (1...6).map { harness.clock.now.addingTimeInterval(Double($0) * 86_400) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for expiry in expiries {
                group.addTask {
                    var credentials = harness.credentials("contoso.com")
                    credentials.secretExpiration = expiry
                    try await harness.service.setCredentials(source.id, credentials, secret: Secret(Self.newSecret))
                }
            }
            try await group.waitForAll()
        }
        let after = try await harness.service.source(source.id)
        #expect(after.secretKey == .clientSecret(source.id, generation: 6), "six secrets, one after the other")
        #expect(try await harness.secrets.secret(for: after.secretKey)?.reveal() == Self.newSecret)
        #expect(try await harness.service.synchronize(source.id).outcome == .succeeded)
    }
}
