import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A coordinator that counts the waits for a holder's release, so a test can tell when a replica
/// waits for another one's run.
final class WatchedCoordinator: SyncCoordinator {
    let base: LocalSyncCoordinator
    private let waits = Locked(0)

    init(_ base: LocalSyncCoordinator) { self.base = base }

    var replica: String { base.replica }
    /// How many waits for a holder's release started.
    var waitsStarted: Int { waits.withLock { $0 } }

    /// The locks taken, in order.
    var locksTaken: [CoordinationLock] { locks.withLock { $0 } }
    private let locks = Locked<[CoordinationLock]>([])
    /// When set, every claim of a slot is refused (another replica claimed it).
    let refuseSlots = Locked(false)
    /// When set, claims of runs throw it (a coordinator that does not answer).
    let failClaims = Locked<SyncCoordinationError?>(nil)
    /// How many slot claims were asked.
    var slotClaims: Int { slotCount.withLock { $0 } }
    private let slotCount = Locked(0)

    nonisolated(nonsending) func withLock<Result>(_ lock: CoordinationLock, _ body: (any CoordinationFence) async throws -> Result) async throws -> Result {
        locks.withLock { $0.append(lock) }
        return try await base.withLock(lock, body)
    }
    func claimRun(of source: SourceID, runID: String) async throws -> RunClaimOutcome {
        if let error = failClaims.withLock({ $0 }) { throw error }
        return try await base.claimRun(of: source, runID: runID)
    }
    func runHolder(of source: SourceID) async throws -> RunHolder? { try await base.runHolder(of: source) }
    func waitForRelease(of source: SourceID, _ holder: RunHolder) async throws {
        waits.withLock { $0 += 1 }
        try await base.waitForRelease(of: source, holder)
    }
    func claimSlot(_ slot: ScheduledSlot) async throws -> Bool {
        slotCount.withLock { $0 += 1 }
        if refuseSlots.withLock({ $0 }) { return false }
        return try await base.claimSlot(slot)
    }
    func finishSlot(_ slot: ScheduledSlot) async throws { try await base.finishSlot(slot) }
    func abandonedSlots() async throws -> [ScheduledSlot] { try await base.abandonedSlots() }
}

/// Several replicas of one host in one process: services over ONE state store, ONE identity store,
/// ONE secret store and the same tenants, each with its own replica of one shared coordinator, on
/// one test clock.
struct ReplicaHarness {
    let store: any IdentityStore
    let state = InMemorySyncStateStore()
    let secrets = InMemorySecretStore()
    let connector = InMemoryDirectoryConnector()
    let gate = Locked<Gate?>(nil)
    let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
    let directories: [String: InMemoryDirectoryProvider]
    let coordinators: [WatchedCoordinator]
    /// Each replica's view of ``state`` (index as ``replicas``), with hooks on its reads.
    let states: [HookedStateStore]
    let replicas: [DirectoryService]

    static let secret = ServiceHarness.secret

    init(
        replicas count: Int = 3, tenants: [String] = ["contoso.com"], users: Int = 40, store: any IdentityStore = InMemoryIdentityStore(),
        synchronizer: SourceSynchronizer.Configuration = .init()
    ) async throws {
        self.store = store
        var directories: [String: InMemoryDirectoryProvider] = [:]
        for (index, domain) in tenants.enumerated() {
            let tenant = TenantGenerator(configuration: .init(users: users, groups: max(2, users / 10), seed: UInt64(index + 1), domain: domain)).generate()
            let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
            connector.register(tenant: domain, clientID: ServiceHarness.clientID(domain), secret: Self.secret, domains: [domain], directory: directory)
            directories[domain] = directory
        }
        self.directories = directories
        let first = LocalSyncCoordinator(replica: "replica-a", clock: clock.syncClock)
        let names = ["replica-a", "replica-b", "replica-c", "replica-d"]
        coordinators = (0..<count).map { WatchedCoordinator($0 == 0 ? first : first.replica(named: names[$0])) }
        var services: [DirectoryService] = []
        let shared = state
        let states = coordinators.map { _ in HookedStateStore(shared) }
        self.states = states
        for (coordinator, state) in zip(coordinators, states) {
            services.append(
                try await DirectoryService.open(
                    store: store, state: state, secrets: secrets, connector: GatedConnector(base: connector, gate: gate),
                    configuration: .init(synchronizer: synchronizer, coordinator: coordinator), clock: clock.syncClock))
        }
        replicas = services
    }

    /// The shared coordinator (every replica's is a replica of it).
    var coordinator: LocalSyncCoordinator { coordinators[0].base }

    /// Adds a source through the first replica, saves and tests its credentials, and turns it on.
    func readySource(_ domain: String = "contoso.com") async throws -> Source {
        let service = replicas[0]
        let source = try await service.addSource(name: domain.capitalized, domain: domain)
        try await service.setCredentials(source.id, SourceCredentials(clientID: ServiceHarness.clientID(domain), tenant: domain), secret: Secret(Self.secret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        return try await service.source(source.id)
    }

    /// Closes the directory reads: each waits until ``openReads()``.
    func holdReads() -> Gate {
        let gate = Gate()
        self.gate.withLock { $0 = gate }
        return gate
    }

    /// Lets every read through again.
    func openReads(_ gate: Gate) {
        self.gate.withLock { $0 = nil }
        gate.open()
    }

    /// What one replica alone makes of the same tenant in a fresh store: the store a run must converge to.
    func singleReplicaFingerprint(of domain: String = "contoso.com", users: Int = 40) async throws -> StoreFingerprint {
        let single = try await ServiceHarness(tenants: [domain], users: users)
        let source = try await single.readySource(domain)
        _ = try await single.service.synchronize(source.id)
        return StoreFingerprint(try await single.store.contents())
    }
}

/// A state store over a shared one whose reads a test can hook: `afterRead` runs once a
/// document was read, before it is handed back (to pause a replica there, or fail the read).
final class HookedStateStore: SyncStateStore {
    let base: InMemorySyncStateStore
    let afterRead = Locked<(@Sendable (StateKey) async throws -> Void)?>(nil)

    init(_ base: InMemorySyncStateStore) { self.base = base }

    func data(for key: StateKey) async throws -> Data? {
        let data = try await base.data(for: key)
        if let hook = afterRead.withLock({ $0 }) { try await hook(key) }
        return data
    }

    func setData(_ data: Data?, for key: StateKey) async throws { try await base.setData(data, for: key) }
}
