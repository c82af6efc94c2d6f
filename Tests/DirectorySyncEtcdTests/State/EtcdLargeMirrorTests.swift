import DirectorySync
import DirectorySyncEtcd
import DirectorySyncTesting
import Foundation
import Testing

/// The document a source's change tracking keeps as its base: the shape `SourceSynchronizer`
/// saves (``DirectoryMirror`` with its generation), here for a tenant of 100,000 users.
private struct MirrorDocument: Codable, Equatable {
    var generation: String
    var mirror: DirectoryMirror
}

@Suite("EtcdSyncStateStore with a 100,000-user mirror")
struct EtcdLargeMirrorTests {
    @Test("a 100,000-user mirror is written in chunks and reads back byte for byte (timings on standard error)")
    func largeMirror() async throws {
        // The default request timeout: chunk reads and writes get time for their size (review 19, #20).
        // A member of its own: 64 MiB of writes would slow the shared member that other tests'
        // short leases depend on.
        guard let member = try await EtcdServer.ownMember() else { return }
        defer { member.remove() }
        let client = try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: .seconds(30)))
        let prefix = EtcdServer.freshPrefix()
        let store = EtcdSyncStateStore(client: client, prefix: prefix)
        // The heavy encoding runs off the cooperative pool, so the etcd tests running beside this
        // one keep their lease renewals on time.
        let (document, bytes) = try await offPool {
            let tenant = TenantGenerator(configuration: .init(users: 100_000, groups: 2_000, seed: 19)).generate()
            let document = MirrorDocument(generation: "g1", mirror: DirectoryMirror(tenant.snapshot))
            return (document, try store.document(document))
        }
        let key = StateKey("contoso", "mirror")

        let clock = ContinuousClock()
        let writing = clock.now
        try await store.setData(bytes, for: key)
        let written = clock.now - writing
        let reading = clock.now
        let read = try #require(try await store.data(for: key))
        let readTime = clock.now - reading
        #expect(read == bytes)
        let decoded = try await offPool { try JSONDecoder.deterministic().decode(Envelope.self, from: read).value }
        #expect(decoded == document)

        let chunks = try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).count
        #expect(Int(chunks) == (bytes.count + EtcdSyncStateStore.largestChunk - 1) / EtcdSyncStateStore.largestChunk)
        let megabytes = Double(bytes.count) / 1_048_576
        FileHandle.standardError.write(Data(String(
            format: "📏 100,000-user mirror: %.1f MiB in %lld chunks; write %.2f s (%.1f MiB/s), read %.2f s (%.1f MiB/s)\n",
            megabytes, chunks, seconds(written), megabytes / seconds(written), seconds(readTime), megabytes / seconds(readTime)).utf8))

        // Replaced by a second replica's write: the first generation's chunks are gone.
        try await store.setData(bytes, for: key)
        #expect(try await client.range(.prefix("\(prefix)/blobs/"), keysOnly: true).count == chunks)
        try await store.remove(key)
        #expect(try await client.range(.prefix(prefix + "/"), keysOnly: true).count == 0)
    }
}

/// A saved document: the value in its format envelope.
private struct Envelope: Decodable {
    var formatVersion: Int
    var value: MirrorDocument
}

/// Runs CPU-heavy work on a Dispatch thread instead of the cooperative pool.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await ScriptedServer.offThread { Result { try work() } }.get()
}

private func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}
