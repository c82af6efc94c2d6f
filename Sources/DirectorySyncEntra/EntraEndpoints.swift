import Foundation

/// Where the token endpoint and Microsoft Graph are, and the scope tokens are asked for.
public struct EntraEndpoints: Hashable, Sendable {
    /// The login (token) base URL, such as `https://login.microsoftonline.com`.
    public var login: URL
    /// The Graph base URL including the version, such as `https://graph.microsoft.com/v1.0`.
    public var graph: URL
    /// The scope of token requests, such as `https://graph.microsoft.com/.default`.
    public var scope: String

    /// Creates endpoints.
    /// - Parameters:
    ///   - login: The login base URL.
    ///   - graph: The Graph base URL with its version.
    ///   - scope: The token scope (defaults to the commercial Graph's `.default`).
    public init(login: URL, graph: URL, scope: String = "https://graph.microsoft.com/.default") {
        self.login = login
        self.graph = graph
        self.scope = scope
    }

    /// The global (commercial and GCC) cloud.
    public static let global = EntraEndpoints(
        login: URL(string: "https://login.microsoftonline.com")!, graph: URL(string: "https://graph.microsoft.com/v1.0")!)

    /// The endpoints of a national cloud, from the Graph host its discovery document names.
    /// - Parameter graphHost: `graph.microsoft.us`, `dod-graph.microsoft.us`, …
    /// - Returns: The endpoints.
    public static func nationalCloud(graphHost: String) -> EntraEndpoints {
        let login = graphHost.hasSuffix(".us") ? "https://login.microsoftonline.us" : graphHost.contains("chinacloudapi") ? "https://login.chinacloudapi.cn" : "https://login.microsoftonline.com"
        return EntraEndpoints(login: URL(string: login)!, graph: URL(string: "https://\(graphHost)/v1.0")!, scope: "https://\(graphHost)/.default")
    }
}
