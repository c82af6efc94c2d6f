import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation

/// A Graph emulator loaded with a tenant, and providers pointed at it.
struct GraphHarness {
    let emulator: GraphEmulator
    let credentials: EmulatorCredentials
    let tenant: GeneratedTenant
    let clock: EmulatorClock
    let sleeps = Locked<[Duration]>([])

    init(users: Int = 150, groups: Int = 12, roles: [String] = ["Directory.Read.All"], cloud: EmulatedTenant.Cloud = .commercial,
         configuration: GraphEmulator.Configuration = .init(), seed: UInt64 = 5) {
        self.init(
            tenant: TenantGenerator(configuration: .init(users: users, groups: groups, seed: seed)).generate(), roles: roles, cloud: cloud,
            configuration: configuration)
    }

    /// An emulator loaded with the given tenant.
    init(tenant: GeneratedTenant, roles: [String] = ["Directory.Read.All"], cloud: EmulatedTenant.Cloud = .commercial,
         configuration: GraphEmulator.Configuration = .init()) {
        clock = EmulatorClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        emulator = GraphEmulator(configuration: configuration, clock: clock)
        self.tenant = tenant
        credentials = emulator.load(tenant, cloud: cloud, roles: roles)
    }

    var endpoints: EntraEndpoints {
        EntraEndpoints(login: URL(string: "https://login.emulator.test")!, graph: URL(string: "https://graph.emulator.test/v1.0")!)
    }

    var entraCredentials: EntraCredentials {
        EntraCredentials(tenant: credentials.domain, clientID: credentials.clientID, clientSecret: Secret(credentials.clientSecret))
    }

    /// A retry clock that records waits instead of sleeping.
    var retryClock: RetryClock {
        let sleeps = self.sleeps
        return RetryClock(now: { sleeps.withLock { $0.reduce(.zero, +) } }, wallNow: { Date(timeIntervalSince1970: 1_790_000_000) },
                          sleep: { duration in try Task.checkCancellation(); sleeps.withLock { $0.append(duration) } }, random: { 0.5 })
    }

    func provider(
        credentials: EntraCredentials? = nil, endpoints: EntraEndpoints? = nil, transport: (any HTTPTransport)? = nil,
        strategy: GraphDirectoryProvider.Configuration.MembershipStrategy = .groupDelta, allowsNationalClouds: Bool = false,
        pageSize: Int = 999
    ) -> GraphDirectoryProvider {
        let clock = self.clock
        return GraphDirectoryProvider(
            configuration: .init(
                credentials: credentials ?? entraCredentials, endpoints: endpoints ?? self.endpoints,
                allowsNationalClouds: allowsNationalClouds, pageSize: pageSize, membershipStrategy: strategy,
                retryClock: retryClock, now: { clock.now }),
            transport: transport ?? EmulatorTransport(emulator))
    }

    /// A service over an in-memory store reading this tenant through `transport` (the emulator by
    /// default), with a source "Contoso" for its domain, not yet configured, and the credentials to save.
    func service(transport: (any HTTPTransport)? = nil) async throws -> (service: DirectoryService, store: InMemoryIdentityStore, source: Source, credentials: SourceCredentials) {
        let clock = self.clock
        let connector = GraphDirectoryConnector(configuration: .init(
            transport: transport ?? EmulatorTransport(emulator), retryClock: retryClock, now: { clock.now }))
        let store = InMemoryIdentityStore()
        let service = try await DirectoryService.open(
            store: store, state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector,
            clock: .init(now: { clock.now }, sleep: { _ in }))
        let source = try await service.addSource(name: "Contoso", domain: credentials.domain, description: "Entra tenant")
        let saved = SourceCredentials(clientID: credentials.clientID, tenant: credentials.domain, loginURL: endpoints.login, graphURL: endpoints.graph)
        return (service, store, source, saved)
    }
}
