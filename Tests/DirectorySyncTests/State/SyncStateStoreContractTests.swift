import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("SyncStateStoreContract on the in-memory and file stores")
struct SyncStateStoreContractTests {
    @Test("the in-memory store keeps the contract", arguments: SyncStateStoreContract.checks)
    func inMemory(_ check: SyncStateStoreContract.Check) async throws {
        try await check.run { InMemorySyncStateStore() }
    }

    @Test("the file store keeps the contract", arguments: SyncStateStoreContract.checks)
    func file(_ check: SyncStateStoreContract.Check) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-contract-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await check.run { try FileSyncStateStore(folder: folder) }
    }
}
