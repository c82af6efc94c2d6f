extension SyncSettings {
    /// What happens to a source's identities that left its scope (the removal policy).
    ///
    /// | policy | users that left the scope | groups that left the scope |
    /// | --- | --- | --- |
    /// | ``remove`` | removed | emptied and removed |
    /// | ``disable`` | disabled, kept with their memberships | emptied and removed |
    /// | ``disableThenRemove(after:)`` | disabled at once, kept with their memberships; removed when still out of scope after the grace | kept as they are; emptied and removed when still out of scope after the grace |
    /// | ``never`` | left as they are | left as they are, members included |
    ///
    /// In JSON the policy is two fields of the settings object: `"outOfScope"` — `"remove"`,
    /// `"disable"`, `"disableThenRemove"` or `"never"` — and, for `disableThenRemove` only,
    /// `"removalGraceSeconds"` (a number). Settings saved as `"remove"` or `"disable"` by earlier
    /// versions read unchanged.
    public enum OutOfScopeAction: Hashable, Sendable, Codable {
        /// Delete them from the store (the default, as the product describes).
        case remove
        /// Keep them but disable them. Groups that left the scope are still removed.
        case disable
        /// Staged deletion: disable users at once (groups stay as they are) and mark each identity
        /// *removal pending*; remove it only if it is still out of scope when the grace has passed
        /// since it left. One that comes back in time is enabled again with its memberships, as if
        /// it had never left.
        /// - Parameter after: The grace period (``SyncSettings/OutOfScopeAction/defaultGrace``, 7 days,
        ///   unless chosen otherwise), from zero to ``SyncSettings/OutOfScopeAction/maximumGrace``
        ///   (ten years); zero removes at the first run that sees it out of scope.
        ///   ``DirectoryService/setSettings(_:_:)`` refuses another grace (``validate()``), and
        ///   saved settings with one read as damaged.
        case disableThenRemove(after: Duration)
        /// Add-only ("skip deletes"): nothing that left the scope is removed or disabled, and the
        /// memberships of groups that left the scope are left as they are.
        case never

        /// The grace of ``disableThenRemove(after:)`` when none is chosen: 7 days.
        public static let defaultGrace: Duration = .seconds(7 * 86_400)

        /// The longest grace of ``disableThenRemove(after:)``: ten years (3,650 days).
        public static let maximumGrace: Duration = .seconds(3_650 * 86_400)

        /// Checks the policy before it is saved: the grace of ``disableThenRemove(after:)`` is from
        /// zero to ``maximumGrace``.
        /// - Throws: ``DirectoryServiceError`` `invalidInput` naming the grace and the range.
        public func validate() throws(DirectoryServiceError) {
            guard let grace, grace < .zero || grace > Self.maximumGrace else { return }
            throw DirectoryServiceError(
                .invalidInput, "The removal grace of \(grace.components.seconds) seconds is outside 0 seconds to 10 years",
                fix: "Choose a grace from 0 to 10 years (the default is 7 days).")
        }

        /// The policy's name in JSON and on the command line: `remove`, `disable`,
        /// `disableThenRemove` or `never`.
        public var name: String {
            switch self {
            case .remove: "remove"
            case .disable: "disable"
            case .disableThenRemove: "disableThenRemove"
            case .never: "never"
            }
        }

        /// The grace period of ``disableThenRemove(after:)``; `nil` for the other policies.
        public var grace: Duration? {
            if case .disableThenRemove(let grace) = self { grace } else { nil }
        }

        private enum CodingKeys: String, CodingKey {
            case outOfScope, removalGraceSeconds
        }

        /// Reads the policy from the `outOfScope` and `removalGraceSeconds` fields of the object being
        /// decoded (``SyncSettings`` shares its object with them).
        /// - Parameter decoder: The decoder.
        /// - Throws: `DecodingError` for an unknown policy name, or a grace that is not a number of
        ///   seconds from zero to ``maximumGrace`` (damaged or edited by hand).
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let name = try container.decode(String.self, forKey: .outOfScope)
            switch name {
            case "remove": self = .remove
            case "disable": self = .disable
            case "never": self = .never
            case "disableThenRemove":
                let seconds = try container.decodeIfPresent(Double.self, forKey: .removalGraceSeconds)
                guard let seconds else {
                    self = .disableThenRemove(after: Self.defaultGrace)
                    return
                }
                // Checked before it becomes a Duration: one out of Duration's range would trap.
                guard seconds.isFinite, seconds >= 0, seconds <= Self.maximumGrace.timeInterval else {
                    throw DecodingError.dataCorruptedError(
                        forKey: .removalGraceSeconds, in: container,
                        debugDescription: "The removal grace of \(seconds) seconds is outside 0 seconds to 10 years (315360000 seconds); the settings are damaged or were edited by hand.")
                }
                self = .disableThenRemove(after: .seconds(seconds))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .outOfScope, in: container,
                    debugDescription: "Unknown removal policy '\(name)'; expected remove, disable, disableThenRemove or never.")
            }
        }

        /// Writes the policy as the `outOfScope` field (and `removalGraceSeconds` for
        /// ``disableThenRemove(after:)``) of the object being encoded.
        /// - Parameter encoder: The encoder.
        /// - Throws: What the encoder throws.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(name, forKey: .outOfScope)
            guard let grace else { return }
            let (seconds, attoseconds) = grace.components
            if attoseconds == 0 {
                try container.encode(seconds, forKey: .removalGraceSeconds)
            } else {
                try container.encode(grace.timeInterval, forKey: .removalGraceSeconds)
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as Foundation counts time.
    var timeInterval: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
