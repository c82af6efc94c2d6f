/// A directory held in memory: a real ``DirectoryProvider`` for tests, demos and hosts that
/// already have their directory data at hand.
///
/// It can be changed between reads, counts its reads, and can be told to fail the next read or to
/// return an incomplete snapshot, so tests can prove that such reads never lead to removals.
///
/// ```swift
/// let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
/// directory.upsert(DirectoryUser(id: "42", userPrincipalName: "new@contoso.com"))
/// let snapshot = try await directory.read()
/// ```
public final class InMemoryDirectoryProvider: DirectoryProvider {
    private struct State {
        var users: [String: DirectoryUser] = [:]
        var groups: [String: DirectoryGroup] = [:]
        var readCount = 0
        var pendingFailures: [any Error] = []
        var nextReadIncomplete = false
    }

    private let state = Locked(State())

    /// Creates a directory with the given users and groups.
    /// - Parameters:
    ///   - users: The users.
    ///   - groups: The groups, with their direct members.
    public init(users: [DirectoryUser] = [], groups: [DirectoryGroup] = []) {
        state.withLock { state in
            for user in users { state.users[user.id] = user }
            for group in groups { state.groups[group.id] = group }
        }
    }

    /// Returns every user and group (sorted by object id); this provider does not push filters down.
    public func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        try Task.checkCancellation()
        return try state.withLock { state in
            state.readCount += 1
            if !state.pendingFailures.isEmpty { throw state.pendingFailures.removeFirst() }
            let complete = !state.nextReadIncomplete
            state.nextReadIncomplete = false
            return DirectorySnapshot(
                users: state.users.values.sorted { $0.id < $1.id },
                groups: state.groups.values.sorted { $0.id < $1.id },
                isComplete: complete
            )
        }
    }

    /// The number of reads so far, failed ones included.
    public var readCount: Int { state.withLock { $0.readCount } }

    /// Adds a user, or replaces the user with the same object id.
    /// - Parameter user: The user.
    public func upsert(_ user: DirectoryUser) { state.withLock { $0.users[user.id] = user } }

    /// Adds a group, or replaces the group with the same object id.
    /// - Parameter group: The group.
    public func upsert(_ group: DirectoryGroup) { state.withLock { $0.groups[group.id] = group } }

    /// Deletes a user and its memberships.
    /// - Parameter id: The user's object id.
    public func removeUser(id: String) {
        state.withLock { state in
            state.users[id] = nil
            for key in Array(state.groups.keys) { state.groups[key]?.memberUserIDs.removeAll(id) }
        }
    }

    /// Deletes a group and its appearances as a nested member.
    /// - Parameter id: The group's object id.
    public func removeGroup(id: String) {
        state.withLock { state in
            state.groups[id] = nil
            for key in Array(state.groups.keys) { state.groups[key]?.memberGroupIDs.removeAll(id) }
        }
    }

    /// Changes a user in place; does nothing when the user does not exist.
    /// - Parameters:
    ///   - id: The user's object id.
    ///   - change: The change to make.
    public func modifyUser(id: String, _ change: (inout DirectoryUser) -> Void) {
        state.withLock { state in
            guard var user = state.users[id] else { return }
            change(&user)
            state.users[id] = user
        }
    }

    /// Changes a group in place; does nothing when the group does not exist.
    /// - Parameters:
    ///   - id: The group's object id.
    ///   - change: The change to make.
    public func modifyGroup(id: String, _ change: (inout DirectoryGroup) -> Void) {
        state.withLock { state in
            guard var group = state.groups[id] else { return }
            change(&group)
            state.groups[id] = group
        }
    }

    /// Makes the next read throw `error` (calls queue up, one failure per read).
    /// - Parameter error: The error to throw.
    public func failNextRead(with error: any Error) { state.withLock { $0.pendingFailures.append(error) } }

    /// Makes the next read return a snapshot marked incomplete, as a provider would after paging
    /// was cut short.
    public func returnIncompleteSnapshotOnNextRead() { state.withLock { $0.nextReadIncomplete = true } }
}
