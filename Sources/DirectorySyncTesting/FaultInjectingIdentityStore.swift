import DirectorySync

/// Wraps any ``DirectorySync/IdentityStore`` and makes chosen writes fail, to prove that a synchronization that
/// fails half way leaves a state the next run repairs.
///
/// ```swift
/// let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
/// store.failWrites(after: 10)          // the 11th write and all later ones fail, like a crash
/// ```
public final class FaultInjectingIdentityStore<Base: IdentityStore>: IdentityStore {
    /// The kinds of write, for ``failWrites(where:with:)``.
    public enum Write: String, Hashable, Sendable, CaseIterable {
        /// ``DirectorySync/IdentityStore/createUser(_:origin:)``
        case createUser
        /// ``DirectorySync/IdentityStore/updateUser(_:profile:origin:)``
        case updateUser
        /// ``DirectorySync/IdentityStore/deleteUser(_:)``
        case deleteUser
        /// ``DirectorySync/IdentityStore/createGroup(_:origin:)``
        case createGroup
        /// ``DirectorySync/IdentityStore/updateGroup(_:profile:origin:)``
        case updateGroup
        /// ``DirectorySync/IdentityStore/deleteGroup(_:)``
        case deleteGroup
        /// ``DirectorySync/IdentityStore/addMembers(_:to:)``
        case addMembers
        /// ``DirectorySync/IdentityStore/removeMembers(_:from:)``
        case removeMembers
    }

    private struct State {
        var writesAttempted = 0
        var writesAdmitted = 0
        var writesSucceeded = 0
        var failAfter: Int?
        var predicate: (@Sendable (Write, Int) -> Bool)?
        var error: any Error = IdentityStoreError(.unavailable, detail: "injected fault")
        var failReads = false
    }

    /// The wrapped store.
    public let base: Base
    private let state = Locked(State())

    /// Wraps a store; nothing fails until told to.
    /// - Parameter base: The store to wrap.
    public init(_ base: Base) { self.base = base }

    /// Lets `count` more writes through to the wrapped store, then fails every later one, as if
    /// the process had stopped there.
    /// - Parameters:
    ///   - count: Writes that still succeed.
    ///   - error: The error later writes throw.
    public func failWrites(after count: Int, with error: any Error = IdentityStoreError(.unavailable, detail: "injected fault")) {
        state.withLock {
            $0.failAfter = $0.writesAdmitted + count
            $0.error = error
        }
    }

    /// Fails each write for which `predicate` (given the kind and the write's 0-based number) is true.
    /// - Parameters:
    ///   - predicate: Which writes fail.
    ///   - error: The error they throw.
    public func failWrites(
        where predicate: @escaping @Sendable (Write, Int) -> Bool,
        with error: any Error = IdentityStoreError(.unavailable, detail: "injected fault")
    ) {
        state.withLock {
            $0.predicate = predicate
            $0.error = error
        }
    }

    /// Makes reads fail (or succeed again).
    /// - Parameter fail: Whether ``contents()`` and ``identities(_:)`` throw.
    public func failReads(_ fail: Bool = true) { state.withLock { $0.failReads = fail } }

    /// Stops injecting faults.
    public func heal() {
        state.withLock {
            $0.failAfter = nil
            $0.predicate = nil
            $0.failReads = false
        }
    }

    /// Writes that reached the wrapped store and succeeded.
    public var writesSucceeded: Int { state.withLock { $0.writesSucceeded } }

    /// Writes attempted, failed ones included.
    public var writesAttempted: Int { state.withLock { $0.writesAttempted } }

    private func write<T>(_ kind: Write, _ body: () async throws -> T) async throws -> T {
        try state.withLock { state in
            let number = state.writesAttempted
            state.writesAttempted += 1
            if let failAfter = state.failAfter, state.writesAdmitted >= failAfter { throw state.error }
            if let predicate = state.predicate, predicate(kind, number) { throw state.error }
            state.writesAdmitted += 1
        }
        let result = try await body()
        state.withLock { $0.writesSucceeded += 1 }
        return result
    }

    public func contents() async throws -> IdentityStoreContents {
        if state.withLock({ $0.failReads }) { throw state.withLock { $0.error } }
        return try await base.contents()
    }

    public func identities(_ query: IdentityStoreQuery) async throws -> IdentityStoreContents? {
        if state.withLock({ $0.failReads }) { throw state.withLock { $0.error } }
        return try await base.identities(query)
    }

    public func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try await write(.createUser) { try await base.createUser(profile, origin: origin) }
    }

    public func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try await write(.updateUser) { try await base.updateUser(id, profile: profile, origin: origin) }
    }

    public func deleteUser(_ id: IdentityID) async throws {
        try await write(.deleteUser) { try await base.deleteUser(id) }
    }

    public func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try await write(.createGroup) { try await base.createGroup(profile, origin: origin) }
    }

    public func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        try await write(.updateGroup) { try await base.updateGroup(id, profile: profile, origin: origin) }
    }

    public func deleteGroup(_ id: IdentityID) async throws {
        try await write(.deleteGroup) { try await base.deleteGroup(id) }
    }

    public func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        try await write(.addMembers) { try await base.addMembers(userIDs, to: groupID) }
    }

    public func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        try await write(.removeMembers) { try await base.removeMembers(userIDs, from: groupID) }
    }
}
