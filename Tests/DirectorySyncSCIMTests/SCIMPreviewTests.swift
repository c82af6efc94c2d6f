import DirectorySync
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

/// The bug a new user met: right after a synchronization into a SCIM server, a preview listed one
/// `update` per group with a description, a change no synchronization makes (SCIM core groups
/// hold no description). A preview plans from the very input a synchronization plans from.
@Suite("Preview ≡ apply over a real SCIM server", .serialized)
struct SCIMPreviewTests {
    static let clientID = "00000000-0000-4000-8000-00000000c0de"
    static let secret = "Sup3r~Secret.Value-for-tests"

    @Test("after a synchronization through the service, the preview holds no change")
    func servicePreviewAfterSync() async throws {
        guard let store = try await SCIMServer.freshStore(batch: 50) else { return }
        let tenant = TenantGenerator(configuration: .init(users: 60, groups: 10, seed: 31)).generate()
        #expect(tenant.groups.contains { $0.description != nil }, "the tenant must have described groups for this test to mean anything")
        let connector = InMemoryDirectoryConnector()
        connector.register(
            tenant: "contoso.com", clientID: Self.clientID, secret: Self.secret, domains: ["contoso.com"],
            directory: InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups))
        let service = try await DirectoryService.open(
            store: store, state: InMemorySyncStateStore(), secrets: InMemorySecretStore(), connector: connector)
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, SourceCredentials(clientID: Self.clientID, tenant: "contoso.com"), secret: Secret(Self.secret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        let run = try await service.synchronize(source.id)
        #expect(run.isSuccess, "\(run.outcome)")
        try await service.turnOff(source.id)
        let preview = try await service.preview(source.id)
        let changes = preview.records.filter { ![.unchanged, .conflict, .skipped, .warning].contains($0.action) }
        #expect(changes.isEmpty, "\(changes.prefix(3).map { "\($0.action) \($0.subject)" })")
    }

    @Test("a preview equals what the synchronization applies, and after it a preview is empty (seeded)", arguments: [UInt64(41), 42])
    func previewEqualsApply(seed: UInt64) async throws {
        guard let store = try await SCIMServer.freshStore(batch: 50) else { return }
        let tenant = TenantGenerator(configuration: .init(users: 50, groups: 8, seed: seed)).generate()
        var mutator = TenantMutator(tenant)
        var random = SeededRandomNumberGenerator(seed: seed)
        let settings = SyncSettings(deletionGuard: .disabled)
        let executor = SyncExecutor(configuration: .init(maximumConcurrency: 4))
        for snapshot in [tenant.snapshot, { mutator.apply(steps: 12, using: &random); return mutator.tenant.snapshot }()] {
            let preview = try PreviewGenerator().makePreview(
                source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings, sourceIsOn: false, now: Date())
            let report = try await executor.apply(preview.plan, to: store)
            #expect(report.isSuccess, "\(report.failed.prefix(3))")
            let again = try PreviewGenerator().makePreview(
                source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings, sourceIsOn: false, now: Date())
            #expect(again.plan.operations.isEmpty, "\(again.plan.operations.prefix(3))")
        }
    }
}
