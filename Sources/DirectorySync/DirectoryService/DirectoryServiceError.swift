/// A ``DirectoryService`` request that breaks a rule. Branch on ``code``; the ``description`` names
/// the cause and the fix.
public struct DirectoryServiceError: DirectorySyncError {
    /// A stable error code: which rule. New codes may be added; switch with a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The code's text.
        public var rawValue: String
        /// Creates a code from its text.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The source limit (25 by default) is reached.
        public static let tooManySources = Code(rawValue: "tooManySources")
        /// Another source has the same name.
        public static let duplicateName = Code(rawValue: "duplicateName")
        /// Another Entra source synchronizes the same domain.
        public static let duplicateDomain = Code(rawValue: "duplicateDomain")
        /// The domain is synchronized from on-premises Active Directory.
        public static let onPremisesDomain = Code(rawValue: "onPremisesDomain")
        /// The value is malformed (domain syntax, empty name …).
        public static let invalidInput = Code(rawValue: "invalidInput")
        /// No source has this name or id.
        public static let unknownSource = Code(rawValue: "unknownSource")
        /// The source must be off for this (remove, change credentials or domain, preview).
        public static let sourceIsOn = Code(rawValue: "sourceIsOn")
        /// The source must be on for this (synchronize).
        public static let sourceIsOff = Code(rawValue: "sourceIsOff")
        /// The source has no credentials, or its credentials have not passed a connection test.
        public static let credentialsNotTested = Code(rawValue: "credentialsNotTested")
        /// The secret store has no client secret for the source.
        public static let missingSecret = Code(rawValue: "missingSecret")
        /// A synchronization of this source is running.
        public static let synchronizationRunning = Code(rawValue: "synchronizationRunning")
        /// There is no preview, or it expired.
        public static let noPreview = Code(rawValue: "noPreview")

        /// The code's text.
        public var description: String { rawValue }
    }

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
}
