import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An identity store kept in a folder: the rules of ``InMemoryIdentityStore``, made durable.
///
/// Every successful write is appended to `identities.log` as one JSON line, in the order the store
/// applied it, before the call returns; opening the store replays the log onto `identities.json`
/// and then compacts both (the new base is written under a temporary name and renamed over the
/// old one). A process that dies part-way loses at most the write it was making (a torn last line
/// is ignored), and the next synchronization repairs the rest. One process at a time: the folder
/// is locked while a store is open (``close()`` or releasing the store unlocks it). Files are
/// owner-only.
///
/// ```swift
/// let store = try await FileIdentityStore.open(folder: stateFolder.appendingPathComponent("store"))
/// ```
public final class FileIdentityStore: IdentityStore {
    /// The folder holding the store.
    public let folder: URL
    private let inner: InMemoryIdentityStore
    private let log: Locked<LogState>

    private struct LogState {
        var handle: FileHandle?
        var lock: Int32
        var failure: String?
    }

    private init(folder: URL, inner: InMemoryIdentityStore, log: Locked<LogState>) {
        self.folder = folder
        self.inner = inner
        self.log = log
    }

    deinit { close() }

    /// Opens (or creates) the store in `folder`, replaying and compacting its log.
    /// - Parameter folder: The folder.
    /// - Returns: The store.
    /// - Throws: ``IdentityStoreError`` with code `unavailable` when the folder is in use by another
    ///   process or cannot be read or written.
    public static func open(folder: URL) async throws -> FileIdentityStore {
        let manager = FileManager.default
        do {
            try manager.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw IdentityStoreError(.unavailable, detail: "the store folder '\(folder.path)' cannot be created")
        }
        let lock = posixOpen(folder.appendingPathComponent(".lock").path)
        guard lock >= 0, flock(lock, LOCK_EX | LOCK_NB) == 0 else {
            if lock >= 0 { posixClose(lock) }
            throw IdentityStoreError(.unavailable, detail: "the store in '\(folder.path)' is in use by another process; wait for it to finish")
        }
        let log = Locked(LogState(handle: nil, lock: lock))
        let inner = InMemoryIdentityStore(journal: { change in
            guard let line = try? JSONEncoder().encode(change) else { return }
            log.withLock { state in
                guard let handle = state.handle, state.failure == nil else { return }
                do {
                    try handle.write(contentsOf: line + Data([0x0A]))
                } catch {
                    state.failure = "the store's log could not be written (\(error.localizedDescription))"
                }
            }
        })
        let store = FileIdentityStore(folder: folder, inner: inner, log: log)
        do {
            try await store.load()
            try await store.compact()
        } catch let error as IdentityStoreError {
            throw error
        } catch {
            throw IdentityStoreError(.unavailable, detail: "the store in '\(folder.path)' cannot be read or written (\(error.localizedDescription))")
        }
        return store
    }

    private var baseURL: URL { folder.appendingPathComponent("identities.json") }
    private var logURL: URL { folder.appendingPathComponent("identities.log") }

    private func load() async throws {
        if let data = try? Data(contentsOf: baseURL) {
            let base = try JSONDecoder().decode([StoreChange].self, from: data)
            for change in base { await inner.replay(change) }
        }
        if let data = try? Data(contentsOf: logURL) {
            for line in data.split(separator: 0x0A) {
                // A line torn by a crash does not decode; it and nothing after it was acknowledged.
                guard let change = try? JSONDecoder().decode(StoreChange.self, from: line) else { break }
                await inner.replay(change)
            }
        }
    }

    /// Writes the whole store as the new base and empties the log.
    /// - Throws: File-system errors.
    public func compact() async throws {
        let contents = try await inner.contents()
        var base: [StoreChange] = contents.users.sorted { $0.id < $1.id }.map { .putUser($0) }
        for group in contents.groups.sorted(by: { $0.id < $1.id }) {
            base.append(.putGroup(group.id, origin: group.origin, profile: group.profile))
            if !group.memberIDs.isEmpty { base.append(.addMembers(group.memberIDs.sorted(), group.id)) }
        }
        try log.withLock { state in
            try state.handle?.close()
            state.handle = nil
            try OwnerOnlyFile.write(try JSONEncoder().encode(base), to: baseURL)
            _ = FileManager.default.createFile(atPath: logURL.path, contents: nil, attributes: [.posixPermissions: 0o600])
            state.handle = try FileHandle(forWritingTo: logURL)
            try state.handle?.truncate(atOffset: 0)
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

    private func durable<T>(_ body: () async throws -> T) async throws -> T {
        if let failure = log.withLock({ $0.failure }) { throw IdentityStoreError(.unavailable, detail: failure) }
        let result = try await body()
        if let failure = log.withLock({ $0.failure }) { throw IdentityStoreError(.unavailable, detail: failure) }
        return result
    }

    public func contents() async throws -> IdentityStoreContents { try await inner.contents() }

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
}

// `open` and `close` are also names of this type's members; these reach the C functions.
private func posixOpen(_ path: String) -> Int32 {
    #if canImport(Glibc)
    Glibc.open(path, O_CREAT | O_RDWR, 0o600)
    #else
    Darwin.open(path, O_CREAT | O_RDWR, 0o600)
    #endif
}

private func posixClose(_ descriptor: Int32) {
    #if canImport(Glibc)
    _ = Glibc.close(descriptor)
    #else
    _ = Darwin.close(descriptor)
    #endif
}
