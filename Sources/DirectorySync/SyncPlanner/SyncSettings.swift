/// The per-source policies that shape a plan.
public struct SyncSettings: Hashable, Codable, Sendable {
    /// What to do with in-scope users that have no email address.
    public enum MissingEmailPolicy: String, Hashable, Codable, Sendable {
        /// Synchronize them and report the warning `missingEmail` (the default).
        case syncWithWarning
        /// Do not synchronize them; report each as skipped. A user already in the store is left as it is.
        case skip
    }

    /// What happens to a source's identities that left its scope.
    public enum OutOfScopeAction: String, Hashable, Codable, Sendable {
        /// Delete them from the store (the default, as the product describes).
        case remove
        /// Keep them but disable them. Groups that left the scope are still removed.
        case disable
    }

    /// Which users and groups the source synchronizes.
    public var filter: SyncFilter
    /// What to do with users that have no email address.
    public var missingEmail: MissingEmailPolicy
    /// What happens to identities that left the scope.
    public var outOfScope: OutOfScopeAction
    /// Limits on removals before anything is applied.
    public var deletionGuard: DeletionGuard

    /// Creates settings; the defaults follow the product.
    /// - Parameters:
    ///   - filter: Which users and groups to synchronize.
    ///   - missingEmail: What to do with users without email.
    ///   - outOfScope: Remove or disable what left the scope.
    ///   - deletionGuard: Limits on removals.
    public init(
        filter: SyncFilter = .all, missingEmail: MissingEmailPolicy = .syncWithWarning,
        outOfScope: OutOfScopeAction = .remove, deletionGuard: DeletionGuard = DeletionGuard()
    ) {
        self.filter = filter
        self.missingEmail = missingEmail
        self.outOfScope = outOfScope
        self.deletionGuard = deletionGuard
    }
}
