import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A store that cannot hold everything (a SCIM server's groups have no description) must get the
/// same plan from a preview as from a synchronization: what it cannot hold is never a change.
@Suite("Preview ≡ apply over a store that holds less than everything")
struct PreviewStoreCapabilityTests {
    static let limited = IdentityStoreCapabilities(groupDescriptions: false)

    /// Records that change the store (warnings and conflicts are reported again by every plan).
    static func isChange(_ action: PreviewRecord.Action) -> Bool {
        ![.unchanged, .conflict, .skipped, .warning].contains(action)
    }

    @Test("after a synchronization, the service's preview lists no change for group descriptions the store cannot hold")
    func servicePreviewAfterSync() async throws {
        let harness = try await ServiceHarness(users: 60, store: InMemoryIdentityStore(capabilities: Self.limited))
        let source = try await harness.readySource()
        let run = try await harness.service.synchronize(source.id)
        #expect(run.isSuccess)
        let described = try await harness.store.contents().groups.filter { $0.profile.description != nil }
        #expect(described.isEmpty, "the limited store keeps no description")
        try await harness.service.turnOff(source.id)
        let preview = try await harness.service.preview(source.id)
        let changes = preview.records.filter { Self.isChange($0.action) }
        #expect(changes.isEmpty, "\(changes.prefix(3).map { "\($0.action) \($0.subject)" })")
    }

    @Test("a generated preview equals what the synchronization applies over a limited store", arguments: Array(UInt64(1)...4))
    func generatedPreviewEqualsApply(seed: UInt64) async throws {
        let tenant = TenantGenerator(configuration: .init(users: 80, groups: 8, seed: seed)).generate()
        let store = InMemoryIdentityStore(capabilities: Self.limited)
        var mutator = TenantMutator(tenant)
        var random = SeededRandomNumberGenerator(seed: seed)
        let settings = SyncSettings(deletionGuard: .disabled)
        for snapshot in [tenant.snapshot, { mutator.apply(steps: 15, using: &random); return mutator.tenant.snapshot }()] {
            let preview = try PreviewGenerator().makePreview(
                source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings, sourceIsOn: false, now: previewNow)
            let report = try await SyncExecutor().apply(preview.plan, to: store)
            #expect(report.isSuccess)
            let again = try PreviewGenerator().makePreview(
                source: "contoso", directory: snapshot, store: try await store.contents(), settings: settings, sourceIsOn: false, now: previewNow)
            let changes = again.records.filter { Self.isChange($0.action) }
            #expect(changes.isEmpty, "\(changes.prefix(3).map { "\($0.action) \($0.subject)" })")
            #expect(again.plan.operations.isEmpty)
        }
    }
}
