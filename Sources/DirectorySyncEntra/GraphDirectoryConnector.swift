import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Connects ``DirectorySync/DirectoryService`` sources to Microsoft Entra ID: makes a ``GraphDirectoryProvider``
/// from a source's saved credentials and runs its step-by-step connection test.
///
/// ```swift
/// let connector = GraphDirectoryConnector(configuration: .init(provider: .init(retryPolicy: RetryPolicy(maximumAttempts: 6))))
/// let service = try await DirectoryService.open(store: store, state: state, secrets: secrets, connector: connector)
/// ```
public struct GraphDirectoryConnector: DirectoryConnector {
    /// How providers are made: every source's provider gets ``provider`` and ``transport``.
    public struct Configuration: Sendable {
        /// The providers' configuration (default endpoints, national clouds, page size, retries, clock).
        public var provider: GraphDirectoryProvider.Configuration
        /// The HTTP transport (`URLSessionTransport` by default); each provider wraps it in its retries.
        public var transport: any HTTPTransport

        /// Creates a configuration.
        /// - Parameters:
        ///   - provider: The providers' configuration.
        ///   - transport: The HTTP transport.
        public init(provider: GraphDirectoryProvider.Configuration = .init(), transport: any HTTPTransport = URLSessionTransport()) {
            self.provider = provider
            self.transport = transport
        }
    }

    /// How providers are made.
    public let configuration: Configuration

    /// Creates a connector.
    /// - Parameter configuration: How providers are made.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// `Microsoft Entra ID`.
    public var sourceType: String { "Microsoft Entra ID" }

    /// A Graph provider for the source.
    /// - Parameter connection: Domain, credentials and secret.
    /// - Returns: The provider.
    /// - Throws: ``EntraError`` `invalidInput` for malformed credentials or an empty secret.
    public func provider(for connection: SourceConnection) throws -> any DirectoryProvider {
        try GraphDirectoryProvider.validate(connection.credentials, secret: connection.secret)
        return graphProvider(for: connection)
    }

    /// Runs the provider's connection test (``GraphDirectoryProvider/testConnection(domain:)``).
    /// - Parameter connection: Domain, credentials and secret (saved or not).
    /// - Returns: The steps and what they found.
    public func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult {
        await graphProvider(for: connection).testConnection(domain: connection.domain)
    }

    /// The providers' ``GraphDirectoryProvider/Configuration/secretExpiryLeadTimes``: the connection
    /// test, a service's status and its expiry events warn at the same days.
    public var secretExpiryLeadTimes: [Int] { configuration.provider.secretExpiryLeadTimes }

    func graphProvider(for connection: SourceConnection) -> GraphDirectoryProvider {
        GraphDirectoryProvider(
            credentials: connection.credentials, secret: connection.secret, configuration: configuration.provider, transport: configuration.transport)
    }
}

extension GraphDirectoryConnector: CustomStringConvertible, CustomReflectable {
    /// The default endpoints; never the transport (which may hold anything).
    public var description: String { "GraphDirectoryConnector(graph: \(configuration.provider.endpoints.graph.absoluteString))" }

    /// What `dump` shows: the same safe fields as ``description``.
    public var customMirror: Mirror {
        Mirror(self, children: ["graph": configuration.provider.endpoints.graph, "allowsNationalClouds": configuration.provider.allowsNationalClouds], displayStyle: .struct)
    }
}
