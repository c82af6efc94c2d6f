import Foundation

/// Makes previews through the same planner a synchronization uses, so a preview shows exactly
/// what the next synchronization would apply if nothing changes in between.
///
/// ```swift
/// let preview = try PreviewGenerator().makePreview(
///     source: "contoso", directory: snapshot, store: contents, settings: settings,
///     schedule: schedule, sourceIsOn: false, now: clock.now)
/// ```
public struct PreviewGenerator: Sendable {
    /// How previews are made.
    public struct Configuration: Hashable, Sendable {
        /// How long a preview stays valid (seven days by default, as the product says); under
        /// staged deletion no longer than until its first pending removal is due.
        public var validity: TimeInterval
        /// Whether records include the in-scope objects that need no change.
        public var includesUnchanged: Bool

        /// Creates a configuration.
        /// - Parameters:
        ///   - validity: How long a preview stays valid.
        ///   - includesUnchanged: Whether to list unchanged objects.
        public init(validity: TimeInterval = 7 * 86_400, includesUnchanged: Bool = false) {
            self.validity = validity
            self.includesUnchanged = includesUnchanged
        }
    }

    /// How previews are made.
    public var configuration: Configuration
    private let planner: any SyncPlanner

    /// Creates a generator.
    /// - Parameters:
    ///   - planner: The planner synchronizations use.
    ///   - configuration: Validity and whether to list unchanged objects.
    public init(planner: any SyncPlanner = StandardSyncPlanner(), configuration: Configuration = Configuration()) {
        self.planner = planner
        self.configuration = configuration
    }

    /// Makes a preview.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - directory: A complete directory snapshot.
    ///   - store: The store's contents.
    ///   - settings: The source's filter and policies.
    ///   - schedule: The source's schedule, shown in the preview.
    ///   - sourceIsOn: Whether the source is on; previews need it off.
    ///   - now: The current instant, from the host's clock (staged deletion plans with it too).
    ///   - id: The preview's identifier (a new UUID by default).
    ///   - pendingRemovals: Under staged deletion, the removals pending for the source, so the
    ///     preview shows each one's date as the next synchronization would.
    /// - Returns: The preview, valid for ``Configuration/validity`` — or, under staged deletion,
    ///   until the first removal it shows as pending becomes due, if that is earlier (a preview
    ///   never hides a removal already due).
    /// - Throws: ``PreviewError/sourceIsOn`` or ``SyncPlanningError``.
    public func makePreview(
        source sourceID: SourceID, directory: DirectorySnapshot, store: IdentityStoreContents, settings: SyncSettings,
        schedule: SyncSchedule? = nil, sourceIsOn: Bool, now: Date, id: String = UUID().uuidString, pendingRemovals: [PendingRemoval] = []
    ) throws -> Preview {
        if sourceIsOn { throw PreviewError.sourceIsOn }
        let plan = try planner.plan(
            SyncPlanRequest(
                sourceID: sourceID, directory: directory, store: store, settings: settings,
                listsUnchanged: configuration.includesUnchanged, now: now, pendingRemovals: pendingRemovals))
        // A removal the plan leaves pending becomes due at its deadline; from then on the preview
        // would hide it, so it expires then if that comes first.
        var expiresAt = now.addingTimeInterval(configuration.validity)
        if let grace = settings.outOfScope.grace, let first = plan.pendingRemovals.map({ $0.until(grace: grace) }).filter({ $0 > now }).min() {
            expiresAt = min(expiresAt, first)
        }
        return Preview(id: id, sourceID: sourceID, generatedAt: now, expiresAt: expiresAt, filter: settings.filter, schedule: schedule, plan: plan)
    }
}
