import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An identity store kept in a folder: the rules of ``InMemoryIdentityStore``, made durable and
/// verifiable.
///
/// Every successful write is appended to `identities.log` before the call returns, as a record
/// that carries its length and a CRC-32 of its contents; opening the store for writing replays the
/// log onto the base (`identities.base`) and compacts both: the new base is written whole and synced
/// under a temporary name before it replaces the old one, and only then is the log replaced.
///
/// The store never guesses. Opening it fails with ``IdentityStoreError`` (`damaged`) — and
/// changes no file — when a file is damaged anywhere, and with
/// ``IdentityStoreError`` (`unavailable`) when a file cannot be read or is not trusted (owned by
/// another user, or writable by others). The one thing tolerated is a last log record cut short by
/// a crash while it was written: it was never acknowledged, so readers skip it, and a writer
/// drops it when it compacts, after keeping a copy in `backup/`. ``check(folder:)`` reports damage
/// and ``repair(folder:)`` keeps every write before it.
///
/// One writer at a time: the folder is locked while a store is open for writing (``close()`` or
/// releasing the store unlocks it). Any number of read-only openers may read meanwhile; they see
/// every write acknowledged before they opened. Files and the folder are owner-only.
///
/// ```swift
/// let store = try await FileIdentityStore.open(folder: stateFolder.appendingPathComponent("store"))
/// ```
public final class FileIdentityStore: IdentityStore {
    /// Whether a store may write.
    public enum Access: Sendable {
        /// Reads and writes; one such opener at a time.
        case readWrite
        /// Reads only: takes no lock, writes nothing; writes fail with ``IdentityStoreError`` (`forbidden`).
        case readOnly
    }

    /// The folder holding the store.
    public let folder: URL
    /// Whether the store may write.
    public let access: Access
    let inner: InMemoryIdentityStore
    private let log: Locked<LogState>

    private struct LogState {
        var handle: FileHandle?
        var lock: Int32 = -1
        var generation = 0
        /// The checksum of the log's last record, which the next one chains to.
        var lastChecksum: UInt32 = 0
        /// Bytes appended since the last compaction, and the size that triggers the next one.
        var appended = 0
        var compactionThreshold = FileIdentityStore.minimumCompactionThreshold
        /// A write already started the compaction that the log's size calls for.
        var compactionClaimed = false
        var failure: String?
    }

    /// A writer compacts once its log has grown by this many bytes or twice the base's size,
    /// whichever is more, so a long-running process never lets the log grow without bound while
    /// the cost of compacting stays proportional to what was written.
    static let minimumCompactionThreshold = 64 * 1024 * 1024

    private init(folder: URL, access: Access, inner: InMemoryIdentityStore, log: Locked<LogState>) {
        self.folder = folder
        self.access = access
        self.inner = inner
        self.log = log
    }

    deinit { close() }

    /// Opens (or, for writing, creates) the store in `folder`.
    /// - Parameters:
    ///   - folder: The folder.
    ///   - access: Whether the store may write (the default) or only read.
    /// - Returns: The store.
    /// - Throws: ``IdentityStoreError`` with code `damaged` when a file is damaged (nothing is
    ///   changed), or `unavailable` when the folder is in use by another writer, or a file cannot be
    ///   read, written or trusted.
    public static func open(folder: URL, access: Access = .readWrite) async throws -> FileIdentityStore {
        let files = IdentityStoreFiles(folder: folder)
        let log = Locked(LogState())
        if access == .readWrite {
            try prepare(folder)
            let lock = try lockFolder(folder)
            log.withLock { $0.lock = lock }
        }
        // A write the log cannot take makes the store fail every later call: never a silent gap.
        // The store's actor calls the journal one write at a time, so one encoder serves them all.
        let encoder = JSONEncoder()
        let inner = InMemoryIdentityStore(journal: { change in
            let payload = try? encoder.encode(change)
            log.withLock { state in
                guard state.failure == nil else { return }
                guard let handle = state.handle, let payload else {
                    state.failure = "the store's log is not open, or a change could not be encoded"
                    return
                }
                do {
                    let record = RecordFile.frame(payload, after: state.lastChecksum)
                    try handle.write(contentsOf: record.bytes)
                    state.lastChecksum = record.checksum
                    state.appended += record.bytes.count
                } catch {
                    state.failure = "the store's log could not be written (\(error.localizedDescription))"
                }
            }
        })
        let store = FileIdentityStore(folder: folder, access: access, inner: inner, log: log)
        let reading = try unavailable(folder) { try files.read() }
        try refuseNewer(reading, folder: folder)
        if let damage = reading.damage {
            throw IdentityStoreError(
                .damaged, detail: "'\(damage.part.path)' is damaged at byte \(damage.offset) (record \(damage.record)): \(damage.reason)")
        }
        for change in reading.changes { await inner.replay(change) }
        log.withLock { $0.generation = reading.base?.generation ?? 0 }
        guard access == .readWrite else { return store }
        if let torn = reading.tornLogOffset {
            try unavailable(folder) { try backUp([files.log], in: folder, note: "generation-\(reading.log?.generation ?? 0)-torn-log-at-\(torn)") }
        }
        try await store.compact()
        // What a crash left: the earlier format's base (now folded in), a compaction's temporary files.
        try? FileManager.default.removeItem(at: files.legacyBase)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        where name.hasPrefix(".identities.") && name.hasSuffix(".tmp") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
        return store
    }

    /// Writes the whole store as a new base and starts an empty log. No write interleaves.
    /// - Throws: ``IdentityStoreError`` with code `unavailable` when a file cannot be written (the
    ///   store's files then still hold every acknowledged write).
    public func compact() async throws {
        try requireWriting()
        let files = IdentityStoreFiles(folder: folder)
        let log = self.log
        let folder = self.folder
        try await inner.withChanges { changes in
            try log.withLock { state in
                if let failure = state.failure { throw IdentityStoreError(.unavailable, detail: failure) }
                let generation = state.generation + 1
                let base = try IdentityStoreFiles.baseFile(generation: generation, changes: changes)
                let newLog = try IdentityStoreFiles.logFile(generation: generation)
                // Until the new base is in place the old files stay whole and the log takes writes.
                try FileIdentityStore.unavailable(folder) { try OwnerOnlyFile.write(base, to: files.base) }
                try? state.handle?.close()
                state.handle = nil
                do {
                    try FileIdentityStore.unavailable(folder) { try OwnerOnlyFile.write(newLog.bytes, to: files.log) }
                } catch {
                    // The old log is now folded into the new base: appending to it would be lost.
                    state.failure = "the store's new log could not be written (\(error)); reopen the store"
                    throw error
                }
                state.generation = generation
                state.lastChecksum = newLog.checksum
                state.appended = 0
                state.compactionThreshold = max(FileIdentityStore.minimumCompactionThreshold, 2 * base.count)
                do {
                    let handle = try FileHandle(forWritingTo: files.log)
                    try handle.seekToEnd()
                    state.handle = handle
                } catch {
                    state.failure = "the store's log '\(files.log.path)' cannot be opened (\(error.localizedDescription))"
                    throw IdentityStoreError(.unavailable, detail: state.failure ?? "")
                }
            }
        }
    }

    /// Releases the folder's lock; later writes fail.
    public func close() {
        log.withLock { state in
            try? state.handle?.close()
            state.handle = nil
            if state.lock >= 0 {
                flock(state.lock, LOCK_UN)
                posixClose(state.lock)
                state.lock = -1
            }
            if state.failure == nil { state.failure = "the store was closed" }
        }
    }

    private func requireWriting() throws {
        guard access == .readWrite else { throw IdentityStoreError(.forbidden, detail: "the store in '\(folder.path)' was opened read-only") }
    }

    private func durable<T>(_ body: () async throws -> T) async throws -> T {
        try requireWriting()
        if let failure = log.withLock({ $0.failure }) { throw IdentityStoreError(.unavailable, detail: failure) }
        let result = try await body()
        // One write of many running at once claims the compaction; the others go on.
        let (failure, due) = log.withLock { state -> (String?, Bool) in
            let due = state.appended > state.compactionThreshold && !state.compactionClaimed
            if due { state.compactionClaimed = true }
            return (state.failure, due)
        }
        if let failure { throw IdentityStoreError(.unavailable, detail: failure) }
        if due {
            defer { log.withLock { $0.compactionClaimed = false } }
            try await compact()
        }
        return result
    }

    public func contents() async throws -> IdentityStoreContents { try await inner.contents() }

    public func identities(_ query: IdentityStoreQuery) async throws -> IdentityStoreContents? { try await inner.identities(query) }

    public func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try await durable { try await inner.createUser(profile, origin: origin) }
    }

    public func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try await durable { try await inner.updateUser(id, profile: profile, origin: origin) }
    }

    public func deleteUser(_ id: IdentityID) async throws { try await durable { try await inner.deleteUser(id) } }

    public func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try await durable { try await inner.createGroup(profile, origin: origin) }
    }

    public func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try await durable { try await inner.updateGroup(id, profile: profile, origin: origin) }
    }

    public func deleteGroup(_ id: IdentityID) async throws { try await durable { try await inner.deleteGroup(id) } }

    public func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        try await durable { try await inner.addMembers(userIDs, to: groupID) }
    }

    public func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        try await durable { try await inner.removeMembers(userIDs, from: groupID) }
    }

    // MARK: Files

    static func prepare(_ folder: URL) throws {
        try unavailable(folder) { try OwnerOnlyFile.prepareFolder(folder, followingLink: true) }
    }

    /// Takes the folder's writer lock.
    static func lockFolder(_ folder: URL) throws -> Int32 {
        let lock = try unavailable(folder) { try OwnerOnlyFile.openLock(folder.appendingPathComponent(".lock")) }
        guard flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            posixClose(lock)
            throw IdentityStoreError(
                .unavailable, detail: "the store in '\(folder.path)' is being written by another process; open it read-only, or wait for that process to finish")
        }
        return lock
    }

    /// Copies files into `<folder>/backup/<time>-<note>/`, owner-only.
    /// - Returns: The backup folder, or `nil` when none of the files exists.
    @discardableResult
    static func backUp(_ files: [URL], in folder: URL, note: String) throws -> URL? {
        let existing = try files.compactMap { file in try OwnerOnlyFile.read(file).map { (file, $0) } }
        guard !existing.isEmpty else { return nil }
        // Named without a clock (the files' times say when); the suffix keeps every backup apart.
        let backup = folder.appendingPathComponent("backup").appendingPathComponent("\(note)-\(UUID().uuidString.prefix(8).lowercased())")
        try OwnerOnlyFile.prepareFolder(folder.appendingPathComponent("backup"))
        try OwnerOnlyFile.prepareFolder(backup)
        for (file, data) in existing { try OwnerOnlyFile.write(data, to: backup.appendingPathComponent(file.lastPathComponent)) }
        return backup
    }

    /// Runs file work, turning an untrusted or unreadable file into `unavailable`.
    @discardableResult
    static func unavailable<T>(_ folder: URL, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let problem as OwnerOnlyFile.Problem {
            throw IdentityStoreError(.unavailable, detail: "the store in '\(folder.path)' cannot be used: \(problem.detail)", underlying: problem)
        }
    }
}

// `close` is also the name of a member of the store; this reaches the C function.
func posixClose(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
