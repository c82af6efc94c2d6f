import DirectorySync
import DirectorySyncTesting
import Foundation

/// A gate a directory read waits at until the test opens it.
final class Gate: Sendable {
    private let state = Locked<(open: Bool, waiters: [CheckedContinuation<Void, Never>], arrived: Int)>((false, [], 0))
    func wait() async {
        await withCheckedContinuation { continuation in
            let run = state.withLock { state -> Bool in
                state.arrived += 1
                if state.open { return true }
                state.waiters.append(continuation)
                return false
            }
            if run { continuation.resume() }
        }
    }
    var arrived: Int { state.withLock { $0.arrived } }
    func open() { for waiter in state.withLock({ state in state.open = true; defer { state.waiters = [] }; return state.waiters }) { waiter.resume() } }
}

/// Wraps a connector so every read first waits at a gate (when one is set).
struct GatedConnector: DirectoryConnector {
    let base: InMemoryDirectoryConnector
    let gate: Locked<Gate?>
    var sourceType: String { base.sourceType }
    func provider(for connection: SourceConnection) throws -> any DirectoryProvider { GatedProvider(base: try base.provider(for: connection), gate: gate) }
    func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult { await base.testConnection(connection) }
}

struct GatedProvider: DirectoryProvider {
    let base: any DirectoryProvider
    let gate: Locked<Gate?>
    func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        if let gate = gate.withLock({ $0 }) { await gate.wait() }
        return try await base.read(filter: filter)
    }
}

/// A service over in-memory parts with tenants `contoso.com`, `fabrikam.com`, … ready to connect.
struct ServiceHarness {
    let store: InMemoryIdentityStore
    let state: any SyncStateStore
    let secrets = InMemorySecretStore()
    let connector = InMemoryDirectoryConnector()
    let gate = Locked<Gate?>(nil)
    let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
    let directories: [String: InMemoryDirectoryProvider]
    let service: DirectoryService

    static let secret = "Sup3r~Secret.Value-for-tests"

    init(tenants: [String] = ["contoso.com"], users: Int = 40, configuration: DirectoryService.Configuration = .init(), state: any SyncStateStore = InMemorySyncStateStore(),
        store: InMemoryIdentityStore = InMemoryIdentityStore()
    ) async throws {
        self.state = state
        self.store = store
        var directories: [String: InMemoryDirectoryProvider] = [:]
        for (index, domain) in tenants.enumerated() {
            let tenant = TenantGenerator(configuration: .init(users: users, groups: max(2, users / 10), seed: UInt64(index + 1), domain: domain)).generate()
            let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
            connector.register(tenant: domain, clientID: Self.clientID(domain), secret: Self.secret, domains: [domain], directory: directory)
            directories[domain] = directory
        }
        self.directories = directories
        service = try await DirectoryService.open(
            store: store, state: state, secrets: secrets, connector: GatedConnector(base: connector, gate: gate), configuration: configuration,
            clock: clock.syncClock)
    }

    func credentials(_ domain: String) -> SourceCredentials { SourceCredentials(clientID: Self.clientID(domain), tenant: domain) }

    /// A distinct application id (a GUID) per domain.
    static func clientID(_ domain: String) -> String {
        let digits = domain.utf8.reduce(UInt64(1469598103934665603)) { ($0 ^ UInt64($1)) &* 1099511628211 } & 0xFFFF_FFFF_FFFF
        let hex = String(digits, radix: 16)
        return "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - hex.count) + hex
    }

    /// Adds a source for the domain, saves and tests its credentials, and turns it on.
    func readySource(_ domain: String = "contoso.com", name: String? = nil) async throws -> Source {
        let source = try await service.addSource(name: name ?? domain.capitalized, domain: domain)
        try await service.setCredentials(source.id, credentials(domain), secret: Secret(Self.secret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        return try await service.source(source.id)
    }
}
