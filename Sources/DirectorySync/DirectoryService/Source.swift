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
    /// The tenant the source holds: the one its credentials reached when they last passed "Test
    /// connection" (its id and verified domains), which the one-source-per-tenant rule compares.
    /// New credentials leave it held until they pass their own test, which replaces it with the
    /// tenant they reach, so no other source can take it meanwhile. `nil` until a test passed,
    /// and for sources saved before it was kept.
    public var tenant: TenantIdentity?
    /// Filter and policies.
    public var settings: SyncSettings
    /// When scheduled synchronizations run.
    public var schedule: SyncSchedule
    /// Where the source stands.
    public var state: SourceState
    /// Scheduled runs are due after this instant (set when the source is turned on and after each scheduled run).
    public var scheduledFrom: Date?
    /// Why and since when the source is quarantined, and its next attempt; `nil` when it is not
    /// (``SourceState/quarantined``).
    public var quarantine: SourceQuarantine?
    /// Whole runs that failed in a row (JSON `failureStreak`, absent when none; sources saved
    /// without it decode as none).
    var failureStreak: Int?
    /// Which secret in the ``SecretStore`` goes with ``credentials`` (JSON `secretGeneration`,
    /// absent for the first): a new secret is written under a new key and the source switches
    /// to it in one write of the sources document, so credentials and secret always match.
    var secretGeneration: Int?
    /// The secret-expiry lead time already announced for the current expiry date, so each is
    /// announced once, across restarts (JSON `secretExpiryNotice`).
    var secretExpiryNotice: SecretExpiryNotice?

    /// Whole runs that failed in a row since the last one that did not (0 when the last did not
    /// fail). On-demand runs for one user do not count.
    public var consecutiveFailures: Int {
        get { failureStreak ?? 0 }
        set { failureStreak = newValue > 0 ? newValue : nil }
    }

    /// The key under which the ``SecretStore`` keeps the client secret that goes with
    /// ``credentials``: ``SecretKey/clientSecret(_:generation:)`` of the source's id and the
    /// generation its last secret was saved as (0, `<id>.client-secret`, until a secret is
    /// replaced).
    public var secretKey: SecretKey { .clientSecret(id, generation: secretGeneration ?? 0) }

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
/// `off` → `on` (needs tested credentials) → `synchronizing` → `on`, `error`, `quarantined` or
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
    /// Runs failed again and again, or in a way that cannot heal by itself: scheduled attempts
    /// back off (``Source/quarantine`` says why and when the next one is) until a manual
    /// synchronization, a credential or settings change, or a successful run releases it.
    case quarantined

    /// Whether the source is turned on (synchronizes on schedule or when asked).
    public var isOn: Bool { self != .off && self != .previewing }

    /// The state's name.
    public var description: String { rawValue }
}
