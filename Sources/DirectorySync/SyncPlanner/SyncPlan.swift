/// The ordered, explained list of changes that brings a store in line with a source's scope.
///
/// Operations are sorted by phase, kind and subject, so the same inputs always give the same
/// plan. Every operation carries a ``SyncReason``; every object the plan leaves alone for a reason
/// is in ``issues``. A plan applied successfully leaves an empty plan behind.
public struct SyncPlan: Hashable, Codable, Sendable {
    /// The source the plan is for.
    public var sourceID: SourceID
    /// The changes, in the order they run.
    public var operations: [SyncOperation]
    /// Conflicts, skips and warnings, sorted by severity, kind and subject.
    public var issues: [SyncIssue]
    /// Users in scope that are already up to date.
    public var unchangedUsers: Int
    /// Groups in scope that are already up to date.
    public var unchangedGroups: Int
    /// The deletion guard's judgement.
    public var guardVerdict: DeletionGuard.Verdict
    /// The in-scope objects that need no change, when the request asked for them.
    public var unchanged: [UnchangedObject]
    /// Under staged deletion, the source's identities out of scope once the plan is applied, each
    /// with the date it was first found out of scope: what the host remembers and hands to the next
    /// plan (``SyncPlanRequest/pendingRemovals``). Those this plan removes because their grace
    /// ended are listed too, so a removal that fails is retried by the next run instead of getting
    /// a new grace period; the next plan drops them once they are gone. Empty under the other
    /// policies. Each identity still pending also has a ``SyncIssue/Code/removalPending`` warning.
    public var pendingRemovals: [PendingRemoval]

    /// An in-scope user or group already up to date.
    public struct UnchangedObject: Hashable, Codable, Sendable {
        /// User or group.
        public var objectKind: SyncIssue.ObjectKind
        /// The directory object id.
        public var externalID: String
        /// The store identity.
        public var identityID: IdentityID
        /// The user's email or UPN, or the group's name.
        public var subject: String

        /// Creates a value.
        /// - Parameters:
        ///   - objectKind: User or group.
        ///   - externalID: The directory object id.
        ///   - identityID: The store identity.
        ///   - subject: Email, UPN or group name.
        public init(objectKind: SyncIssue.ObjectKind, externalID: String, identityID: IdentityID, subject: String) {
            self.objectKind = objectKind
            self.externalID = externalID
            self.identityID = identityID
            self.subject = subject
        }
    }

    /// Creates a plan.
    /// - Parameters:
    ///   - sourceID: The source.
    ///   - operations: The changes.
    ///   - issues: Conflicts, skips and warnings.
    ///   - unchangedUsers: Users already up to date.
    ///   - unchangedGroups: Groups already up to date.
    ///   - guardVerdict: The deletion guard's judgement.
    ///   - unchanged: The objects that need no change, if listed.
    ///   - pendingRemovals: Under staged deletion, the identities whose removal is pending after the plan.
    public init(
        sourceID: SourceID, operations: [SyncOperation] = [], issues: [SyncIssue] = [], unchangedUsers: Int = 0,
        unchangedGroups: Int = 0, guardVerdict: DeletionGuard.Verdict = .withinLimits, unchanged: [UnchangedObject] = [],
        pendingRemovals: [PendingRemoval] = []
    ) {
        self.sourceID = sourceID
        self.operations = operations
        self.issues = issues
        self.unchangedUsers = unchangedUsers
        self.unchangedGroups = unchangedGroups
        self.guardVerdict = guardVerdict
        self.unchanged = unchanged
        self.pendingRemovals = pendingRemovals
    }

    private enum CodingKeys: String, CodingKey {
        case sourceID, operations, issues, unchangedUsers, unchangedGroups, guardVerdict, unchanged, pendingRemovals
    }

    /// Decodes a plan; `pendingRemovals` may be missing (plans saved before staged deletion, and
    /// plans with none).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            sourceID: try container.decode(SourceID.self, forKey: .sourceID), operations: try container.decode([SyncOperation].self, forKey: .operations),
            issues: try container.decode([SyncIssue].self, forKey: .issues), unchangedUsers: try container.decode(Int.self, forKey: .unchangedUsers),
            unchangedGroups: try container.decode(Int.self, forKey: .unchangedGroups),
            guardVerdict: try container.decode(DeletionGuard.Verdict.self, forKey: .guardVerdict),
            unchanged: try container.decode([UnchangedObject].self, forKey: .unchanged),
            pendingRemovals: try container.decodeIfPresent([PendingRemoval].self, forKey: .pendingRemovals) ?? [])
    }

    /// Encodes the plan; `pendingRemovals` is left out when empty.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(sourceID, forKey: .sourceID)
        try container.encode(operations, forKey: .operations)
        try container.encode(issues, forKey: .issues)
        try container.encode(unchangedUsers, forKey: .unchangedUsers)
        try container.encode(unchangedGroups, forKey: .unchangedGroups)
        try container.encode(guardVerdict, forKey: .guardVerdict)
        try container.encode(unchanged, forKey: .unchanged)
        if !pendingRemovals.isEmpty { try container.encode(pendingRemovals, forKey: .pendingRemovals) }
    }

    /// Whether the plan changes nothing.
    public var isEmpty: Bool { operations.isEmpty }

    /// What runs removed, as the deletion guard counts it: users removed or disabled (and of
    /// those, the ones gone from the store), memberships removed from groups that stay.
    package struct Removals: Sendable {
        var users = 0
        var removedUsers = 0
        var memberships = 0

        package init() {}

        /// Adds a run's planned removals.
        mutating func add(_ summary: Summary) {
            users += summary[.removeUser] + summary[.disableUser]
            removedUsers += summary[.removeUser]
            memberships += summary[.removeMember]
        }
    }

    /// Counts per kind of operation and issue.
    public var summary: Summary { Summary(self) }

    /// Counts per kind of operation and issue.
    public struct Summary: Hashable, Codable, Sendable, CustomStringConvertible {
        /// Operations per kind.
        public var operations: [SyncAction.Kind: Int]
        /// Issues per code.
        public var issues: [SyncIssue.Code: Int]
        /// Conflicts (objects left untouched).
        public var conflicts: Int
        /// Objects skipped by policy.
        public var skipped: Int
        /// Warnings.
        public var warnings: Int
        /// Users already up to date.
        public var unchangedUsers: Int
        /// Groups already up to date.
        public var unchangedGroups: Int

        /// Creates a summary from counts (as a run's record keeps them).
        /// - Parameters:
        ///   - operations: Operations per kind.
        ///   - issues: Issues per code.
        ///   - conflicts: Conflicts.
        ///   - skipped: Objects skipped by policy.
        ///   - warnings: Warnings.
        ///   - unchangedUsers: Users already up to date.
        ///   - unchangedGroups: Groups already up to date.
        public init(
            operations: [SyncAction.Kind: Int] = [:], issues: [SyncIssue.Code: Int] = [:], conflicts: Int = 0, skipped: Int = 0, warnings: Int = 0,
            unchangedUsers: Int = 0, unchangedGroups: Int = 0
        ) {
            self.operations = operations
            self.issues = issues
            self.conflicts = conflicts
            self.skipped = skipped
            self.warnings = warnings
            self.unchangedUsers = unchangedUsers
            self.unchangedGroups = unchangedGroups
        }

        init(_ plan: SyncPlan) {
            var operations: [SyncAction.Kind: Int] = [:]
            for operation in plan.operations { operations[operation.action.kind, default: 0] += 1 }
            var issues: [SyncIssue.Code: Int] = [:]
            for issue in plan.issues { issues[issue.code, default: 0] += 1 }
            self.operations = operations
            self.issues = issues
            conflicts = plan.issues.count { $0.severity == .conflict }
            skipped = plan.issues.count { $0.severity == .skipped }
            warnings = plan.issues.count { $0.severity == .warning }
            unchangedUsers = plan.unchangedUsers
            unchangedGroups = plan.unchangedGroups
        }

        private enum CodingKeys: String, CodingKey { case operations, issues, conflicts, skipped, warnings, unchangedUsers, unchangedGroups }

        /// Decodes the designed form: counts keyed by the kinds' and codes' names.
        /// - Throws: `DecodingError` for a name this version does not know or a negative count —
        ///   never dropped, so a history is never rewritten without what it held.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            func count(_ key: CodingKeys) throws -> Int {
                let value = try container.decode(Int.self, forKey: key)
                guard value >= 0 else { throw DecodingError.dataCorruptedError(forKey: key, in: container, debugDescription: "a negative count (\(value))") }
                return value
            }
            self.init(
                operations: try Self.counts(try container.decode([String: Int].self, forKey: .operations), named: "operation kind", in: container, key: CodingKeys.operations),
                issues: try Self.counts(try container.decode([String: Int].self, forKey: .issues), named: "issue code", in: container, key: CodingKeys.issues),
                conflicts: try count(.conflicts), skipped: try count(.skipped), warnings: try count(.warnings),
                unchangedUsers: try count(.unchangedUsers), unchangedGroups: try count(.unchangedGroups))
        }

        /// Counts keyed by the names of `Name`'s cases.
        /// - Throws: `DecodingError` for an unknown name or a negative count.
        static func counts<Name: RawRepresentable<String> & Hashable>(
            _ counts: [String: Int], named what: String, in container: KeyedDecodingContainer<some CodingKey>, key: some CodingKey
        ) throws -> [Name: Int] {
            var typed: [Name: Int] = [:]
            for (text, count) in counts {
                guard let name = Name(rawValue: text) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: "an unknown \(what) '\(text)'"))
                }
                guard count >= 0 else {
                    throw DecodingError.dataCorrupted(.init(codingPath: container.codingPath + [key], debugDescription: "a negative count for '\(text)'"))
                }
                typed[name] = count
            }
            return typed
        }

        /// Encodes `{"operations": {"createUser": 3, …}, "issues": {"missingEmail": 1, …},
        /// "conflicts": 0, "skipped": 0, "warnings": 1, "unchangedUsers": 10, "unchangedGroups": 2}`.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(Dictionary(uniqueKeysWithValues: operations.map { ($0.key.rawValue, $0.value) }), forKey: .operations)
            try container.encode(Dictionary(uniqueKeysWithValues: issues.map { ($0.key.rawValue, $0.value) }), forKey: .issues)
            try container.encode(conflicts, forKey: .conflicts)
            try container.encode(skipped, forKey: .skipped)
            try container.encode(warnings, forKey: .warnings)
            try container.encode(unchangedUsers, forKey: .unchangedUsers)
            try container.encode(unchangedGroups, forKey: .unchangedGroups)
        }

        /// The count for one kind of operation.
        /// - Parameter kind: The kind.
        public subscript(kind: SyncAction.Kind) -> Int { operations[kind] ?? 0 }

        /// One line per non-zero count, for example `create user: 12`.
        public var description: String {
            var lines = SyncAction.Kind.allCases.compactMap { kind in
                self[kind] > 0 ? "\(kind.displayName): \(self[kind])" : nil
            }
            lines.append("unchanged users: \(unchangedUsers), unchanged groups: \(unchangedGroups)")
            lines.append("conflicts: \(conflicts), skipped: \(skipped), warnings: \(warnings)")
            return lines.joined(separator: "\n")
        }
    }
}
