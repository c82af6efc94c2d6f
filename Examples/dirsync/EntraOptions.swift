import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import Foundation

/// Reads Entra credentials and endpoints from `--tenant`, `--client-id`, `--client-secret-env`,
/// `--client-secret-stdin`, `--secret-expires`, `--login-url`, `--graph-url`.
/// The secret is never an argument: it comes from an environment variable or standard input.
enum EntraOptions {
    static let help = """
          --tenant DOMAIN            the tenant's primary domain (or its id)
          --client-id ID             the application (client) id
          --client-secret-env VAR    read the client secret from this environment variable
          --client-secret-stdin      read the client secret from standard input
          --secret-expires YYYY-MM-DD   the secret's expiry date (warnings ahead of time)
          --login-url URL --graph-url URL   other endpoints (such as `dirsync emulate-graph`'s)
        """

    static func parse(_ arguments: inout Arguments) throws -> (EntraCredentials, EntraEndpoints) {
        guard let tenant = try arguments.option("tenant") else { throw UsageError("--tenant DOMAIN is required") }
        guard let clientID = try arguments.option("client-id") else { throw UsageError("--client-id ID is required") }
        let secret: String
        if let variable = try arguments.option("client-secret-env") {
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw UsageError("the environment variable \(variable) is not set or empty")
            }
            secret = value
        } else if arguments.flag("client-secret-stdin") {
            secret = readLine(strippingNewline: true) ?? ""
        } else {
            throw UsageError("give the client secret with --client-secret-env VAR or --client-secret-stdin (never as an argument)")
        }
        var expiry: Date?
        if let text = try arguments.option("secret-expires") {
            guard let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) else {
                throw UsageError("--secret-expires takes a date as YYYY-MM-DD, not '\(text)'")
            }
            expiry = date
        }
        var endpoints = EntraEndpoints.global
        let login = try arguments.option("login-url")
        let graph = try arguments.option("graph-url")
        if login != nil || graph != nil {
            guard let login, let graph, let loginURL = URL(string: login), let graphURL = URL(string: graph) else {
                throw UsageError("--login-url and --graph-url go together, as absolute URLs")
            }
            do {
                try URLPolicy.check(loginURL)
                try URLPolicy.check(graphURL)
            } catch {
                throw UsageError("\(error)")
            }
            endpoints = EntraEndpoints(login: loginURL, graph: graphURL)
        }
        return (EntraCredentials(tenant: tenant, clientID: clientID, clientSecret: Secret(secret), secretExpiration: expiry), endpoints)
    }
}
