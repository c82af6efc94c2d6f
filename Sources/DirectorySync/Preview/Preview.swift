import Foundation

/// What a synchronization of a source would do, made while the source is off.
///
/// A preview keeps the plan it came from; its ``records`` — one per user, group and membership
/// the synchronization would touch or skip — are derived from the plan on demand, in a stable
/// order (operations in plan order, then conflicts, skips and warnings, then unchanged objects),
/// so a million-record preview is not held twice. It is valid for seven days, or until the
/// source's next synchronization; under staged deletion no longer than until the first removal it
/// shows as pending is due (``expiresAt``).
public struct Preview: Hashable, Codable, Sendable, Identifiable {
    /// The preview's identifier.
    public var id: String
    /// The source previewed.
    public var sourceID: SourceID
    /// When it was made.
    public var generatedAt: Date
    /// When it stops being valid: seven days after it was made, by default, or — under staged
    /// deletion — when the first removal it shows as pending is due, if that is earlier (from then
    /// on the next synchronization would remove what the preview says is still pending).
    public var expiresAt: Date
    /// The filter in force.
    public var filter: SyncFilter
    /// The schedule in force, if the host gave one.
    public var schedule: SyncSchedule?
    /// The plan the preview shows.
    public var plan: SyncPlan

    /// Creates a preview.
    /// - Parameters:
    ///   - id: The identifier.
    ///   - sourceID: The source.
    ///   - generatedAt: When it was made.
    ///   - expiresAt: When it expires.
    ///   - filter: The filter in force.
    ///   - schedule: The schedule in force.
    ///   - plan: The plan.
    public init(
        id: String, sourceID: SourceID, generatedAt: Date, expiresAt: Date, filter: SyncFilter, schedule: SyncSchedule?,
        plan: SyncPlan
    ) {
        self.id = id
        self.sourceID = sourceID
        self.generatedAt = generatedAt
        self.expiresAt = expiresAt
        self.filter = filter
        self.schedule = schedule
        self.plan = plan
    }

    /// The records, derived from the plan.
    public var records: Records { Records(plan: plan) }

    /// The counts per action.
    public var summary: [PreviewRecord.Action: Int] {
        var counts: [PreviewRecord.Action: Int] = [:]
        for operation in plan.operations { counts[PreviewRecord.action(of: operation.action), default: 0] += 1 }
        for issue in plan.issues { counts[PreviewRecord(issue).action, default: 0] += 1 }
        if !plan.unchanged.isEmpty { counts[.unchanged] = plan.unchanged.count }
        return counts
    }

    /// Checks that the preview may still be shown or exported.
    /// - Parameters:
    ///   - now: The current instant, from the host's clock.
    ///   - lastSynchronization: When the source last synchronized, if ever.
    /// - Throws: ``PreviewError/expired(at:)`` or ``PreviewError/invalidatedBySynchronization(at:)``.
    public func validate(at now: Date, lastSynchronization: Date?) throws(PreviewError) {
        if now >= expiresAt { throw .expired(at: expiresAt) }
        if let lastSynchronization, lastSynchronization > generatedAt { throw .invalidatedBySynchronization(at: lastSynchronization) }
    }

    /// The records of a preview, derived from its plan: a random-access collection that holds no
    /// copies.
    public struct Records: RandomAccessCollection, Sendable {
        let plan: SyncPlan

        /// The first index.
        public var startIndex: Int { 0 }
        /// One past the last index.
        public var endIndex: Int { plan.operations.count + plan.issues.count + plan.unchanged.count }

        /// The record at a position.
        public subscript(position: Int) -> PreviewRecord {
            let operations = plan.operations.count
            if position < operations { return PreviewRecord(plan.operations[position]) }
            let issues = plan.issues.count
            if position < operations + issues { return PreviewRecord(plan.issues[position - operations]) }
            return PreviewRecord(plan.unchanged[position - operations - issues])
        }
    }
}

extension PreviewRecord {
    /// The record action for a kind of plan action.
    static func action(of action: SyncAction) -> Action {
        switch action.kind {
        case .createUser, .createGroup: .create
        case .adoptUser, .adoptGroup: .adopt
        case .updateUser, .updateGroup: .update
        case .removeUser, .removeGroup: .remove
        case .disableUser: .disable
        case .addMember: .addMember
        case .removeMember: .removeMember
        }
    }
}
