import Foundation

/// Why one directory user or group is, or is not, synchronized — step by step — and what a
/// synchronization would do to it now (``DirectoryService/explain(_:user:)``).
///
/// Its JSON (`dirsync explain --json`) is designed for scripts; `Documentation/RunReports.md`
/// describes each field.
public struct ObjectExplanation: Hashable, Sendable, Encodable {
    /// Step 1: whether the directory holds the object.
    public struct Directory: Hashable, Sendable {
        /// Whether the directory holds it.
        public var found: Bool
        /// Its directory object id (also when it is gone, if a synchronized identity names it).
        public var externalID: String?
        /// Its email or user principal name (users), or its name (groups).
        public var subject: String?
        /// One sentence.
        public var detail: String
    }

    /// Step 2: whether the source's filter selects it, and which condition decided.
    public struct Scope: Hashable, Sendable {
        /// Whether it is in scope.
        public var inScope: Bool
        /// The filter conditions that decided (empty without a filter).
        public var conditions: [FilterCondition]
        /// For a user selected through a group filter: the selected group first, then each nested
        /// group down to the one the user is a direct member of.
        public var path: [String]
        /// One sentence.
        public var detail: String
    }

    /// Step 3: which store identity it is, or would be.
    public struct Correlation: Hashable, Sendable {
        /// How the object finds its identity.
        public enum Kind: String, Hashable, Sendable, CaseIterable {
            /// An identity of this source is linked to it.
            case linked
            /// A synchronization would adopt the manual identity with its email.
            case matchedByEmail
            /// A synchronization would adopt the manual identity with a matching login.
            case matchedByLogin
            /// A synchronization would adopt the manual group with its name.
            case matchedByName
            /// A synchronization would create a new identity.
            case new
            /// It conflicts with another identity (see ``ObjectExplanation/Correlation/related``).
            case conflict
            /// It has no identity and gets none.
            case none
        }
        /// How the object finds its identity.
        public var kind: Kind
        /// The identity it is or would become.
        public var identityID: IdentityID?
        /// The identities it conflicts with or would take from.
        public var related: [IdentityID]
        /// One sentence.
        public var detail: String
    }

    /// Step 5: what the last run did to it — the latest run since the last whole one whose report
    /// has records about it (an on-demand run for another user does not hide a whole run), else
    /// the last whole run.
    public struct LastRun: Hashable, Sendable {
        /// The run.
        public var run: RunRecord
        /// Its report's records about the object (empty when the run did nothing to it).
        public var records: [RunReportRecord]
        /// Whether the run's report is kept and could be read (when not, ``records`` is empty and
        /// says nothing about what the run did).
        public var reportKept: Bool
        /// Why the report could not be read — it, or the index of reports, is damaged, or the
        /// state store did not answer — when that is why ``reportKept`` is false (the
        /// ``SyncStateError``'s description, with its advice); `nil` otherwise.
        public var reportProblem: String? = nil
    }

    /// The source.
    public var sourceID: SourceID
    /// What was asked for: the user or group key.
    public var key: String
    /// User or group.
    public var objectKind: SyncIssue.ObjectKind
    /// Step 1.
    public var directory: Directory
    /// Step 2.
    public var scope: Scope
    /// Step 3.
    public var correlation: Correlation
    /// Step 4 in one word: what a synchronization would do to the object itself — `create`,
    /// `adopt`, `update`, `disable`, `remove`, `unchanged` (its attributes; its memberships may
    /// still change), `conflict`, `skipped`; `addMember` or `removeMember` when only memberships
    /// change and it is not listed as unchanged; or `nil` when nothing (out of scope, with no
    /// identity).
    public var action: PreviewRecord.Action?
    /// Step 4: every operation a synchronization would make for it (its memberships included) and
    /// every conflict, skip or warning about it, as preview records.
    public var records: [PreviewRecord]
    /// Step 5; `nil` before the first run.
    public var lastRun: LastRun?
    /// Requests sent to the directory.
    public var requests: Int
    /// Whether every object its fate depends on was read; `false` when the lookups stopped at
    /// their bounds (then step 4 may differ from a synchronization's).
    public var isComplete: Bool

    private enum Key: String, CodingKey {
        case source, key, objectKind, directory, found, externalID, subject, detail, scope, inScope, conditions, path
        case correlation, kind, identityID, related, action, records, lastRun, run, reportKept, reportProblem, requests, complete
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(sourceID, forKey: .source)
        try container.encode(key, forKey: .key)
        try container.encode(objectKind.rawValue, forKey: .objectKind)
        var directory = container.nestedContainer(keyedBy: Key.self, forKey: .directory)
        try directory.encode(self.directory.found, forKey: .found)
        try directory.encodeIfPresent(self.directory.externalID, forKey: .externalID)
        try directory.encodeIfPresent(self.directory.subject, forKey: .subject)
        try directory.encode(self.directory.detail, forKey: .detail)
        var scope = container.nestedContainer(keyedBy: Key.self, forKey: .scope)
        try scope.encode(self.scope.inScope, forKey: .inScope)
        try scope.encode(self.scope.conditions.map(\.description), forKey: .conditions)
        try scope.encode(self.scope.path, forKey: .path)
        try scope.encode(self.scope.detail, forKey: .detail)
        var correlation = container.nestedContainer(keyedBy: Key.self, forKey: .correlation)
        try correlation.encode(self.correlation.kind.rawValue, forKey: .kind)
        try correlation.encodeIfPresent(self.correlation.identityID, forKey: .identityID)
        try correlation.encode(self.correlation.related, forKey: .related)
        try correlation.encode(self.correlation.detail, forKey: .detail)
        try container.encode(action?.rawValue, forKey: .action)
        try container.encode(records, forKey: .records)
        if let lastRun {
            var run = container.nestedContainer(keyedBy: Key.self, forKey: .lastRun)
            try run.encode(lastRun.run, forKey: .run)
            try run.encode(lastRun.reportKept, forKey: .reportKept)
            try run.encodeIfPresent(lastRun.reportProblem, forKey: .reportProblem)
            try run.encode(lastRun.records, forKey: .records)
        } else {
            try container.encodeNil(forKey: .lastRun)
        }
        try container.encode(requests, forKey: .requests)
        try container.encode(isComplete, forKey: .complete)
    }
}
