/// Limits on how much one synchronization may remove, checked before anything is applied.
///
/// Each kind (users, groups, membership removals) has its own ``Threshold``. A plan over a limit
/// gets an ``Verdict/exceeded(_:)`` verdict and ``SyncExecutor`` refuses to apply it unless the
/// caller explicitly allows it — a filter typed wrong or a directory read gone bad then changes
/// nothing.
public struct DeletionGuard: Hashable, Codable, Sendable {
    /// A limit by count and by percentage of what the source currently owns.
    public struct Threshold: Hashable, Codable, Sendable {
        /// More removals than this exceed the limit; `nil` for no count limit.
        public var maximumCount: Int?
        /// Removing more than this percentage (0–100) of what the source owns exceeds the limit;
        /// `nil` for no percentage limit.
        public var maximumPercentage: Double?
        /// The percentage is only checked from this many removals on, so that small sources can
        /// still lose a few members.
        public var percentageAppliesFrom: Int

        /// Creates a threshold.
        /// - Parameters:
        ///   - maximumCount: The most removals allowed.
        ///   - maximumPercentage: The largest share (0–100) allowed.
        ///   - percentageAppliesFrom: The number of removals from which the share is checked.
        public init(maximumCount: Int?, maximumPercentage: Double?, percentageAppliesFrom: Int = 10) {
            self.maximumCount = maximumCount
            self.maximumPercentage = maximumPercentage
            self.percentageAppliesFrom = percentageAppliesFrom
        }

        /// No limit.
        public static let unlimited = Threshold(maximumCount: nil, maximumPercentage: nil)

        func violation(_ kind: Violation.Kind, count: Int, owned: Int) -> Violation? {
            if let maximumCount, count > maximumCount {
                return Violation(kind: kind, count: count, owned: owned, limit: "at most \(maximumCount)")
            }
            if let maximumPercentage, count >= percentageAppliesFrom, owned > 0,
                Double(count) * 100 > maximumPercentage * Double(owned)
            {
                return Violation(kind: kind, count: count, owned: owned, limit: "at most \(maximumPercentage)% of \(owned)")
            }
            return nil
        }
    }

    /// One limit exceeded.
    public struct Violation: Hashable, Codable, Sendable, CustomStringConvertible {
        /// What is being removed.
        public enum Kind: String, Hashable, Codable, Sendable {
            /// Users removed or disabled.
            case users
            /// Groups removed.
            case groups
            /// Memberships removed from groups that stay.
            case memberships
        }
        /// What is being removed.
        public var kind: Kind
        /// How many the plan removes.
        public var count: Int
        /// How many the source owns now.
        public var owned: Int
        /// The limit, in words.
        public var limit: String

        /// Creates a violation.
        /// - Parameters:
        ///   - kind: What is being removed.
        ///   - count: How many the plan removes.
        ///   - owned: How many the source owns now.
        ///   - limit: The limit, in words.
        public init(kind: Kind, count: Int, owned: Int, limit: String) {
            self.kind = kind
            self.count = count
            self.owned = owned
            self.limit = limit
        }

        /// For example `1200 users of 1500 would be removed, disabled or set pending removal (limit:
        /// at most 500)`, `1 group of 3 would be removed or set pending removal …` or `2 memberships
        /// of 9 would be removed …`: the guard counts what leaves the scope whatever the out-of-scope
        /// policy does with it (``SyncSettings/OutOfScopeAction``), so the sentence names each
        /// thing that can happen to it.
        public var description: String {
            let noun = count == 1 ? String(kind.rawValue.dropLast()) : kind.rawValue
            let fate = switch kind {
            case .users: "would be removed, disabled or set pending removal"
            case .groups: "would be removed or set pending removal"
            case .memberships: "would be removed"
            }
            return "\(count) \(noun) of \(owned) \(fate) (limit: \(limit))"
        }
    }

    /// The guard's judgement of a plan.
    ///
    /// JSON: `{"kind": "withinLimits"}` or
    /// `{"kind": "exceeded", "violations": [{"kind": "users", "count": 1200, "owned": 1500, "limit": "at most 500"}]}`.
    public enum Verdict: Hashable, Codable, Sendable {
        /// Nothing exceeds the limits.
        case withinLimits
        /// These limits are exceeded; applying needs explicit permission.
        case exceeded([Violation])

        /// Whether the plan may be applied without explicit permission.
        public var isWithinLimits: Bool { self == .withinLimits }
    }

    /// The limit for users removed or disabled.
    public var users: Threshold
    /// The limit for groups removed.
    public var groups: Threshold
    /// The limit for memberships removed from groups that stay.
    public var memberships: Threshold

    /// Creates a guard. The defaults stop a run that would remove more than 500 users (or 20% of
    /// the source's users), 100 groups (or 20%), or 5,000 memberships (or 30%).
    /// - Parameters:
    ///   - users: The limit for users.
    ///   - groups: The limit for groups.
    ///   - memberships: The limit for memberships.
    public init(
        users: Threshold = Threshold(maximumCount: 500, maximumPercentage: 20),
        groups: Threshold = Threshold(maximumCount: 100, maximumPercentage: 20),
        memberships: Threshold = Threshold(maximumCount: 5_000, maximumPercentage: 30)
    ) {
        self.users = users
        self.groups = groups
        self.memberships = memberships
    }

    /// A guard that allows everything.
    public static let disabled = DeletionGuard(users: .unlimited, groups: .unlimited, memberships: .unlimited)

    /// Judges removal counts against the limits.
    /// - Parameters:
    ///   - removedUsers: Users removed or disabled.
    ///   - ownedUsers: Users the source owns now.
    ///   - removedGroups: Groups removed.
    ///   - ownedGroups: Groups the source owns now.
    ///   - removedMemberships: Memberships removed from groups that stay.
    ///   - ownedMemberships: Memberships of the source's users in the source's groups now.
    /// - Returns: The verdict.
    public func verdict(
        removedUsers: Int, ownedUsers: Int, removedGroups: Int, ownedGroups: Int,
        removedMemberships: Int, ownedMemberships: Int
    ) -> Verdict {
        let violations = [
            users.violation(.users, count: removedUsers, owned: ownedUsers),
            groups.violation(.groups, count: removedGroups, owned: ownedGroups),
            memberships.violation(.memberships, count: removedMemberships, owned: ownedMemberships),
        ].compactMap { $0 }
        return violations.isEmpty ? .withinLimits : .exceeded(violations)
    }
}

extension DeletionGuard.Verdict {
    private enum CodingKeys: String, CodingKey { case kind, violations }

    /// Decodes `{"kind": "withinLimits"}` or `{"kind": "exceeded", "violations": […]}`, or the form
    /// saved before it (`{"exceeded": {"_0": […]}}`), so previews saved earlier still load.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let name: String
        let violations: () throws -> [DeletionGuard.Violation]
        if let kind = try container.decodeIfPresent(String.self, forKey: .kind) {
            name = kind
            violations = { try container.decode([DeletionGuard.Violation].self, forKey: .violations) }
        } else {
            let (legacyName, values) = try decoder.synthesizedEnumCase(expected: "a verdict with a \"kind\"")
            name = legacyName
            violations = { try values.decode([DeletionGuard.Violation].self, forKey: AnyCodingKey("_0")) }
        }
        switch name {
        case "withinLimits": self = .withinLimits
        case "exceeded": self = .exceeded(try violations())
        default: throw DecodingError.unknownCase(name, of: "verdict", known: ["withinLimits", "exceeded"], codingPath: decoder.codingPath)
        }
    }

    /// Encodes `{"kind": "withinLimits"}` or `{"kind": "exceeded", "violations": […]}`.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .withinLimits: try container.encode("withinLimits", forKey: .kind)
        case .exceeded(let violations):
            try container.encode("exceeded", forKey: .kind)
            try container.encode(violations, forKey: .violations)
        }
    }
}
