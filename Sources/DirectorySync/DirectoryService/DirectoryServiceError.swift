/// A ``DirectoryService`` request that breaks a rule. Branch on ``code``; the ``description`` names
/// the cause and the fix.
public struct DirectoryServiceError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<DirectoryServiceError>

    /// Which rule.
    public var code: Code
    /// What happened, naming the source or the value concerned.
    public var detail: String
    /// What to do.
    public var fix: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, when there is one.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: Which rule.
    ///   - detail: What happened.
    ///   - fix: What to do.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, _ detail: String, fix: String, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = detail
        self.fix = fix
        storedUnderlying = UnderlyingError(underlying)
    }

    /// `false` for what a run cannot get past until an administrator acts: no secret saved
    /// (`missingSecret`), credentials refused or never tested (`credentialsNotTested`), new
    /// credentials that failed their test (`credentialsTestFailed`).
    public var healsByItself: Bool { ![.missingSecret, .credentialsNotTested, .credentialsTestFailed].contains(code) }
}

extension ErrorCode where Area == DirectoryServiceError {
    /// The source limit (25 by default) is reached.
    public static let tooManySources = Self(rawValue: "tooManySources")
    /// Another source has the same name.
    public static let duplicateName = Self(rawValue: "duplicateName")
    /// Another Entra source synchronizes the same domain.
    public static let duplicateDomain = Self(rawValue: "duplicateDomain")
    /// Another source synchronizes the same tenant, named by another of its verified domains or
    /// by its tenant id (a tenant has one source: two would read the same users).
    public static let duplicateTenant = Self(rawValue: "duplicateTenant")
    /// The domain is synchronized from on-premises Active Directory.
    public static let onPremisesDomain = Self(rawValue: "onPremisesDomain")
    /// The value is malformed (domain syntax, empty name …).
    public static let invalidInput = Self(rawValue: "invalidInput")
    /// No source has this name or id.
    public static let unknownSource = Self(rawValue: "unknownSource")
    /// The source must be off for this (remove, change credentials or domain, preview).
    public static let sourceIsOn = Self(rawValue: "sourceIsOn")
    /// The source must be on for this (synchronize).
    public static let sourceIsOff = Self(rawValue: "sourceIsOff")
    /// The source has no credentials, or its credentials have not passed a connection test.
    public static let credentialsNotTested = Self(rawValue: "credentialsNotTested")
    /// The secret store has no client secret for the source.
    public static let missingSecret = Self(rawValue: "missingSecret")
    /// New credentials for a source that is on failed their connection test: nothing was saved,
    /// and the source keeps the credentials and secret it had (the detail names the failing step).
    public static let credentialsTestFailed = Self(rawValue: "credentialsTestFailed")
    /// A synchronization of this source is running.
    public static let synchronizationRunning = Self(rawValue: "synchronizationRunning")
    /// There is no preview, or it expired.
    public static let noPreview = Self(rawValue: "noPreview")
    /// No report is kept for the run asked for (no run yet, an unknown run, or one past the retention).
    public static let noReport = Self(rawValue: "noReport")
    /// The source waits for the removals of its last run to be confirmed (no user is synchronized
    /// on demand meanwhile).
    public static let needsConfirmation = Self(rawValue: "needsConfirmation")
}
