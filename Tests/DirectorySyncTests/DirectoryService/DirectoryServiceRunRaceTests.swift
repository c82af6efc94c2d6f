import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A state store whose next read of a key (by name) waits at a gate, once.
final class GatedStateStore: SyncStateStore {
    let base = InMemorySyncStateStore()
    private let held = Locked<[String: Gate]>([:])

    func data(for key: StateKey) async throws -> Data? {
        if let gate = held.withLock({ $0.removeValue(forKey: key.name) }) { await gate.wait() }
        return try await base.data(for: key)
    }

    func setData(_ data: Data?, for key: StateKey) async throws { try await base.setData(data, for: key) }

    /// The next read of a key named `name` (such as `history`) waits at the gate returned.
    func holdNextRead(of name: String) -> Gate {
        let gate = Gate()
        held.withLock { $0[name] = gate }
        return gate
    }
}

/// Follows a service's runs from its events: which started, and how many were going at once.
final class RunWatch: Sendable {
    private let state = Locked<(going: Int, mostAtOnce: Int, started: [SyncTrigger])>((0, 0, []))
    private let task: Task<Void, Never>

    init(_ service: DirectoryService) {
        let events = service.events(includingOperations: false)
        let state = self.state
        task = Task {
            for await event in events {
                switch event {
                case .runStarted(_, let trigger):
                    state.withLock {
                        $0.going += 1
                        $0.mostAtOnce = max($0.mostAtOnce, $0.going)
                        $0.started.append(trigger)
                    }
                case .runFinished: state.withLock { $0.going -= 1 }
                default: continue
                }
            }
        }
    }

    deinit { task.cancel() }

    var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
    var started: [SyncTrigger] { state.withLock { $0.started } }

    /// Waits until a run with `trigger` (any, when `nil`) has started.
    func waitForStart(_ trigger: SyncTrigger? = nil) async {
        while !started.contains(where: { trigger == nil || $0 == trigger }) { try? await Task.sleep(for: .milliseconds(2)) }
    }
}

@Suite("DirectoryService: runs of one source never overlap, whatever happens while one gets ready")
struct DirectoryServiceRunRaceTests {
    @Test("a whole run asked for while a run on demand gets ready (reading the history) never runs beside it; both are recorded")
    func onDemandAndWholeRun() async throws {
        let state = GatedStateStore()
        let harness = try await ServiceHarness(state: state)
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        let directory = try #require(harness.directories["contoso.com"])
        let user = try #require(try await directory.read().users.first).userPrincipalName
        let watch = RunWatch(harness.service)
        let history = state.holdNextRead(of: "history")
        let reads = Gate()
        harness.gate.withLock { $0 = reads }

        let onDemand = Task { try await harness.service.synchronize(source.id, user: user) }
        // The run on demand waits at its first suspension: the read of the history.
        while history.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        let whole = Task { try await harness.service.synchronize(source.id) }
        // One run has started: the whole run (it found none going) or the run on demand.
        await watch.waitForStart()
        history.open()
        await watch.waitForStart(.onDemand)
        reads.open()
        let records = [try await onDemand.value, try await whole.value]

        #expect(watch.mostAtOnce == 1, "two runs of one source at once: \(watch.started)")
        #expect(records.map(\.trigger) == [.onDemand, .manual])
        let kept = try await harness.service.history(source.id)
        #expect(kept.count == 3, "\(kept.map(\.trigger))")
        #expect(Set(kept.suffix(2).map(\.id)) == Set(records.map(\.id)), "both runs are in the history")
        #expect(try await harness.service.source(source.id).state == .on)
    }

    @Test("a whole run uses the settings as they are when it starts, not as they were when it was asked for")
    func settingsChangedWhileGettingReady() async throws {
        let harness = try await ServiceHarness()
        let secrets = GatedSecretStore(base: harness.secrets)
        let service = try await DirectoryService.open(
            store: harness.store, state: harness.state, secrets: secrets, connector: harness.connector, clock: harness.clock.syncClock)
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        let secret = Gate()
        secrets.gate.withLock { $0 = secret }

        // The run reads the secret to make its synchronizer; meanwhile the filter changes.
        let run = Task { try await service.synchronize(source.id) }
        while secret.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        try await service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Nonexistent'")))
        secret.open()
        let record = try await run.value

        #expect(record.isSuccess)
        #expect(record.usersSynchronized == 0, "the run read with the filter it was started with: \(record.usersSynchronized) users")
    }
}
