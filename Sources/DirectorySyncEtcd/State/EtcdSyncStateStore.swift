import DirectorySync
import Foundation

/// Saved state in etcd, under one key prefix per deployment, shared by every replica: the
/// ``DirectorySync/SyncStateStore`` of a host that runs on several processes.
///
/// ```swift
/// let client = try EtcdClient(configuration: .init(endpoints: [URL(string: "https://etcd:2379")!]))
/// let state = EtcdSyncStateStore(client: client, prefix: "/dirsync/prod")
/// ```
///
/// **Keys.** A document's head is `PREFIX/state/<source>/<name>` (`_service` for the service's own
/// state; source and name percent-encoded to letters, digits, `-` and `_`). The head is one line of
/// JSON — `{"bytes":…,"chunks":…,"crc32":…,"format":1,"generation":…}` — and then, for a document of
/// up to ``Configuration/inlineBytes``, the document itself. A larger document (a 100,000-user
/// mirror is tens of MB, etcd takes requests up to 1.5 MiB) is cut into immutable chunks of
/// ``Configuration/chunkBytes``, `PREFIX/blobs/<source>/<name>/<generation>/<000000…>`.
///
/// **Writes.** The chunks of a new generation are written first (they are invisible until a head
/// names them), then one small transaction points every head of the write at its new content —
/// conditional, for a fenced write (``setData(_:fencedBy:)``), on the run's claim or lock still being
/// held. Then the generations the heads pointed to before are deleted. A write that fails part
/// way leaves the old document in place; chunks left by a writer that died are deleted by a later
/// write of the same key once ``Configuration/abandonedGenerationAge`` has passed.
///
/// **Reads.** A read takes the head, then the chunks it names. Chunks never change, and a
/// generation is deleted only after a newer write pointed the head elsewhere, so a read sees one
/// document whole even while another replica replaces it: when it finds chunks missing, it starts
/// again from the head. (Reads are at the current revision, never at an older one that compaction
/// may have removed.) Length and CRC-32 are checked: a damaged document is reported, never decoded
/// around.
///
/// Failures are ``DirectorySync/SyncStateError``s whose underlying error is the ``EtcdError``, and
/// ``DirectorySync/SyncCoordinationError`` `claimLost` or `lockLost` for a fenced write whose claim
/// or lock was lost.
public struct EtcdSyncStateStore: SyncStateStore {
    /// How documents are laid out in etcd.
    public struct Configuration: Sendable {
        /// The size of a chunk of a large document: 1 MiB by default, and at most that (with
        /// base64 and JSON a chunk's request stays under etcd's 1.5 MiB limit).
        public var chunkBytes: Int
        /// Documents up to this size are kept in their head (one key, one request): 256 KiB by
        /// default. A write of several documents keeps at most 1 MiB inline in all, the others in chunks.
        public var inlineBytes: Int
        /// How many chunk writes run at once: 4 by default.
        public var parallelWrites: Int
        /// Chunks of a generation that no head names (their writer died before its transaction)
        /// are deleted by a later write of the same document once this old: 1 hour by default —
        /// longer than any writer takes between its first chunk and its transaction.
        public var abandonedGenerationAge: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - chunkBytes: The size of a chunk (default and most 1 MiB).
        ///   - inlineBytes: Documents up to this size stay in their head (default 256 KiB, at most 1 MiB).
        ///   - parallelWrites: Chunk writes at once (default 4).
        ///   - abandonedGenerationAge: When unreferenced chunks are deleted (default 1 hour).
        public init(
            chunkBytes: Int = EtcdSyncStateStore.largestChunk, inlineBytes: Int = 256 * 1024, parallelWrites: Int = 4,
            abandonedGenerationAge: Duration = .seconds(3_600)
        ) {
            self.chunkBytes = chunkBytes
            self.inlineBytes = inlineBytes
            self.parallelWrites = parallelWrites
            self.abandonedGenerationAge = abandonedGenerationAge
        }
    }

    /// The largest chunk: 1 MiB.
    public static let largestChunk = 1024 * 1024
    /// The most document bytes one transaction carries inline: 1 MiB.
    static let inlineBudget = 1024 * 1024
    /// The most documents one write may hold (etcd runs at most 128 operations per transaction).
    public static let maximumDocumentsPerWrite = 120
    /// Chunks read per request (about 11 MiB of JSON).
    static let chunksPerRead = 8
    /// Chunk reads at once.
    static let parallelReads = 4
    /// How often a read starts again from the head when the chunks it named were replaced meanwhile.
    static let readAttempts = 8

    /// The client.
    public let client: EtcdClient
    /// The key prefix, without a trailing `/` (such as `/dirsync/prod`).
    public let prefix: String
    /// How documents are laid out.
    public let configuration: Configuration
    private let clock: SyncClock

    /// Creates a store.
    /// - Parameters:
    ///   - client: The etcd client.
    ///   - prefix: The key prefix of this deployment (such as `/dirsync/prod`); every key the store
    ///     writes starts with it.
    ///   - configuration: Chunk sizes and parallelism.
    ///   - clock: The wall time that names generations and ages abandoned ones.
    public init(client: EtcdClient, prefix: String, configuration: Configuration = Configuration(), clock: SyncClock = .system) {
        self.client = client
        var trimmed = prefix
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.prefix = trimmed
        var configuration = configuration
        configuration.chunkBytes = min(max(1, configuration.chunkBytes), Self.largestChunk)
        configuration.inlineBytes = min(max(0, configuration.inlineBytes), Self.inlineBudget)
        configuration.parallelWrites = max(1, configuration.parallelWrites)
        self.configuration = configuration
        self.clock = clock
    }

    // MARK: Reading

    public func data(for key: StateKey) async throws -> Data? {
        let head = headKey(key)
        var attempt = 0
        while true {
            attempt += 1
            let found: EtcdRangeResult
            do {
                found = try await client.range(.key(head))
            } catch let error as EtcdError {
                throw unreadable(key, error)
            }
            guard let stored = found.keyValues.first else { return nil }
            let parsed = try Head.parse(stored.value, key: key)
            guard let generation = parsed.head.generation else { return try parsed.head.verify(parsed.inline, key: key) }
            switch try await chunks(of: key, generation: generation, count: parsed.head.chunks, bytes: parsed.head.bytes) {
            case .some(let document): return try parsed.head.verify(document, key: key)
            case .none where attempt < Self.readAttempts:
                // Replaced while read: start again from the head, after a pause that grows (a
                // writer replacing it continuously is given room; 10 ms up to about 1 s in all).
                try await Task.sleep(for: .milliseconds(10 << min(attempt - 1, 6)))
                continue
            case .none:
                throw SyncStateError.unreadable(
                    key: key.description, detail: "the chunks of generation \(generation) are missing (\(head) names them)")
            }
        }
    }

    /// The chunks of a generation, joined; `nil` when some are missing (a newer write replaced
    /// the head and deleted them since), so the read starts again. Chunks never change once
    /// written, so reading them at the current revision reads what the head named; pages of
    /// ``chunksPerRead`` are read in parallel.
    private func chunks(of key: StateKey, generation: String, count: Int, bytes: Int) async throws -> Data? {
        let pages = stride(from: 0, to: count, by: Self.chunksPerRead).map { $0..<min($0 + Self.chunksPerRead, count) }
        var parts = [Data?](repeating: nil, count: pages.count)
        let client = self.client
        let keys = pages.map { page in page.map { chunkKey(key, generation, $0) } }
        let ends = pages.map { chunkKey(key, generation, $0.upperBound) }
        // Each page's read is given time for its bytes (a page of 8 chunks is 8 MiB of values).
        let pageBytes = min(bytes, (bytes / max(1, count) + 1) * Self.chunksPerRead)
        try await withThrowingTaskGroup(of: (Int, Data?).self) { group in
            var next = 0
            func start() {
                guard next < pages.count else { return }
                let index = next
                next += 1
                group.addTask {
                    let found: EtcdRangeResult
                    do {
                        found = try await client.range(.from(keys[index][0], upTo: ends[index]), expectedBytes: pageBytes)
                    } catch let error as EtcdError {
                        throw SyncStateError(
                            .unreadable, key: key.description, detail: "The state '\(key)' cannot be read from etcd: \(error.detail)", fix: error.fix,
                            underlying: error)
                    }
                    // A generation holds its chunks and nothing else, numbered from 0 without a gap.
                    guard found.keyValues.map(\.key) == keys[index] else { return (index, nil) }
                    var joined = Data()
                    for chunk in found.keyValues { joined.append(chunk.value) }
                    return (index, joined)
                }
            }
            for _ in 0..<Self.parallelReads { start() }
            while let (index, part) = try await group.next() {
                guard let part else {
                    group.cancelAll()
                    return
                }
                parts[index] = part
                start()
            }
        }
        guard parts.allSatisfy({ $0 != nil }) else { return nil }
        var document = Data()
        for part in parts { document.append(part ?? Data()) }
        return document
    }

    // MARK: Writing

    public func setData(_ data: Data?, for key: StateKey) async throws {
        try await setData([(key: key, data: data)], fencedBy: nil)
    }

    /// Stores several documents in one etcd transaction, conditional on `fence`: every head flips
    /// to its new content, or none does.
    ///
    /// With a run's claim or a lock of an ``EtcdSyncCoordinator``, the transaction compares the
    /// claim's or lock's key with the revision that created it, so a replica that lost it (its
    /// lease expired, another replica claimed the source or took the lock) writes nothing — even
    /// when it was paused between its last check and this write. Another coordinator's fence, or an
    /// etcd coordinator's on another cluster (other endpoints), is asked first
    /// (``DirectorySync/CoordinationFence/check()``): without the comparison, one lost between that
    /// check and the write is not noticed, so keep state and coordination on one cluster.
    /// - Parameters:
    ///   - documents: The bytes per key; `nil` removes the key. A key given twice keeps the last.
    ///   - fence: The run's claim or the lock, or `nil` to write unconditionally.
    /// - Throws: ``DirectorySync/SyncCoordinationError`` `claimLost` (a run's claim) or `lockLost`
    ///   (a lock) when it is no longer held (nothing written); ``DirectorySync/SyncStateError``
    ///   `unwritable` (its underlying error the ``EtcdError``) when etcd cannot be reached or
    ///   refuses, or for more than
    ///   ``maximumDocumentsPerWrite`` documents.
    public func setData(_ documents: [(key: StateKey, data: Data?)], fencedBy fence: (any CoordinationFence)?) async throws {
        var latest: [StateKey: Int] = [:]
        for (index, document) in documents.enumerated() { latest[document.key] = index }
        let writes = documents.enumerated().filter { latest[$0.element.key] == $0.offset }.map(\.element)
        guard !writes.isEmpty else {
            try await fence?.check()
            return
        }
        guard writes.count <= Self.maximumDocumentsPerWrite else {
            throw SyncStateError.unwritable(
                key: writes[0].key.description,
                detail: "one write holds \(writes.count) documents; etcd takes at most \(Self.maximumDocumentsPerWrite) in one transaction")
        }
        // A claim held on another cluster cannot be compared here: it is asked instead.
        let etcdFence = (fence as? any EtcdFence).flatMap { $0.isOnCluster(of: client) ? $0 : nil }
        if let fence {
            if let etcdFence {
                guard etcdFence.isHeld else { throw etcdFence.lostError }
            } else {
                try await fence.check()
            }
        }

        // The new content: inline in the head while the transaction has room, else in chunks.
        var budget = Self.inlineBudget
        var planned: [Planned] = []
        for write in writes {
            guard let data = write.data else {
                planned.append(Planned(key: write.key, head: nil, generation: nil))
                continue
            }
            if data.count <= configuration.inlineBytes && data.count <= budget {
                budget -= data.count
                planned.append(Planned(key: write.key, head: Head.inline(data), generation: nil))
            } else {
                planned.append(Planned(key: write.key, head: nil, generation: newGeneration(), data: data))
            }
        }
        do {
            try await writeChunks(of: planned)
        } catch {
            await discard(planned)
            throw error
        }

        var compare: [EtcdCompare] = []
        var failure: [EtcdOperation] = []
        if let etcdFence {
            compare.append(.created(etcdFence.fenceKey, at: etcdFence.fenceRevision))
            failure.append(.range(.key(etcdFence.fenceKey)))
        }
        // A generation swept away as abandoned while its writer stalled must never become a head.
        compare += planned.compactMap { plan in plan.generation.map { .exists(chunkKey(plan.key, $0, 0)) } }
        let success: [EtcdOperation] = planned.map { plan in
            if let value = plan.headValue(chunkBytes: configuration.chunkBytes) {
                .put(key: headKey(plan.key), value: value, previous: true)
            } else {
                .delete(.key(headKey(plan.key)), previous: true)
            }
        }
        let result: EtcdTxnResult
        do {
            // Idempotent: run twice, it points the same heads at the same content; the second run's
            // previous values are this write's own generations, which are kept (below).
            result = try await client.txn(EtcdTxn(compare: compare, success: success, failure: failure), idempotent: true)
        } catch let error as EtcdError where error.code == .outcomeUnknown {
            // It may have been applied — or be applied later: its chunks are deleted only once the
            // heads are known not to name them (and then it can no longer apply: it compares them).
            switch await settle(planned) {
            case .written:
                for plan in planned where plan.generation != nil { await sweepAbandoned(plan.key, keeping: plan.generation) }
                return
            case .notWritten:
                throw unwritable(planned[0].key, error)
            case .unknown:
                throw SyncStateError(
                    .unwritable, key: planned[0].key.description,
                    detail: "The state '\(planned[0].key)' may or may not have been saved to etcd: \(error.detail)",
                    fix: "Read it back once etcd answers; a later write replaces it either way. " + error.fix, underlying: error)
            }
        } catch let error as EtcdError {
            await discard(planned)
            throw unwritable(planned[0].key, error)
        }
        guard result.succeeded else {
            await discard(planned)
            if let etcdFence, case .range(let found)? = result.results.first,
                found.keyValues.first?.createRevision != etcdFence.fenceRevision
            {
                etcdFence.markLost()
                throw etcdFence.lostError
            }
            if let fence, etcdFence == nil { try await fence.check() }
            throw SyncStateError.unwritable(
                key: planned[0].key.description,
                detail: "its new chunks were deleted as abandoned before the write completed (the writer stalled longer than abandonedGenerationAge)")
        }
        // The content the heads pointed to before: deleted now that nothing names it.
        var replaced: [(StateKey, String)] = []
        for (plan, operation) in zip(planned, result.results) {
            let previous: EtcdKeyValue?
            switch operation {
            case .put(let value): previous = value
            case .delete(_, let values): previous = values.first
            case .range: previous = nil
            }
            if let previous, let old = try? Head.parse(previous.value, key: plan.key).head.generation, old != plan.generation {
                replaced.append((plan.key, old))
            }
        }
        for (key, generation) in replaced { _ = try? await client.deleteRange(.prefix(generationPrefix(key, generation))) }
        for plan in planned where plan.generation != nil { await sweepAbandoned(plan.key, keeping: plan.generation) }
    }

    /// One document of a write, as it will be written.
    private struct Planned: Sendable {
        var key: StateKey
        /// The head of an inline document.
        var head: (Head, Data)?
        /// The generation of a chunked document.
        var generation: String?
        var data = Data()

        /// The head's value, or `nil` for a removal.
        func headValue(chunkBytes: Int) -> Data? {
            if let (head, inline) = head { return head.encoded(inline: inline) }
            guard let generation else { return nil }
            let chunks = (data.count + chunkBytes - 1) / chunkBytes
            return Head(bytes: data.count, crc32: CRC32.checksum(data), chunks: chunks, generation: generation).encoded(inline: Data())
        }
    }

    private func writeChunks(of planned: [Planned]) async throws {
        var jobs: [(key: String, value: Data, state: StateKey)] = []
        for plan in planned {
            guard let generation = plan.generation else { continue }
            var offset = 0
            var index = 0
            while offset < plan.data.count {
                let end = min(offset + configuration.chunkBytes, plan.data.count)
                jobs.append((chunkKey(plan.key, generation, index), plan.data.subdata(in: offset..<end), plan.key))
                offset = end
                index += 1
            }
        }
        let client = self.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func start() {
                guard next < jobs.count else { return }
                let job = jobs[next]
                next += 1
                group.addTask {
                    do {
                        // An immutable chunk: writing it twice is writing it once.
                        try await client.put(job.key, value: job.value, idempotent: true)
                    } catch let error as EtcdError {
                        throw unwritable(job.state, error)
                    }
                }
            }
            for _ in 0..<configuration.parallelWrites { start() }
            while try await group.next() != nil { start() }
        }
    }

    /// What became of a head transaction whose outcome is unknown.
    private enum Settled {
        /// The heads name this write's content: it was applied.
        case written
        /// The heads name none of it, and its chunks are deleted: it can no longer be applied.
        case notWritten
        /// etcd could not tell (or the heads changed meanwhile): the chunks are kept, for a later
        /// write's sweep.
        case unknown
    }

    /// Reads the heads of a write whose transaction's outcome is unknown, in one transaction. When
    /// one names this write's content, it was applied (the transaction is atomic). When none does,
    /// the new chunks are deleted — in a transaction conditional on every head being unchanged
    /// since, so chunks a head has come to name are never deleted — after which the transaction,
    /// should etcd still apply it, fails its comparison of the chunks.
    private func settle(_ planned: [Planned]) async -> Settled {
        let heads = planned.map { headKey($0.key) }
        guard let read = try? await client.txn(EtcdTxn(compare: [], success: heads.map { .range(.key($0)) }), idempotent: true) else {
            return .unknown
        }
        var compare: [EtcdCompare] = []
        var evidence = false
        for (plan, result) in zip(planned, read.results) {
            guard case .range(let found) = result else { return .unknown }
            let current = found.keyValues.first
            compare.append(EtcdCompare(key: headKey(plan.key), .modRevision(current?.modRevision ?? 0)))
            guard let value = plan.headValue(chunkBytes: configuration.chunkBytes) else { continue }
            evidence = true
            if current?.value == value { return .written }
        }
        let generations = planned.compactMap { plan in plan.generation.map { generationPrefix(plan.key, $0) } }
        guard evidence, !generations.isEmpty else { return evidence ? .notWritten : .unknown }
        let discarded = try? await client.txn(EtcdTxn(compare: compare, success: generations.map { .delete(.prefix($0)) }), idempotent: true)
        return discarded?.succeeded == true ? .notWritten : .unknown
    }

    /// Deletes the chunks of a write that did not happen (best effort: a later write sweeps them).
    private func discard(_ planned: [Planned]) async {
        for plan in planned {
            guard let generation = plan.generation else { continue }
            _ = try? await client.deleteRange(.prefix(generationPrefix(plan.key, generation)))
        }
    }

    /// Deletes the generations of a key that no head names and that are older than
    /// ``Configuration/abandonedGenerationAge`` (left by a writer that died). Best effort.
    ///
    /// The age comes from the generation's name, that is from its writer's clock, which may be
    /// skewed: so the generation the head names is never deleted, and each deletion is
    /// conditional on the head being unchanged since it was read (a head flipped meanwhile to an
    /// "old" generation keeps it).
    func sweepAbandoned(_ key: StateKey, keeping current: String?) async {
        let blobs = blobsPrefix(key)
        let head = headKey(key)
        guard let headRead = try? await client.range(.key(head)),
            let listing = try? await client.range(.prefix(blobs), keysOnly: true, limit: 100_000)
        else { return }
        let stored = headRead.keyValues.first
        let named = stored.flatMap { try? Head.parse($0.value, key: key).head.generation }
        let generations = Set(listing.keyValues.compactMap { $0.key.dropFirst(blobs.count).split(separator: "/").first.map(String.init) })
        let now = clock.now().timeIntervalSince1970
        let age = Double(configuration.abandonedGenerationAge.components.seconds)
        let unchanged = EtcdCompare(key: head, .modRevision(stored?.modRevision ?? 0))
        for generation in generations where generation != current && generation != named {
            guard let written = Self.writtenAt(generation), now - written > age else { continue }
            guard let result = try? await client.txn(
                EtcdTxn(compare: [unchanged], success: [.delete(.prefix(generationPrefix(key, generation)))]), idempotent: true),
                result.succeeded
            else { return }
        }
    }

    /// A new generation's name: the wall time in milliseconds (so abandoned ones can be aged) and
    /// a random part (so two writers never share one).
    private func newGeneration() -> String {
        let milliseconds = Int64((clock.now().timeIntervalSince1970 * 1_000).rounded(.down))
        let random = UInt64.random(in: 0...UInt64.max)
        return String(milliseconds) + "-" + String(random, radix: 16)
    }

    /// When a generation was written, in seconds since 1970, from its name.
    static func writtenAt(_ generation: String) -> Double? {
        guard let milliseconds = generation.split(separator: "-").first.flatMap({ Int64($0) }) else { return nil }
        return Double(milliseconds) / 1_000
    }

    // MARK: Keys

    /// `PREFIX/state/<owner>/<name>`.
    func headKey(_ key: StateKey) -> String { "\(prefix)/state/\(Self.owner(key))/\(EtcdKeySegment.encode(key.name))" }

    /// `PREFIX/blobs/<owner>/<name>/`.
    func blobsPrefix(_ key: StateKey) -> String { "\(prefix)/blobs/\(Self.owner(key))/\(EtcdKeySegment.encode(key.name))/" }

    func generationPrefix(_ key: StateKey, _ generation: String) -> String { blobsPrefix(key) + generation + "/" }

    func chunkKey(_ key: StateKey, _ generation: String, _ index: Int) -> String {
        generationPrefix(key, generation) + EtcdKeySegment.padded(Int64(index), width: 6)
    }

    /// The service's own state is `_service`; a source's id is encoded, and a leading `_` is
    /// encoded too, so no source is ever `_service`.
    static func owner(_ key: StateKey) -> String {
        guard let sourceID = key.sourceID else { return "_service" }
        let encoded = EtcdKeySegment.encode(sourceID.rawValue)
        return encoded.hasPrefix("_") ? "%5F" + encoded.dropFirst() : encoded
    }

    // MARK: Errors

    private func unreadable(_ key: StateKey, _ error: EtcdError) -> SyncStateError {
        SyncStateError(.unreadable, key: key.description, detail: "The state '\(key)' cannot be read from etcd: \(error.detail)", fix: error.fix, underlying: error)
    }
}

/// The errors a chunk write raises, outside the store so a child task can build them.
private func unwritable(_ key: StateKey, _ error: EtcdError) -> SyncStateError {
    SyncStateError(
        .unwritable, key: key.description, detail: "The state '\(key)' cannot be saved to etcd: \(error.detail)",
        fix: "The state saved before is kept. " + error.fix, underlying: error)
}

extension EtcdSyncStateStore {
    /// The first line of a head: what the document is and how to check it.
    struct Head: Codable, Sendable {
        /// The head's format.
        var format = 1
        /// The document's length.
        var bytes: Int
        /// The document's CRC-32.
        var crc32: UInt32
        /// How many chunks hold it (0: it follows the head line).
        var chunks: Int
        /// The chunks' generation; `nil` for a document inline in the head.
        var generation: String?

        init(bytes: Int, crc32: UInt32, chunks: Int, generation: String?) {
            self.bytes = bytes
            self.crc32 = crc32
            self.chunks = chunks
            self.generation = generation
        }

        static func inline(_ data: Data) -> (Head, Data) {
            (Head(bytes: data.count, crc32: CRC32.checksum(data), chunks: 0, generation: nil), data)
        }

        func encoded(inline: Data) -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            // Encoding five plain fields cannot fail.
            var value = (try? encoder.encode(self)) ?? Data()
            value.append(UInt8(ascii: "\n"))
            value.append(inline)
            return value
        }

        /// The head and what follows its line.
        static func parse(_ value: Data, key: StateKey) throws -> (head: Head, inline: Data) {
            guard let newline = value.firstIndex(of: UInt8(ascii: "\n")),
                let head = try? JSONDecoder().decode(Head.self, from: value[value.startIndex..<newline])
            else {
                throw SyncStateError.unreadable(key: key.description, detail: "its etcd head is not a DirectorySync state head")
            }
            guard head.format == 1 else {
                throw SyncStateError(
                    .unsupportedFormatVersion, key: key.description,
                    detail: "The state '\(key)' is kept in etcd in layout \(head.format), but this version of DirectorySync reads layout 1",
                    fix: "Upgrade DirectorySync.")
            }
            guard head.bytes >= 0, head.chunks >= 0, (head.generation == nil) == (head.chunks == 0) else {
                throw SyncStateError.unreadable(key: key.description, detail: "its etcd head is inconsistent")
            }
            return (head, Data(value[value.index(after: newline)...]))
        }

        /// The document, when its length and checksum are the head's.
        func verify(_ document: Data, key: StateKey) throws -> Data {
            guard document.count == bytes, CRC32.checksum(document) == crc32 else {
                throw SyncStateError.unreadable(
                    key: key.description, detail: "the document read from etcd is damaged (\(document.count) bytes where \(bytes) were written, or a wrong checksum)")
            }
            return document
        }
    }
}
