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
    /// The one clock of the emulator, the providers (tokens, retries) and the services: fixed
    /// until moved, and recording the retries' waits instead of sleeping.
    let clock: TestClock

    init(users: Int = 150, groups: Int = 12, roles: [String] = ["Directory.Read.All"], cloud: EmulatedTenant.Cloud = .commercial,
         configuration: GraphEmulator.Configuration = .init(), seed: UInt64 = 5) {
        self.init(
            tenant: TenantGenerator(configuration: .init(users: users, groups: groups, seed: seed)).generate(), roles: roles, cloud: cloud,
            configuration: configuration)
    }

    /// An emulator loaded with the given tenant, verified in `otherDomains` too, with the users of
    /// `synchronizedDomains` synchronized from on-premises Active Directory.
    init(tenant: GeneratedTenant, roles: [String] = ["Directory.Read.All"], cloud: EmulatedTenant.Cloud = .commercial,
         configuration: GraphEmulator.Configuration = .init(), otherDomains: [String] = [], synchronizedDomains: [String] = []) {
        clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        emulator = GraphEmulator(configuration: configuration, clock: clock)
        self.tenant = tenant
        credentials = emulator.load(tenant, cloud: cloud, roles: roles, otherDomains: otherDomains, synchronizedDomains: synchronizedDomains)
    }

    var endpoints: EntraEndpoints {
        EntraEndpoints(login: URL(string: "https://login.emulator.test")!, graph: URL(string: "https://graph.emulator.test/v1.0")!)
    }

    /// The emulated tenant's credentials (the connector's default endpoints apply).
    var sourceCredentials: SourceCredentials { SourceCredentials(clientID: credentials.clientID, tenant: credentials.domain) }

    /// The emulated application's client secret.
    var secret: Secret { Secret(credentials.clientSecret) }

    /// Every retry wait so far.
    var sleeps: [Duration] { clock.sleeps }

    /// The default retry policy with a constant jitter, so waits are exact.
    static let retryPolicy = RetryPolicy(jitter: { 0.5 })

    /// The providers' configuration: the emulator's endpoints and the harness's clock.
    func configuration(
        endpoints: EntraEndpoints? = nil, strategy: GraphDirectoryProvider.Configuration.MembershipStrategy = .groupDelta,
        allowsNationalClouds: Bool = false, pageSize: Int = 999, retryPolicy: RetryPolicy = GraphHarness.retryPolicy
    ) -> GraphDirectoryProvider.Configuration {
        GraphDirectoryProvider.Configuration(
            endpoints: endpoints ?? self.endpoints, allowsNationalClouds: allowsNationalClouds, pageSize: pageSize, membershipStrategy: strategy,
            retryPolicy: retryPolicy, clock: clock.syncClock)
    }

    func provider(
        credentials: SourceCredentials? = nil, secret: Secret? = nil, endpoints: EntraEndpoints? = nil, transport: (any HTTPTransport)? = nil,
        strategy: GraphDirectoryProvider.Configuration.MembershipStrategy = .groupDelta, allowsNationalClouds: Bool = false,
        pageSize: Int = 999
    ) -> GraphDirectoryProvider {
        GraphDirectoryProvider(
            credentials: credentials ?? sourceCredentials, secret: secret ?? self.secret,
            configuration: configuration(endpoints: endpoints, strategy: strategy, allowsNationalClouds: allowsNationalClouds, pageSize: pageSize),
            transport: transport ?? EmulatorTransport(emulator))
    }

    /// A service over an in-memory store reading this tenant through `transport` (the emulator by
    /// default), with a source "Contoso" for its domain, not yet configured, and the credentials to save.
    func service(transport: (any HTTPTransport)? = nil, state: any SyncStateStore = InMemorySyncStateStore()) async throws
        -> (service: DirectoryService, store: InMemoryIdentityStore, source: Source, credentials: SourceCredentials)
    {
        let connector = GraphDirectoryConnector(configuration: .init(provider: configuration(), transport: transport ?? EmulatorTransport(emulator)))
        let store = InMemoryIdentityStore()
        let service = try await DirectoryService.open(
            store: store, state: state, secrets: InMemorySecretStore(), connector: connector, clock: clock.syncClock)
        let source = try await service.addSource(name: "Contoso", domain: credentials.domain, description: "Entra tenant")
        let saved = SourceCredentials(clientID: credentials.clientID, tenant: credentials.domain, loginURL: endpoints.login, graphURL: endpoints.graph)
        return (service, store, source, saved)
    }
}
