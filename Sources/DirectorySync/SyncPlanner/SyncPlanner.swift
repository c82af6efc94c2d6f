import Foundation

/// What a planner needs: the source, a complete directory snapshot, the store's contents (with what
/// the store can hold) and the source's settings.
public struct SyncPlanRequest: Sendable {
    /// The source being synchronized.
    public var sourceID: SourceID
    /// What the directory read returned.
    public var directory: DirectorySnapshot
    /// What the store holds now, and what it can hold (``IdentityStoreContents/capabilities``).
    public var store: IdentityStoreContents
    /// The source's filter and policies.
    public var settings: SyncSettings
    /// Whether the plan lists the in-scope objects that need no change (``SyncPlan/unchanged``);
    /// previews ask for it, synchronizations do not need it.
    public var listsUnchanged: Bool
    /// The directory objects (user and group ids) whose fate ``directory`` decides, when it is an
    /// excerpt (``DirectoryExcerpt``) rather than the whole directory; `nil` for a whole one.
    ///
    /// With a focus, the source's identities linked to objects outside it are neither removed nor
    /// taken as released, and memberships are planned only for identities linked to users in it —
    /// so the plan is right for the focused objects and says nothing about the others. A planner
    /// that ignores the focus plans removals for everything the excerpt lacks.
    public var focus: Set<String>?
    /// The current instant, from the host's clock. Staged deletion
    /// (``SyncSettings/OutOfScopeAction/disableThenRemove(after:)``) dates new pending removals
    /// with it and compares their grace periods with it; the other policies do not read it.
    public var now: Date?
    /// The removals pending before this plan: the previous plan's ``SyncPlan/pendingRemovals`` as
    /// the host remembered them. Read only under staged deletion. An entry whose identity is still
    /// out of scope keeps its date; without an entry, an identity out of scope starts its grace
    /// period now — so a list that was lost can only postpone removals, never bring one forward.
    public var pendingRemovals: [PendingRemoval]
    /// Creates a request.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - directory: The directory snapshot.
    ///   - store: The store's contents.
    ///   - settings: Filter and policies.
    ///   - listsUnchanged: Whether to list the objects that need no change.
    ///   - focus: The objects whose fate the directory decides, when it is an excerpt.
    ///   - now: The current instant (needed under staged deletion).
    ///   - pendingRemovals: The removals pending before this plan (read under staged deletion).
    public init(
        sourceID: SourceID, directory: DirectorySnapshot, store: IdentityStoreContents, settings: SyncSettings, listsUnchanged: Bool = false,
        focus: Set<String>? = nil, now: Date? = nil, pendingRemovals: [PendingRemoval] = []
    ) {
        self.focus = focus
        self.now = now
        self.pendingRemovals = pendingRemovals
        self.sourceID = sourceID
        self.directory = directory
        self.store = store
        self.settings = settings
        self.listsUnchanged = listsUnchanged
    }
}

/// Turns a directory snapshot and a store's contents into a ``SyncPlan``. Pure: no I/O.
///
/// ``StandardSyncPlanner`` implements the synchronization rules (`Documentation/SyncRules.md`).
public protocol SyncPlanner: Sendable {
    /// Makes the plan that brings the store in line with the source's scope.
    /// - Parameter request: The inputs.
    /// - Returns: The plan.
    /// - Throws: ``SyncPlanningError`` when the snapshot is incomplete, the filter invalid, or
    ///   staged deletion has no current time.
    func plan(_ request: SyncPlanRequest) throws -> SyncPlan
}

extension SyncPlanner {
    /// Makes the plan that brings the store in line with the source's scope.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - directory: The directory snapshot.
    ///   - store: The store's contents.
    ///   - settings: Filter and policies.
    ///   - now: The current instant (needed under staged deletion).
    ///   - pendingRemovals: The removals pending before this plan (read under staged deletion).
    /// - Returns: The plan.
    /// - Throws: ``SyncPlanningError``.
    public func plan(
        source sourceID: SourceID, directory: DirectorySnapshot, store: IdentityStoreContents, settings: SyncSettings = SyncSettings(),
        now: Date? = nil, pendingRemovals: [PendingRemoval] = []
    ) throws -> SyncPlan {
        try plan(SyncPlanRequest(sourceID: sourceID, directory: directory, store: store, settings: settings, now: now, pendingRemovals: pendingRemovals))
    }
}
