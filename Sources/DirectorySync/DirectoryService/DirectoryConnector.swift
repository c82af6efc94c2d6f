import Foundation

/// Everything needed to reach a source's directory: its domain, its ``SourceCredentials`` and the
/// client secret's value (kept apart from the credentials, in a ``SecretStore``, so credentials
/// can be saved, shown and encoded safely).
public struct SourceConnection: Sendable {
    /// The source's domain (must be verified in the tenant).
    public var domain: String
    /// The credentials.
    public var credentials: SourceCredentials
    /// The client secret.
    public var secret: Secret

    /// Creates a connection description.
    /// - Parameters:
    ///   - domain: The source's domain.
    ///   - credentials: The credentials.
    ///   - secret: The client secret's value.
    public init(domain: String, credentials: SourceCredentials, secret: Secret) {
        self.domain = domain
        self.credentials = credentials
        self.secret = secret
    }
}

/// Makes providers for sources and tests their connections: the seam between
/// ``DirectoryService`` and a kind of directory (`GraphDirectoryConnector` for Entra ID; an
/// in-memory one in `DirectorySyncTesting`).
public protocol DirectoryConnector: Sendable {
    /// The kind of source, as status shows it (`Microsoft Entra ID`).
    var sourceType: String { get }

    /// A provider reading the source's directory.
    /// - Parameter connection: Domain, credentials and secret.
    /// - Throws: An error naming the malformed value.
    func provider(for connection: SourceConnection) throws -> any DirectoryProvider

    /// Tests the connection step by step; never throws.
    /// - Parameter connection: Domain, credentials and secret (saved or not).
    func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult

    /// Days before a client secret's expiry at which it is warned about: the one setting that
    /// the connection test (its `input` step warns), ``DirectoryService/status(_:)`` (the warning
    /// `secretExpiring`) and the service's `secretExpiring` events (once per lead time) all use,
    /// with days counted by ``SourceCredentials/secretExpiry(now:leadTimes:)``.
    /// ``SourceCredentials/SecretExpiry/defaultLeadTimes`` (30, 7 and 1) unless the connector says
    /// otherwise (`GraphDirectoryConnector` takes its provider configuration's).
    var secretExpiryLeadTimes: [Int] { get }
}

extension DirectoryConnector {
    /// ``SourceCredentials/SecretExpiry/defaultLeadTimes``: 30, 7 and 1 days.
    public var secretExpiryLeadTimes: [Int] { SourceCredentials.SecretExpiry.defaultLeadTimes }
}
