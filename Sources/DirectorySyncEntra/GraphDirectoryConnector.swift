import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Connects ``DirectoryService`` sources to Microsoft Entra ID: makes a ``GraphDirectoryProvider``
/// from a source's saved credentials and runs its step-by-step connection test.
public struct GraphDirectoryConnector: DirectoryConnector {
    /// How providers are made.
    public struct Configuration: Sendable {
        /// The HTTP transport (`URLSessionTransport` by default).
        public var transport: any HTTPTransport
        /// Where login and Graph are when credentials name none.
        public var endpoints: EntraEndpoints
        /// Allow tenants of national clouds (GCC High, DoD, China operated by 21Vianet; refused by default, as the product does); the endpoints must be those of the tenant's cloud.
        public var allowsNationalClouds: Bool
        /// Retries of throttled and failed requests.
        public var retryPolicy: RetryPolicy
        /// Time and sleeping for retries.
        public var retryClock: RetryClock
        /// The host's clock.
        public var now: @Sendable () -> Date
        /// Items per page (1…999).
        public var pageSize: Int

        /// Creates a configuration.
        public init(
            transport: any HTTPTransport = URLSessionTransport(), endpoints: EntraEndpoints = .global, allowsNationalClouds: Bool = false,
            retryPolicy: RetryPolicy = RetryPolicy(), retryClock: RetryClock = .system, now: @escaping @Sendable () -> Date = { Date() },
            pageSize: Int = 999
        ) {
            self.pageSize = pageSize
            self.transport = transport
            self.endpoints = endpoints
            self.allowsNationalClouds = allowsNationalClouds
            self.retryPolicy = retryPolicy
            self.retryClock = retryClock
            self.now = now
        }
    }

    /// How providers are made.
    public let configuration: Configuration

    /// Creates a connector.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    public var sourceType: String { "Microsoft Entra ID" }

    public func provider(for connection: SourceConnection) throws -> any DirectoryProvider {
        try graphProvider(for: connection)
    }

    public func testConnection(_ connection: SourceConnection) async -> ConnectionTestResult {
        let provider: GraphDirectoryProvider
        do {
            provider = try graphProvider(for: connection)
        } catch {
            return ConnectionTestResult(steps: [.init(name: "input", status: .failed, detail: String(describing: error))], errorCode: EntraError.Code.invalidInput.rawValue)
        }
        let report = await provider.testConnection(domain: connection.domain)
        return ConnectionTestResult(
            steps: report.steps.map { step, outcome in
                switch outcome {
                case .passed(let text): .init(name: step.rawValue, status: .passed, detail: text)
                case .warning(let text): .init(name: step.rawValue, status: .warning, detail: text)
                case .failed(let error): .init(name: step.rawValue, status: .failed, detail: error.description)
                case .skipped: .init(name: step.rawValue, status: .skipped, detail: "skipped")
                }
            },
            errorCode: report.failure?.code.rawValue)
    }

    func graphProvider(for connection: SourceConnection) throws -> GraphDirectoryProvider {
        let credentials = connection.credentials
        var endpoints = configuration.endpoints
        if let login = credentials.loginURL, let graph = credentials.graphURL {
            for url in [login, graph] {
                do {
                    try URLPolicy.check(url)
                } catch {
                    throw EntraError(.invalidInput, detail: "the endpoint '\(Redactor.redact(url.absoluteString))' is not allowed: \(error)")
                }
            }
            endpoints = EntraEndpoints(login: login, graph: graph, scope: endpoints.scope)
        } else if credentials.loginURL != nil || credentials.graphURL != nil {
            throw EntraError(.invalidInput, detail: "give both a login URL and a Graph URL, or neither")
        }
        return GraphDirectoryProvider(
            configuration: .init(
                credentials: EntraCredentials(
                    tenant: credentials.tenant, clientID: credentials.clientID, clientSecret: connection.secret,
                    secretExpiration: credentials.secretExpiration),
                endpoints: endpoints, allowsNationalClouds: configuration.allowsNationalClouds, pageSize: configuration.pageSize,
                retryPolicy: configuration.retryPolicy,
                retryClock: configuration.retryClock, now: configuration.now),
            transport: configuration.transport)
    }
}

extension GraphDirectoryConnector: CustomStringConvertible, CustomReflectable {
    /// The default endpoints; never the transport (which may hold anything).
    public var description: String { "GraphDirectoryConnector(graph: \(configuration.endpoints.graph.absoluteString))" }

    /// What `dump` shows: the same safe fields as ``description``.
    public var customMirror: Mirror {
        Mirror(self, children: ["graph": configuration.endpoints.graph, "allowsNationalClouds": configuration.allowsNationalClouds], displayStyle: .struct)
    }
}
