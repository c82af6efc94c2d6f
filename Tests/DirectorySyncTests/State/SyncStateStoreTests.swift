import DirectorySync
import Foundation
import Testing

/// One contract for every `SyncStateStore`.
@Suite("SyncStateStore contract and the file store")
struct SyncStateStoreTests {
    enum Kind: String, CaseIterable, CustomStringConvertible {
        case inMemory, file
        var description: String { rawValue }
        func make() throws -> any SyncStateStore {
            switch self {
            case .inMemory: InMemorySyncStateStore()
            case .file: try FileSyncStateStore(folder: FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)"))
            }
        }
    }

    @Test("bytes round-trip, are replaced whole, and can be removed", arguments: Kind.allCases)
    func roundTrip(_ kind: Kind) async throws {
        let store = try kind.make()
        let key = StateKey("contoso", "delta")
        #expect(try await store.data(for: key) == nil)
        try await store.setData(Data("one".utf8), for: key)
        try await store.setData(Data("two".utf8), for: key)
        #expect(try await store.data(for: key) == Data("two".utf8))
        #expect(try await store.data(for: StateKey("fabrikam", "delta")) == nil)
        try await store.remove(key)
        #expect(try await store.data(for: key) == nil)
        try await store.remove(key)
    }

    @Test("a preview survives a restart until it expires", arguments: Kind.allCases)
    func previews(_ kind: Kind) async throws {
        let store = try kind.make()
        let (preview, _, _) = try await samplePreview(users: 60)
        try await store.savePreview(preview)
        let loaded = try #require(try await store.preview(for: source))
        #expect(loaded == preview)
        #expect(try await store.preview(for: "other") == nil)
    }

    @Test("the service's own state and a source's never share a place, whatever the source's id", arguments: Kind.allCases)
    func serviceKeyApart(_ kind: Kind) async throws {
        let store = try kind.make()
        try await store.setData(Data("service".utf8), for: .service("sources"))
        for id in ["_service", "_x", "service", "%5Fservice"] {
            try await store.setData(Data(id.utf8), for: StateKey(SourceID(id), "sources"))
        }
        #expect(try await store.data(for: .service("sources")) == Data("service".utf8))
        for id in ["_service", "_x", "service", "%5Fservice"] {
            #expect(try await store.data(for: StateKey(SourceID(id), "sources")) == Data(id.utf8))
        }
        #expect(StateKey.service("sources").description == "service/sources")
    }

    @Test("documents from a newer format version are refused with a clear error", arguments: Kind.allCases)
    func newerFormat(_ kind: Kind) async throws {
        let store = try kind.make()
        try await store.setData(Data(#"{"formatVersion":99,"value":{}}"#.utf8), for: .preview(source))
        await #expect(throws: SyncStateError.unsupportedFormatVersion(found: 99, supported: 2, key: "contoso/preview")) {
            try await store.preview(for: source)
        }
        try await store.setData(Data("not json".utf8), for: .preview(source))
        await #expect(throws: SyncStateError.self) { try await store.preview(for: source) }
    }

    @Test("a file store is read by a later process: another instance on the same folder")
    func restart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let (preview, _, _) = try await samplePreview(users: 40)
        try await FileSyncStateStore(folder: folder).savePreview(preview)
        #expect(try await FileSyncStateStore(folder: folder).preview(for: source) == preview)
        let attributes = try FileManager.default.attributesOfItem(atPath: folder.appendingPathComponent("contoso/preview.json").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
    }

    @Test("a damaged document is reported (never decoded around) and left as it is; documents written before the framing still read")
    func damagedDocument() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try FileSyncStateStore(folder: folder)
        let key = StateKey("contoso", "history")
        try await store.save(["a run", "another run"], for: key)
        let file = folder.appendingPathComponent("contoso/history.json")
        var bytes = try Data(contentsOf: file)
        for position in [0, 9, 30, bytes.count - 3] {
            var damaged = bytes
            damaged[position] ^= 0x04
            try damaged.write(to: file)
            await #expect(throws: SyncStateError.self, "byte \(position)") { try await store.load([String].self, for: key) }
            #expect(try Data(contentsOf: file) == damaged)
        }
        // A document cut short, or followed by zero bytes: the message says which.
        for (damaged, expected) in [
            (bytes.prefix(25), "history.json' is cut short: it is 25 bytes long, and its document, from byte 0, is not whole"),
            (bytes + Data(count: 4), "history.json' has 4 bytes after its document, from byte \(bytes.count)"),
        ] {
            try damaged.write(to: file)
            do {
                _ = try await store.load([String].self, for: key)
                Issue.record("read a damaged document: \(expected)")
            } catch let error as SyncStateError {
                #expect(error.detail.contains(expected), "\(error)")
            }
        }
        bytes = try JSONSerialization.data(withJSONObject: ["formatVersion": 1, "value": ["legacy"]] as [String: Any])
        try bytes.write(to: file)
        #expect(try await store.load([String].self, for: key) == ["legacy"])
    }

    @Test("keys cannot reach outside the folder")
    func pathSafety() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try FileSyncStateStore(folder: folder)
        try await store.setData(Data("x".utf8), for: StateKey("../../etc", "../passwd"))
        let files = FileManager.default.enumerator(atPath: folder.path)?.compactMap { $0 as? String } ?? []
        #expect(files.allSatisfy { !$0.contains("..") })
        #expect(try await store.data(for: StateKey("../../etc", "../passwd")) == Data("x".utf8))
    }

    @Test("concurrent writers never leave a mixed or half-written file")
    func concurrentWriters() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let key = StateKey("contoso", "history")
        let payloads = (0..<8).map { n in Data(String(repeating: "\(n)", count: 200_000).utf8) }
        await withTaskGroup(of: Void.self) { group in
            for payload in payloads {
                group.addTask {
                    // Separate instances, as separate processes would have.
                    let store = try! FileSyncStateStore(folder: folder)
                    for _ in 0..<5 { try! await store.setData(payload, for: key) }
                }
            }
        }
        let final = try #require(try await FileSyncStateStore(folder: folder).data(for: key))
        #expect(payloads.contains(final))
    }
}
