import DirectorySyncHTTP
import DirectorySync
import Foundation

/// The outcome of "Test connection": each step in order, with what it found.
public struct ConnectionReport: Sendable, CustomStringConvertible {
    /// The steps of a connection test.
    public enum Step: String, Sendable, CaseIterable {
        /// The tenant, client id and secret are well formed, and the secret has not expired.
        case input
        /// The tenant exists and lives in a supported cloud.
        case cloud
        /// A token was issued for the application.
        case token
        /// The token carries `Directory.Read.All` (or `User.Read.All` + `GroupMember.Read.All`).
        case permissions
        /// A minimal Graph read worked.
        case graphRead
        /// The source's domain is a verified domain of the tenant.
        case domain
    }

    /// What one step found.
    public enum Outcome: Sendable {
        /// The step passed.
        case passed(String)
        /// The step passed with a caveat (an expiring secret, a domain that could not be checked).
        case warning(String)
        /// The step failed.
        case failed(EntraError)
        /// Not run because an earlier step failed.
        case skipped
    }

    /// The steps and their outcomes, in order.
    public var steps: [(step: Step, outcome: Outcome)]

    /// Whether no step failed (warnings allowed).
    public var isSuccessful: Bool {
        steps.allSatisfy {
            if case .failed = $0.outcome { return false }
            if case .skipped = $0.outcome { return false }
            return true
        }
    }

    /// The first failure, if any.
    public var failure: EntraError? {
        for (_, outcome) in steps { if case .failed(let error) = outcome { return error } }
        return nil
    }

    /// One line per step: `✔ token: issued`, `✘ token: wrongSecret: …`.
    public var description: String {
        steps.map { step, outcome in
            switch outcome {
            case .passed(let text): "✔ \(step.rawValue): \(text)"
            case .warning(let text): "! \(step.rawValue): \(text)"
            case .failed(let error): "✘ \(step.rawValue): \(error)"
            case .skipped: "- \(step.rawValue): skipped"
            }
        }.joined(separator: "\n")
    }
}

extension GraphDirectoryProvider {
    /// Tests the connection, step by step, on these (saved or unsaved) credentials.
    /// - Parameter domain: The source's domain, which must be verified in the tenant.
    /// - Returns: The report; ``ConnectionReport/isSuccessful`` tells whether synchronization can work.
    public func testConnection(domain: String) async -> ConnectionReport {
        var steps: [(ConnectionReport.Step, ConnectionReport.Outcome)] = []
        func finish(failing step: ConnectionReport.Step, _ error: any Error) -> ConnectionReport {
            let entra = error as? EntraError ?? EntraError(.network, detail: String(describing: error))
            steps.append((step, .failed(entra)))
            for remaining in ConnectionReport.Step.allCases where !steps.contains(where: { $0.0 == remaining }) {
                steps.append((remaining, .skipped))
            }
            return ConnectionReport(steps: steps)
        }
        let credentials = configuration.credentials
        // 1. Input, and the expiry date the administrator gave.
        do {
            try credentials.validate()
        } catch {
            return finish(failing: .input, error)
        }
        switch credentials.secretExpiry(now: configuration.now(), leadTimes: configuration.secretExpiryLeadTimes) {
        case .expired(let since):
            return finish(failing: .input, EntraError(.expiredSecret, detail: "the client secret expired on \(since.formatted(.iso8601))"))
        case .expiresSoon(let days): steps.append((.input, .warning("well formed; the client secret expires in \(days) days — create a new one soon")))
        case .valid(let days): steps.append((.input, .passed("well formed; the client secret expires in \(days) days")))
        case .unknown: steps.append((.input, .passed("well formed; no secret expiry date given")))
        }
        // 2. Cloud discovery.
        do {
            steps.append((.cloud, .passed(try await discoverCloud())))
        } catch {
            return finish(failing: .cloud, error)
        }
        // 3. Token, 4. permissions from its roles.
        let token: AccessToken
        do {
            token = try await session.tokens.token()
            steps.append((.token, .passed("a token was issued for application \(credentials.clientID)")))
        } catch {
            return finish(failing: .token, error)
        }
        let roles = Set(token.roles)
        if roles.contains("Directory.Read.All") {
            steps.append((.permissions, .passed("Directory.Read.All is granted")))
        } else if roles.isSuperset(of: ["User.Read.All", "GroupMember.Read.All"]) {
            steps.append((.permissions, .passed("User.Read.All and GroupMember.Read.All are granted")))
        } else {
            let detail = roles.isEmpty
                ? "the token carries no application roles: the Directory.Read.All permission is missing or admin consent was not granted"
                : "the token carries \(roles.sorted().joined(separator: ", ")) but not Directory.Read.All"
            return finish(failing: .permissions, EntraError(.missingPermission, detail: detail))
        }
        // 5. A minimal read.
        do {
            _ = try await session.get(url("/users", [("$top", "1"), ("$select", "id")]))
            steps.append((.graphRead, .passed("Microsoft Graph answered")))
        } catch {
            return finish(failing: .graphRead, error)
        }
        // 6. The domain is verified in the tenant.
        do {
            struct Organization: Decodable {
                struct Domain: Decodable { var name: String }
                var verifiedDomains: [Domain]?
            }
            let page = try session.decode(GraphPage<Organization>.self, try await session.get(url("/organization", [("$select", "verifiedDomains")])))
            let names = page.value.flatMap { $0.verifiedDomains ?? [] }.map { $0.name.lowercased() }
            if names.contains(domain.lowercased().trimmingCharacters(in: .whitespaces)) {
                steps.append((.domain, .passed("\(domain) is verified in the tenant")))
            } else {
                return finish(failing: .domain, EntraError(.domainNotVerified, detail: "\(domain) is not among the tenant's verified domains (\(names.joined(separator: ", ")))"))
            }
        } catch let error as EntraError where error.code == .missingPermission {
            steps.append((.domain, .warning("the verified domains cannot be read without Organization.Read.All or Directory.Read.All; \(domain) was not checked")))
        } catch {
            return finish(failing: .domain, error)
        }
        return ConnectionReport(steps: steps)
    }

    /// Reads the tenant's discovery document and checks its cloud. Tokens do not cross clouds, so
    /// the tenant must live in the cloud the configured login endpoint belongs to (any cloud when
    /// that endpoint is no Microsoft one, such as an emulator); and a national cloud — GCC High,
    /// DoD, China operated by 21Vianet — only when ``Configuration/allowsNationalClouds`` is set.
    /// - Returns: What was found, for the report.
    /// - Throws: ``EntraError`` `unsupportedCloud` naming the tenant's cloud and the fix; the
    ///   token errors for an unknown tenant; `network`, `unexpectedResponse`.
    func discoverCloud() async throws -> String {
        let tenant = configuration.credentials.tenant.trimmingCharacters(in: .whitespaces)
        let url = configuration.endpoints.login.appendingPathComponent(tenant).appendingPathComponent("v2.0/.well-known/openid-configuration")
        let response: HTTPResponse
        do {
            response = try await rawTransport.send(HTTPRequest(url: url, headers: ["Accept": "application/json"]))
        } catch {
            throw EntraError(.network, detail: "the login endpoint could not be reached: \(error)")
        }
        guard response.isSuccess else { throw TokenSource.tokenError(response) }
        guard let discovery = try? JSONDecoder().decode(EntraCloud.Discovery.self, from: response.body) else {
            throw EntraError(.unexpectedResponse, detail: "the discovery document is not the documented JSON")
        }
        let cloud = EntraCloud(discovery)
        let region = (discovery.tenant_region_scope ?? "?") + (discovery.tenant_region_sub_scope.map { "/\($0)" } ?? "")
        let found = "the tenant is in the \(cloud.name) (\(discovery.cloud_instance_name ?? "no cloud_instance_name"), region \(region))"
        let globalFix = "use a tenant of the global cloud (commercial or GCC)"
        let loginHost = configuration.endpoints.login.host ?? ""
        if let configured = EntraCloud(host: loginHost), !configured.sharesEndpoints(with: cloud) {
            let fix: String
            if cloud.isNational && !configuration.allowsNationalClouds {
                fix = globalFix
            } else if let tenantLogin = cloud.loginHost {
                fix = "configure the \(cloud.name)'s endpoints (login \(tenantLogin), Graph \(discovery.msgraph_host ?? "its Graph host"))"
            } else {
                fix = globalFix
            }
            throw EntraError(.unsupportedCloud, detail: "\(found), but this connection signs in to the \(configured.name) (\(loginHost)), and tokens do not cross clouds: \(fix)")
        }
        if case .other = cloud {
            throw EntraError(.unsupportedCloud, detail: "\(found), where DirectorySync cannot sign in: \(globalFix)")
        }
        if cloud.isNational && !configuration.allowsNationalClouds {
            throw EntraError(.unsupportedCloud, detail: "\(found), and only the global cloud is allowed: \(globalFix)")
        }
        return "the tenant is in the \(cloud.name), region \(region); Graph host \(discovery.msgraph_host ?? "unknown")"
    }
}
