import Foundation

extension SourceStatus {
    /// The removals pending under staged deletion
    /// (``SyncSettings/OutOfScopeAction/disableThenRemove(after:)``): how many users and groups
    /// left the scope and wait for their grace period to end, and when the first one is removed.
    ///
    /// JSON: `{"users": 2, "groups": 1, "earliestUntil": "2026-03-08T08:00:00Z"}`.
    public struct PendingRemovals: Hashable, Codable, Sendable {
        /// Users whose removal is pending (disabled meanwhile).
        public var users: Int
        /// Groups whose removal is pending (kept with their members meanwhile).
        public var groups: Int
        /// When the first of them is removed, unless it returns to the scope before then (and a
        /// run happens then: removals are carried out by runs).
        public var earliestUntil: Date

        /// Creates a summary.
        /// - Parameters:
        ///   - users: Users whose removal is pending.
        ///   - groups: Groups whose removal is pending.
        ///   - earliestUntil: When the first one is removed.
        public init(users: Int, groups: Int, earliestUntil: Date) {
            self.users = users
            self.groups = groups
            self.earliestUntil = earliestUntil
        }

        /// The removals still waiting at `now` among the remembered entries, or `nil` when none is.
        /// - Parameters:
        ///   - entries: The remembered entries (``SyncPlan/pendingRemovals`` of the last run).
        ///   - grace: The grace period in force.
        ///   - now: The current instant.
        /// - Returns: The summary, or `nil`.
        public init?(_ entries: [PendingRemoval], grace: Duration, now: Date) {
            // An entry whose grace has ended was removed by the run that found it so (or is
            // retried by the next one): it is no longer pending.
            let waiting = entries.filter { $0.until(grace: grace) > now }
            guard let earliest = waiting.map({ $0.until(grace: grace) }).min() else { return nil }
            self.init(users: waiting.count { $0.objectKind == .user }, groups: waiting.count { $0.objectKind == .group }, earliestUntil: earliest)
        }
    }
}

extension DirectoryService {
    /// The source's pending removals under staged deletion, as its last run left them; `nil` under
    /// the other policies and when none is pending.
    /// - Throws: ``SyncStateError`` when the saved document cannot be read.
    func pendingRemovals(of source: Source) async throws -> SourceStatus.PendingRemovals? {
        guard let grace = source.settings.outOfScope.grace else { return nil }
        let entries = try await state.load([PendingRemoval].self, for: .pendingRemovals(source.id)) ?? []
        return SourceStatus.PendingRemovals(entries, grace: grace, now: clock.now())
    }
}
