import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("SecretStore: the contract for every implementation")
struct SecretStoreContractTests {
    @Test("InMemorySecretStore", arguments: SecretStoreContract.checks)
    func inMemory(_ check: SecretStoreContract.Check) async throws {
        try await check.run { seeded in (InMemorySecretStore(seeded), true) }
    }

    @Test("FileSecretStore", arguments: SecretStoreContract.checks)
    func file(_ check: SecretStoreContract.Check) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try await check.run { seeded in
            let store = try FileSecretStore(folder: folder)
            for (key, secret) in seeded { try await store.setSecret(secret, for: key) }
            return (store, true)
        }
    }

    @Test("EnvironmentSecretStore", arguments: SecretStoreContract.checks)
    func environment(_ check: SecretStoreContract.Check) async throws {
        try await check.run { seeded in
            let probe = EnvironmentSecretStore(environment: [:])
            let variables = Dictionary(uniqueKeysWithValues: seeded.map { (probe.variableName(for: $0.key), $0.value.reveal()) })
            return (EnvironmentSecretStore(environment: variables), false)
        }
    }
}

@Suite("FileSecretStore and EnvironmentSecretStore specifics")
struct SecretStoreFileTests {
    @Test("the folder is 0700, each file 0600, and a key cannot escape the folder")
    func permissions() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("secrets-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try FileSecretStore(folder: folder)
        try await store.setSecret(Secret("value"), for: SecretKey("../../escape"))
        let folderMode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? Int
        #expect(folderMode == 0o700)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(files.count == 1)
        let file = try #require(files.first)
        #expect(!file.contains("/") && file.hasSuffix(".secret"))
        let fileMode = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent(file).path)[.posixPermissions] as? Int
        #expect(fileMode == 0o600)
        #expect(try await store.secret(for: SecretKey("../../escape"))?.reveal() == "value")
    }

    @Test("environment variable names are derived from the key")
    func variableNames() {
        #expect(EnvironmentSecretStore().variableName(for: .clientSecret("contoso-eu")) == "DIRSYNC_SECRET_CONTOSO_EU_CLIENT_SECRET")
    }
}
