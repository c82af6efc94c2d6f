import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService over a read-only secret store (the environment, as replicas sharing etcd state use)")
struct ReadOnlySecretStoreTests {
    @Test("credentials are saved and tested with the secret the environment holds; removing a source leaves the environment as it is")
    func environmentSecrets() async throws {
        let connector = InMemoryDirectoryConnector()
        let tenant = TenantGenerator(configuration: .init(users: 12, groups: 2, seed: 4, domain: "contoso.com")).generate()
        connector.register(
            tenant: "contoso.com", clientID: ServiceHarness.clientID("contoso.com"), secret: ServiceHarness.secret, domains: ["contoso.com"],
            directory: InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups))
        let secrets = EnvironmentSecretStore(environment: ["DIRSYNC_SECRET_CONTOSO_CLIENT_SECRET": ServiceHarness.secret])
        let service = try await DirectoryService.open(store: InMemoryIdentityStore(), state: InMemorySyncStateStore(), secrets: secrets, connector: connector)
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, SourceCredentials(clientID: ServiceHarness.clientID("contoso.com"), tenant: "contoso.com"), secret: nil)
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.turnOn(source.id)
        #expect(try await service.synchronize(source.id).isSuccess)
        try await service.turnOff(source.id)
        // Failed before: removing the source's secrets threw `readOnly` and the source stayed.
        try await service.removeSource(source.id)
        #expect(await service.allSources().isEmpty)
        #expect(try await secrets.secret(for: .clientSecret(source.id, generation: 0)) != nil, "the environment is left as it is")
    }
}
