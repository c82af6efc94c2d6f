import Foundation

/// One configured directory (an Entra ID tenant domain) and everything about how it synchronizes.
/// The client secret is not here: it lives in the ``SecretStore``.
public struct Source: Hashable, Codable, Sendable, Identifiable {
    /// The identifier, derived from the name (lower-case letters, digits and `-`); stable.
    public var id: SourceID
    /// The name shown to administrators (unique, case-insensitively).
    public var name: String
    /// A description.
    public var description: String
    /// The domain synchronized, normalised (lower-case, no trailing dot).
    public var domain: String
    /// The connection, once set (the secret is kept apart).
    public var credentials: SourceCredentials?
    /// When the saved credentials last passed "Test connection"; `nil` after they change.
    public var credentialsTestedAt: Date?
    /// Filter and policies.
    public var settings: SyncSettings
    /// When scheduled synchronizations run.
    public var schedule: SyncSchedule
    /// Where the source stands.
    public var state: SourceState
    /// Scheduled runs are due after this instant (set when the source is turned on and after each scheduled run).
    public var scheduledFrom: Date?

    /// Creates a source that is off, with no credentials, all users and groups, and no schedule.
    public init(id: SourceID, name: String, description: String = "", domain: String) {
        self.id = id
        self.name = name
        self.description = description
        self.domain = domain
        settings = SyncSettings()
        schedule = .manual
        state = .off
    }
}

/// Where a source stands.
///
/// `off` → `on` (needs tested credentials) → `synchronizing` → `on`, `error` or
/// `needsConfirmation`; `off` ↔ `previewing`. Turning off is possible from every state.
public enum SourceState: String, Hashable, Codable, Sendable, CustomStringConvertible {
    /// Not synchronizing; previews allowed.
    case off
    /// On and idle: synchronizes when asked and on schedule.
    case on
    /// A synchronization is running.
    case synchronizing
    /// A preview is being made.
    case previewing
    /// The last run stopped at the deletion guard: nothing runs until the host confirms or changes the filter.
    case needsConfirmation
    /// The last run failed; the next scheduled or manual run tries again.
    case error

    /// Whether the source is turned on (synchronizes on schedule or when asked).
    public var isOn: Bool { self != .off && self != .previewing }

    /// The state's name.
    public var description: String { rawValue }
}
