import DirectorySync
import Foundation

/// `policy set`'s options, read from the command line: each one given replaces that part of the
/// source's settings; what is not given stays as it is. It travels to the folder's owner as part
/// of a request (``AdminControl/Request/policy``) and is applied there to the source's settings as
/// they are then, so a change made meanwhile (a filter) is kept.
struct PolicyChange: Codable, Sendable, Equatable {
    /// One deletion-guard threshold as `--guard-users` and its siblings take it: `N` (a count),
    /// `P%` (a percentage of what the source owns), both as `N,P%`, or `off`.
    struct Limit: Codable, Sendable, Equatable {
        /// The most removals, when given.
        var count: Int?
        /// The largest share (0–100), when given.
        var percentage: Double?
        /// `off`: no limit at all.
        var off = false

        /// Reads `N`, `P%`, `N,P%` or `off`.
        init(parsing text: String, option: String) throws {
            let fix = "give --\(option) a count (500), a percentage (20%), both (500,20%) or off"
            if text.lowercased() == "off" {
                off = true
                return
            }
            let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard (1...2).contains(parts.count) else { throw UsageError("--\(option) '\(text)' is not a limit; \(fix)") }
            for part in parts {
                if part.hasSuffix("%") {
                    guard percentage == nil, let value = Double(part.dropLast()), value.isFinite, (0...100).contains(value) else {
                        throw UsageError("--\(option) '\(text)': '\(part)' is not a percentage from 0% to 100%; \(fix)")
                    }
                    percentage = value
                } else {
                    guard count == nil, let value = Int(part), value >= 0 else {
                        throw UsageError("--\(option) '\(text)': '\(part)' is not a count (a whole number, 0 or more); \(fix)")
                    }
                    count = value
                }
            }
        }

        /// The threshold with this change applied.
        func applied(to threshold: DeletionGuard.Threshold) -> DeletionGuard.Threshold {
            var threshold = threshold
            if off {
                threshold.maximumCount = nil
                threshold.maximumPercentage = nil
            }
            if let count { threshold.maximumCount = count }
            if let percentage { threshold.maximumPercentage = percentage }
            return threshold
        }
    }

    /// The removal policy's name (``SyncSettings/OutOfScopeAction/name``), when given.
    var removal: String?
    /// The grace of staged deletion in seconds, when given.
    var graceSeconds: Int64?
    /// What to do with users without email, when given.
    var missingEmail: SyncSettings.MissingEmailPolicy?
    /// The users' guard, when given.
    var users: Limit?
    /// The groups' guard, when given.
    var groups: Limit?
    /// The memberships' guard, when given.
    var memberships: Limit?

    /// The removal policies as the command line names them, with their names in the settings.
    static let removals: KeyValuePairs<String, String> = [
        "remove": "remove", "disable": "disable", "disable-then-remove": "disableThenRemove", "never": "never",
    ]

    /// Reads `--removal`, `--grace`, `--missing-email` and `--guard-users|groups|memberships`.
    /// - Throws: ``UsageError`` naming the value and the fix; also when nothing is given.
    static func parse(_ arguments: inout Arguments) throws -> PolicyChange {
        var change = PolicyChange()
        if let text = try arguments.option("removal") {
            guard let name = removals.first(where: { $0.key == text.lowercased() })?.value else {
                throw UsageError("--removal '\(text)' is not a removal policy; use remove, disable, disable-then-remove or never")
            }
            change.removal = name
        }
        if let text = try arguments.option("grace") {
            change.graceSeconds = try graceSeconds(parsing: text)
            if let removal = change.removal, removal != "disableThenRemove" {
                throw UsageError("--grace is the grace of --removal disable-then-remove, not of \(PolicyText.removal(removal)); leave it out or use --removal disable-then-remove")
            }
        }
        if let text = try arguments.option("missing-email") {
            switch text.lowercased() {
            case "sync": change.missingEmail = .syncWithWarning
            case "skip": change.missingEmail = .skip
            default: throw UsageError("--missing-email '\(text)' is not a policy; use sync (synchronize them with a warning) or skip")
            }
        }
        if let text = try arguments.option("guard-users") { change.users = try Limit(parsing: text, option: "guard-users") }
        if let text = try arguments.option("guard-groups") { change.groups = try Limit(parsing: text, option: "guard-groups") }
        if let text = try arguments.option("guard-memberships") { change.memberships = try Limit(parsing: text, option: "guard-memberships") }
        guard change != PolicyChange() else {
            throw UsageError("policy set needs at least one of --removal, --grace, --missing-email, --guard-users, --guard-groups and --guard-memberships")
        }
        return change
    }

    /// `7d`, `36h`, `90m`, `3600s` (or `0`) as seconds; at most ten years.
    static func graceSeconds(parsing text: String) throws -> Int64 {
        let units: [Character: Int64] = ["d": 86_400, "h": 3_600, "m": 60, "s": 1]
        let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
        let unit = trimmed.last.flatMap { units[$0] }
        let digits = unit == nil ? trimmed : String(trimmed.dropLast())
        guard let value = Int64(digits), value >= 0, unit != nil || value == 0 else {
            throw UsageError("--grace '\(text)' is not a duration; give a number with d, h, m or s, such as 7d or 36h")
        }
        let seconds = value.multipliedReportingOverflow(by: unit ?? 1)
        guard !seconds.overflow, seconds.partialValue <= SyncSettings.OutOfScopeAction.maximumGrace.components.seconds else {
            throw UsageError("--grace '\(text)' is longer than ten years; give a shorter grace, such as 30d")
        }
        return seconds.partialValue
    }

    /// The settings with this change applied.
    /// - Throws: ``DirectoryServiceError`` `invalidInput` for `--grace` alone on a source whose
    ///   removal policy is not `disable-then-remove`.
    func applied(to settings: SyncSettings) throws -> SyncSettings {
        var settings = settings
        let grace = graceSeconds.map { Duration.seconds($0) }
        switch removal {
        case "remove"?: settings.outOfScope = .remove
        case "disable"?: settings.outOfScope = .disable
        case "never"?: settings.outOfScope = .never
        case "disableThenRemove"?:
            settings.outOfScope = .disableThenRemove(after: grace ?? settings.outOfScope.grace ?? SyncSettings.OutOfScopeAction.defaultGrace)
        default:
            if let grace {
                guard case .disableThenRemove = settings.outOfScope else {
                    throw DirectoryServiceError(
                        .invalidInput, "--grace is the grace of the removal policy disable-then-remove, and this source's is \(PolicyText.removal(settings.outOfScope.name))",
                        fix: "Give --removal disable-then-remove with --grace.")
                }
                settings.outOfScope = .disableThenRemove(after: grace)
            }
        }
        if let missingEmail { settings.missingEmail = missingEmail }
        if let users { settings.deletionGuard.users = users.applied(to: settings.deletionGuard.users) }
        if let groups { settings.deletionGuard.groups = groups.applied(to: settings.deletionGuard.groups) }
        if let memberships { settings.deletionGuard.memberships = memberships.applied(to: settings.deletionGuard.memberships) }
        return settings
    }
}
