/// The per-source policies that shape a plan.
///
/// In JSON: `{"filter", "missingEmail", "outOfScope", "removalGraceSeconds"?, "deletionGuard"}`
/// (`Documentation/JSON.md`); the removal policy (``OutOfScopeAction``) is the `outOfScope` field,
/// with `removalGraceSeconds` beside it for staged deletion.
public struct SyncSettings: Hashable, Codable, Sendable {
    /// What to do with in-scope users that have no email address.
    public enum MissingEmailPolicy: String, Hashable, Codable, Sendable {
        /// Synchronize them and report the warning `missingEmail` (the default).
        case syncWithWarning
        /// Do not synchronize them; report each as skipped. A user already in the store is left as it is.
        case skip
    }

    /// Which users and groups the source synchronizes.
    public var filter: SyncFilter
    /// What to do with users that have no email address.
    public var missingEmail: MissingEmailPolicy
    /// What happens to identities that left the scope (the removal policy).
    public var outOfScope: OutOfScopeAction
    /// Limits on removals before anything is applied.
    public var deletionGuard: DeletionGuard

    /// Creates settings; the defaults follow the product.
    /// - Parameters:
    ///   - filter: Which users and groups to synchronize.
    ///   - missingEmail: What to do with users without email.
    ///   - outOfScope: The removal policy: remove, disable, disable then remove after a grace, or never.
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

    private enum CodingKeys: String, CodingKey {
        case filter, missingEmail, deletionGuard
    }

    /// Reads settings; the removal policy comes from the same object's `outOfScope` and
    /// `removalGraceSeconds` fields.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when a field is missing or does not fit.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        filter = try container.decode(SyncFilter.self, forKey: .filter)
        missingEmail = try container.decode(MissingEmailPolicy.self, forKey: .missingEmail)
        deletionGuard = try container.decode(DeletionGuard.self, forKey: .deletionGuard)
        outOfScope = try OutOfScopeAction(from: decoder)
    }

    /// Writes settings as one object, the removal policy's fields among the others.
    /// - Parameter encoder: The encoder.
    /// - Throws: What the encoder throws.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(filter, forKey: .filter)
        try container.encode(missingEmail, forKey: .missingEmail)
        try container.encode(deletionGuard, forKey: .deletionGuard)
        try outOfScope.encode(to: encoder)
    }
}
