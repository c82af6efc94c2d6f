import Foundation

extension StateKey {
    /// The key of a source's pending removals under staged deletion (``PendingRemoval``).
    static func pendingRemovals(_ sourceID: SourceID) -> StateKey { StateKey(sourceID, "pending-removals") }
}

extension SourceSynchronizer {
    /// The removals pending for the source as the last run left them: read under staged deletion
    /// only, empty under the other policies.
    /// - Parameter settings: The source's settings.
    /// - Returns: The remembered entries (none when nothing was saved yet).
    /// - Throws: ``SyncStateError`` when the document cannot be read. A run then stops before it
    ///   plans: guessing the dates could bring a removal forward.
    package func pendingRemovals(for settings: SyncSettings) async throws -> [PendingRemoval] {
        guard case .disableThenRemove = settings.outOfScope else { return [] }
        return try await state.load([PendingRemoval].self, for: .pendingRemovals(sourceID)) ?? []
    }

    /// Keeps what a plan leaves pending, before the plan is applied: an entry then exists for every
    /// user the plan disables, and none for an identity that came back, whatever happens during
    /// the apply (entries of removals that fail stay, so the next run retries them). Nothing is
    /// written when nothing changed. Under the other policies the document is removed, so that a
    /// later switch back to staged deletion starts every grace afresh; a switch of policy alone
    /// leaves it, so a switch there and back with no run between keeps every date (and the deletion
    /// guard does not count those removals twice).
    /// - Parameters:
    ///   - plan: The plan about to be applied.
    ///   - previously: What ``pendingRemovals(for:)`` returned for it.
    ///   - settings: The settings it was planned with.
    ///   - fence: The run's claim on the source, or `nil`: what is written passes it.
    /// - Throws: The state store's errors, ``SyncCoordinationError`` (`claimLost`); the plan must
    ///   then not be applied.
    package func remember(_ plan: SyncPlan, previously: [PendingRemoval], settings: SyncSettings, fence: (any RunClaim)? = nil) async throws {
        let key = StateKey.pendingRemovals(sourceID)
        guard case .disableThenRemove = settings.outOfScope else {
            // One the store cannot read is left alone: a later staged run stops at it and says so.
            let saved: Data?
            do { saved = try await state.data(for: key) } catch { return }
            if saved != nil { try await state.setData([(key, nil)], fencedBy: fence) }
            return
        }
        guard plan.pendingRemovals != previously else { return }
        try await state.save([(key, plan.pendingRemovals.isEmpty ? nil : plan.pendingRemovals)], fencedBy: fence)
    }
}
