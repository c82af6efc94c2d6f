import Foundation

/// What a source connects with, except the secret (which lives in a ``SecretStore``).
public struct SourceCredentials: Hashable, Codable, Sendable {
    /// The application (client) ID.
    public var clientID: String
    /// The tenant: its primary domain or its id.
    public var tenant: String
    /// When the client secret expires, if known; drives warnings ahead of time.
    public var secretExpiration: Date?
    /// Another sign-in endpoint (an emulator, a national cloud); `nil` for the global cloud.
    public var loginURL: URL?
    /// Another Graph endpoint (with its version path); `nil` for the global cloud.
    public var graphURL: URL?

    /// Creates credentials.
    public init(clientID: String, tenant: String, secretExpiration: Date? = nil, loginURL: URL? = nil, graphURL: URL? = nil) {
        self.clientID = clientID
        self.tenant = tenant
        self.secretExpiration = secretExpiration
        self.loginURL = loginURL
        self.graphURL = graphURL
    }
}

/// Everything needed to reach a source's directory.
public struct SourceConnection: Sendable {
    /// The source's domain (must be verified in the tenant).
    public var domain: String
    /// The credentials.
    public var credentials: SourceCredentials
    /// The client secret.
    public var secret: Secret

    /// Creates a connection description.
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
}

/// The outcome of "Test connection", step by step, in words that never contain a secret.
public struct ConnectionTestResult: Hashable, Codable, Sendable, CustomStringConvertible {
    /// One step.
    public struct Step: Hashable, Codable, Sendable {
        /// How a step ended.
        public enum Status: String, Hashable, Codable, Sendable {
            /// Passed.
            case passed
            /// Passed with a caveat.
            case warning
            /// Failed.
            case failed
            /// Not run, because an earlier step failed.
            case skipped
        }

        /// The step's name (`input`, `cloud`, `token`, `permissions`, `graphRead`, `domain`).
        public var name: String
        /// How it ended.
        public var status: Status
        /// What it found, or what is wrong and how to fix it.
        public var detail: String

        /// Creates a step.
        public init(name: String, status: Status, detail: String) {
            self.name = name
            self.status = status
            self.detail = detail
        }
    }

    /// The steps, in order.
    public var steps: [Step]
    /// The failing step's error code (`wrongSecret`, `unknownTenant`, …), when one failed.
    public var errorCode: String?

    /// Creates a result.
    public init(steps: [Step], errorCode: String? = nil) {
        self.steps = steps
        self.errorCode = errorCode
    }

    /// Whether every step passed (warnings allowed).
    public var isSuccessful: Bool { steps.allSatisfy { $0.status == .passed || $0.status == .warning } && !steps.isEmpty }

    /// The warnings found (an expiring secret, for example).
    public var warnings: [String] { steps.filter { $0.status == .warning }.map(\.detail) }

    /// One line per step: `✔ token: issued`, `✘ token: …`.
    public var description: String {
        steps.map { step in
            let mark = switch step.status {
            case .passed: "✔"
            case .warning: "!"
            case .failed: "✘"
            case .skipped: "-"
            }
            return "\(mark) \(step.name): \(step.detail)"
        }.joined(separator: "\n")
    }
}
