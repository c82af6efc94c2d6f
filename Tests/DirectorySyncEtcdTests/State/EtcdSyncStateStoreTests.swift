import DirectorySync
@testable import DirectorySyncEtcd
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("EtcdSyncStateStore")
struct EtcdSyncStateStoreTests {
    @Test("the etcd store keeps the SyncStateStore contract", arguments: SyncStateStoreContract.checks)
    func contract(_ check: SyncStateStoreContract.Check) async throws {
        guard let client = try await EtcdServer.client() else { return }
        try await check.run { EtcdSyncStateStore(client: client, prefix: EtcdServer.freshPrefix()) }
    }

    @Test("keys: heads under PREFIX/state, chunks under PREFIX/blobs/<owner>/<name>/<generation>/; small documents inline, large ones in 1 MiB chunks")
    func layout() async throws {
        guard let client = try await EtcdServer.client() else { return }
        let prefix = EtcdServer.freshPrefix()
        let store = EtcdSyncStateStore(client: client, prefix: prefix + "/")
        #expect(store.prefix == prefix)
        try await store.setData(Data("small".utf8), for: StateKey("contoso", "tracking"))
        try await store.setData(Data("sources".utf8), for: .service("sources"))
        try await store.setData(Data("x".utf8), for: StateKey("_service", "odd/name"))
        let large = Data(repeating: 1, count: 2 * 1024 * 1024 + 10)
        try await store.setData(large, for: StateKey("contoso", "mirror"))

        let keys = try await client.range(.prefix(prefix + "/"), keysOnly: true).keyValues.map(\.key)
        let heads = keys.filter { $0.hasPrefix(prefix + "/state/") }
        #expect(heads == ["\(prefix)/state/%5Fservice/odd%2Fname", "\(prefix)/state/_service/sources", "\(prefix)/state/contoso/mirror", "\(prefix)/state/contoso/tracking"])
        let chunks = keys.filter { $0.hasPrefix(prefix + "/blobs/") }
        #expect(chunks.count == 3)
        #expect(chunks.allSatisfy { $0.hasPrefix("\(prefix)/blobs/contoso/mirror/") })
        #expect(chunks.map { $0.split(separator: "/").last.map(String.init) } == ["000000", "000001", "000002"])

        let inline = try #require(try await client.range(.key("\(prefix)/state/contoso/tracking")).keyValues.first)
        #expect(String(decoding: inline.value, as: UTF8.self) == #"{"bytes":5,"chunks":0,"crc32":1967516179,"format":1}"# + "\nsmall")
        let head = try #require(try await client.range(.key("\(prefix)/state/contoso/mirror")).keyValues.first)
        let text = String(decoding: head.value, as: UTF8.self)
        #expect(text.hasPrefix(#"{"bytes":2097162,"chunks":3,"crc32":"#) && text.hasSuffix("\n") && text.contains(#""generation":""#))
        #expect(try await store.data(for: StateKey("contoso", "mirror")) == large)
    }

    @Test("replacing a chunked document deletes the old generation; removing it deletes its chunks; nothing is left behind")
    func generations() async throws {
        guard let client = try await EtcdServer.client() else { return }
        let prefix = EtcdServer.freshPrefix()
        let store = EtcdSyncStateStore(client: client, prefix: prefix, configuration: .init(chunkBytes: 1000, inlineBytes: 0))
        let key = StateKey("contoso", "mirror")
        for round in 0..<3 {
            try await store.setData(Data(repeating: UInt8(round), count: 2_500 + round), for: key)
            let chunks = try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).keyValues.map(\.key)
            #expect(chunks.count == 3)
            #expect(Set(chunks.map { $0.split(separator: "/").dropLast().last }).count == 1)
        }
        // Another replica with the default layout writes it inline.
        try await EtcdSyncStateStore(client: client, prefix: prefix).setData(Data("small now".utf8), for: key)
        #expect(try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).keyValues.isEmpty)
        try await store.setData(Data(repeating: 9, count: 5_000), for: key)
        try await store.remove(key)
        #expect(try await client.range(.prefix(prefix + "/"), keysOnly: true).keyValues.isEmpty)
    }

    @Test("chunks a writer left when it died are swept by a later write once they are old; fresh ones are kept")
    func abandonedChunks() async throws {
        guard let client = try await EtcdServer.client() else { return }
        let prefix = EtcdServer.freshPrefix()
        let clock = TestClock()
        let store = EtcdSyncStateStore(client: client, prefix: prefix, configuration: .init(chunkBytes: 1000, inlineBytes: 0), clock: clock.syncClock)
        let key = StateKey("contoso", "mirror")
        let now = Int64(clock.now.timeIntervalSince1970 * 1_000)
        let old = "\(now - 7_200_000)-dead"
        let fresh = "\(now - 60_000)-inflight"
        for generation in [old, fresh] {
            try await client.put(store.chunkKey(key, generation, 0), value: Data("orphan".utf8))
        }
        try await store.setData(Data(repeating: 3, count: 1_500), for: key)
        let generations = Set(try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).keyValues.compactMap { $0.key.split(separator: "/").dropLast().last.map(String.init) })
        #expect(!generations.contains(old))
        #expect(generations.contains(fresh))
        #expect(generations.count == 2)
        #expect(try await store.data(for: key) == Data(repeating: 3, count: 1_500))
    }

    @Test("a reader never sees half of a document while other replicas replace it")
    func readersSeeWholeDocuments() async throws {
        guard let client = try await EtcdServer.client() else { return }
        let prefix = EtcdServer.freshPrefix()
        let key = StateKey("contoso", "mirror")
        let documents = (0..<4).map { Data(repeating: UInt8($0), count: 9_000 + $0) }
        let writer = EtcdSyncStateStore(client: client, prefix: prefix, configuration: .init(chunkBytes: 1000, inlineBytes: 0))
        try await writer.setData(documents[0], for: key)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for round in 1..<24 { try await writer.setData(documents[round % 4], for: key) }
            }
            group.addTask {
                let reader = EtcdSyncStateStore(client: try EtcdClient(configuration: client.configuration), prefix: prefix)
                for _ in 0..<40 {
                    let read = try #require(try await reader.data(for: key))
                    #expect(documents.contains(read))
                }
            }
            try await group.waitForAll()
        }
    }

    @Test("a damaged or foreign head, or a chunk that went missing, is reported as unreadable, never decoded around")
    func damage() async throws {
        guard let client = try await EtcdServer.client() else { return }
        let prefix = EtcdServer.freshPrefix()
        let store = EtcdSyncStateStore(client: client, prefix: prefix, configuration: .init(chunkBytes: 1000, inlineBytes: 0))
        let key = StateKey("contoso", "history")
        let head = "\(prefix)/state/contoso/history"
        for value in ["not a head", #"{"bytes":5,"chunks":0,"crc32":1,"format":1}"# + "\nsmall", #"{"bytes":9,"chunks":0,"crc32":1967516179,"format":1}"# + "\nsmall"] {
            try await client.put(head, value: Data(value.utf8))
            await #expect(throws: SyncStateError.self) { try await store.data(for: key) }
        }
        try await client.put(head, value: Data((#"{"bytes":5,"chunks":0,"crc32":1967516179,"format":2}"# + "\nsmall").utf8))
        do {
            _ = try await store.data(for: key)
            Issue.record("a head of a newer layout was read")
        } catch let error as SyncStateError {
            #expect(error.code == .unsupportedFormatVersion)
        }
        try await store.setData(Data(repeating: 5, count: 3_000), for: key)
        let chunk = try #require(try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).keyValues.dropFirst().first?.key)
        try await client.deleteRange(.key(chunk))
        do {
            _ = try await store.data(for: key)
            Issue.record("a document with a missing chunk was read")
        } catch let error as SyncStateError {
            #expect(error.code == .unreadable)
        }
        try await client.put(chunk, value: Data(repeating: 6, count: 1_000))
        await #expect(throws: SyncStateError.self) { try await store.data(for: key) }
    }

    @Test("every request the store sends stays under etcd's 1.5 MiB, and every transaction under 128 operations")
    func requestSizes() async throws {
        guard let member = try await EtcdServer.member() else { return }
        let spy = SpyTransport(LoopbackHTTPTransport())
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)), transport: spy)
        let store = EtcdSyncStateStore(client: client, prefix: EtcdServer.freshPrefix())
        let documents: [(key: StateKey, data: Data?)] = (0..<EtcdSyncStateStore.maximumDocumentsPerWrite).map { index in
            (StateKey(SourceID("s\(index)"), "tracking"), Data(repeating: UInt8(index), count: index == 0 ? 3_000_000 : 200_000))
        }
        try await store.setData(documents, fencedBy: nil)
        for document in documents.prefix(5) { #expect(try await store.data(for: document.key) == document.data) }
        #expect(try await store.data(for: documents.last!.key) == documents.last!.data)
        #expect(spy.largestRequest < 1_572_864)
        let tooMany = (0...EtcdSyncStateStore.maximumDocumentsPerWrite).map { (key: StateKey("s", "k\($0)"), data: Optional(Data())) }
        await #expect(throws: SyncStateError.self) { try await store.setData(tooMany, fencedBy: nil) }
    }

    @Test("etcd down: reads and writes fail with SyncStateError whose underlying error is the EtcdError")
    func unavailable() async throws {
        // Port 1: nothing listens there (a port that was free a moment ago may be another test's server by now).
        let client = try EtcdClient(configuration: .init(endpoints: [URL(string: "http://127.0.0.1:1")!], requestTimeout: .seconds(1)))
        let store = EtcdSyncStateStore(client: client, prefix: "/x")
        for operation in [{ _ = try await store.data(for: .service("sources")) }, { try await store.setData(Data("x".utf8), for: .service("sources")) }] {
            do {
                try await operation()
                Issue.record("succeeded without etcd")
            } catch let error as SyncStateError {
                #expect((error.underlying as? EtcdError)?.code == .unavailable)
                #expect(error.healsByItself)
            }
        }
    }
}

/// Passes requests on and remembers the largest body.
final class SpyTransport: HTTPTransport {
    private let base: any HTTPTransport
    private let largest = Locked(0)

    init(_ base: any HTTPTransport) { self.base = base }

    var largestRequest: Int { largest.withLock { $0 } }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        largest.withLock { $0 = max($0, request.body?.count ?? 0) }
        return try await base.send(request)
    }
}
