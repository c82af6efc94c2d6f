/// A ``DirectoryService`` request that breaks a rule. The description names the cause and the fix.
public struct DirectoryServiceError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Which rule.
    public enum Code: String, Hashable, Sendable, Codable {
        /// The source limit (25 by default) is reached.
        case tooManySources
        /// Another source has the same name.
        case duplicateName
        /// Another Entra source synchronizes the same domain.
        case duplicateDomain
        /// The domain is synchronized from on-premises Active Directory.
        case onPremisesDomain
        /// The value is malformed (domain syntax, empty name …).
        case invalidInput
        /// No source has this name or id.
        case unknownSource
        /// The source must be off for this (remove, change credentials or domain, preview).
        case sourceIsOn
        /// The source must be on for this (synchronize).
        case sourceIsOff
        /// The source has no credentials, or its credentials have not passed a connection test.
        case credentialsNotTested
        /// The secret store has no client secret for the source.
        case missingSecret
        /// A synchronization of this source is running.
        case synchronizationRunning
        /// There is no preview, or it expired.
        case noPreview
    }

    /// Which rule.
    public var code: Code
    /// What happened and what to do.
    public var message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `<code>: <message>`
    public var description: String { "\(code.rawValue): \(message)" }
}
