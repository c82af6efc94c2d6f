/// Reads users and groups from a directory.
///
/// Implementations: ``InMemoryDirectoryProvider`` here, `GraphDirectoryProvider` for Microsoft
/// Entra ID, or a host's own. A provider may use the filter to read less (push it down to the
/// server) but must return at least every object the filter selects, and for group filters the
/// nested groups and member users that the selected groups reach; the planner evaluates the filter
/// again on what it gets, so the result is the same whether or not the provider pushed it down.
///
/// A read that does not finish must throw, or return a snapshot whose
/// ``DirectorySnapshot/isComplete`` is `false`: never a partial snapshot marked complete.
public protocol DirectoryProvider: Sendable {
    /// Reads the users and groups that `filter` may select.
    /// - Parameter filter: The source's filter; a hint for what to read.
    /// - Returns: The snapshot read.
    /// - Throws: Any error of the underlying directory; cancellation as `CancellationError`.
    func read(filter: SyncFilter) async throws -> DirectorySnapshot

    /// Reads what changed since `cursor`, or everything with a cursor to track changes from when
    /// `cursor` is `nil`.
    ///
    /// A full read for change tracking returns every user and group whatever the filter (changes
    /// are reported for the whole directory, so the filter is applied afterwards). The default
    /// implementation cannot track: it returns ``read(filter:)`` without a cursor.
    /// - Parameters:
    ///   - cursor: Where the previous read left off, or `nil` to read everything.
    ///   - filter: The source's filter (a hint, as for ``read(filter:)``).
    /// - Returns: Everything, or the changes since `cursor`.
    /// - Throws: ``DirectoryTrackingLost`` when `cursor` can no longer be used; any read error.
    func readChanges(since cursor: DirectoryCursor?, filter: SyncFilter) async throws -> DirectoryRead

    /// Reads a few objects and the groups around them (``DirectoryExcerpt`` says exactly what),
    /// for explaining or synchronizing one object: a provider that can should ask for just these
    /// objects. The default implementation reads everything and picks them out.
    /// - Parameter lookup: The keys.
    /// - Returns: The objects the keys name and the groups around them; an empty excerpt when no
    ///   key names anything.
    /// - Throws: Any read error; cancellation as `CancellationError`.
    func lookUp(_ lookup: DirectoryLookup) async throws -> DirectoryExcerpt
}

extension DirectoryProvider {
    /// Cannot track changes: a full read without a cursor.
    public func readChanges(since cursor: DirectoryCursor?, filter: SyncFilter) async throws -> DirectoryRead {
        .full(try await read(filter: filter), cursor: nil)
    }
}

extension DirectoryProvider {
    /// Reads everything and picks out what the lookup names (``DirectoryExcerpt/init(_:_:)``).
    public func lookUp(_ lookup: DirectoryLookup) async throws -> DirectoryExcerpt {
        DirectoryExcerpt(try await read(filter: .all), lookup)
    }
}

extension DirectoryProvider {
    /// Reads every user and group.
    /// - Returns: The snapshot read.
    /// - Throws: Any error of the underlying directory.
    public func read() async throws -> DirectorySnapshot {
        try await read(filter: .all)
    }
}
