import DirectorySyncHTTP
import DirectorySync
import Foundation

extension GraphDirectoryProvider {
    /// Tests the connection, step by step, on these (saved or unsaved) credentials: `input` (the
    /// credentials' shape and the secret's expiry date), `cloud` (the tenant's discovery
    /// document), `token`, `permissions` (the token's roles), `graphRead` (a minimal read),
    /// `domain` (the domain is verified in the tenant; the tenant's id and verified domains become
    /// the result's ``DirectorySync/ConnectionTestResult/tenant`` — when `/organization` may not be
    /// read, a warning, and the tenant id alone, from the access token's `tid` claim) and `onPremises` (Graph reports no
    /// user of the domain as synchronized from on-premises Active Directory). It stops at the
    /// first failure; the steps after it are `skipped`. The failing step's ``DirectorySync/ConnectionTestResult/errorCode`` is an
    /// ``EntraError/Code`` (`wrongSecret`, `unknownTenant`, …), its detail the error's description.
    /// - Parameter domain: The source's domain, which must be verified in the tenant.
    /// - Returns: The result; ``DirectorySync/ConnectionTestResult/isSuccessful`` tells whether synchronization can work.
    public func testConnection(domain: String) async -> ConnectionTestResult {
        var steps: [ConnectionTestResult.Step] = []
        func finish(failing step: ConnectionTestResult.Step.Name, _ error: any Error, tenant: TenantIdentity? = nil) -> ConnectionTestResult {
            let entra = error as? EntraError ?? EntraError(.network, detail: String(describing: error))
            return .failure(after: steps, failing: step, detail: entra.description, errorCode: entra.code.rawValue, tenant: tenant)
        }
        // 1. Input, and the expiry date the administrator gave.
        do {
            try Self.validate(credentials, secret: secret)
        } catch {
            return finish(failing: .input, error)
        }
        switch credentials.secretExpiry(now: configuration.clock.now(), leadTimes: configuration.secretExpiryLeadTimes) {
        case .expired(let since):
            return finish(failing: .input, EntraError(.expiredSecret, detail: "the client secret expired on \(since.formatted(.iso8601))"))
        case .expiresSoon(let days): steps.append(.init(.input, .warning, "well formed; the client secret expires in \(Self.days(days)) — create a new one soon"))
        case .valid(let days): steps.append(.init(.input, .passed, "well formed; the client secret expires in \(Self.days(days))"))
        case .unknown: steps.append(.init(.input, .passed, "well formed; no secret expiry date given"))
        }
        // 2. Cloud discovery.
        do {
            steps.append(.init(.cloud, .passed, try await discoverCloud()))
        } catch {
            return finish(failing: .cloud, error)
        }
        // 3. Token, 4. permissions from its roles.
        let token: AccessToken
        do {
            token = try await session.tokens.token()
            steps.append(.init(.token, .passed, "a token was issued for application \(credentials.clientID)"))
        } catch {
            return finish(failing: .token, error)
        }
        let roles = Set(token.roles)
        if roles.contains("Directory.Read.All") {
            steps.append(.init(.permissions, .passed, "Directory.Read.All is granted"))
        } else if roles.isSuperset(of: ["User.Read.All", "GroupMember.Read.All"]) {
            steps.append(.init(.permissions, .passed, "User.Read.All and GroupMember.Read.All are granted"))
        } else {
            let detail = roles.isEmpty
                ? "the token carries no application roles: the Directory.Read.All permission is missing or admin consent was not granted"
                : "the token carries \(roles.sorted().joined(separator: ", ")) but not Directory.Read.All"
            return finish(failing: .permissions, EntraError(.missingPermission, detail: detail))
        }
        // 5. A minimal read.
        do {
            _ = try await session.get(url("/users", [("$top", "1"), ("$select", "id")]))
            steps.append(.init(.graphRead, .passed, "Microsoft Graph answered"))
        } catch {
            return finish(failing: .graphRead, error)
        }
        // 6. The domain is verified in the tenant; the tenant's id and verified domains are kept
        // for the one-source-per-tenant rule.
        let tenant: TenantIdentity?
        do {
            struct Organization: Decodable {
                struct Domain: Decodable { var name: String }
                var id: String?
                var verifiedDomains: [Domain]?
            }
            let page = try session.decode(GraphPage<Organization>.self, try await session.get(url("/organization", [("$select", "id,verifiedDomains")])))
            let names = page.value.flatMap { $0.verifiedDomains ?? [] }.map { $0.name.lowercased() }
            tenant = (page.value.first?.id ?? token.tenantID).map { TenantIdentity(id: $0, verifiedDomains: names) }
            if names.contains(domain.lowercased().trimmingCharacters(in: .whitespaces)) {
                steps.append(.init(.domain, .passed, "\(domain) is verified in the tenant"))
            } else {
                return finish(
                    failing: .domain, EntraError(.domainNotVerified, detail: "\(domain) is not among the tenant's verified domains (\(names.joined(separator: ", ")))"),
                    tenant: tenant)
            }
        } catch let error as EntraError where error.code == .missingPermission {
            // The token still says which tenant issued it: enough for one source per tenant.
            tenant = token.tenantID.map { TenantIdentity(id: $0, verifiedDomains: []) }
            let known = tenant.map { "; the tenant id \($0.id) was read from the access token" } ?? ""
            steps.append(.init(
                .domain, .warning, "the verified domains cannot be read without Organization.Read.All or Directory.Read.All; \(domain) was not checked\(known)"))
        } catch {
            return finish(failing: .domain, error)
        }
        // 7. The domain's users are not synchronized from on-premises Active Directory.
        do {
            if let synchronized = try await onPremisesSynchronizedUser(domain: domain) {
                return finish(
                    failing: .onPremises,
                    EntraError(
                        .onPremisesDomain,
                        detail: "users of \(domain) are synchronized from on-premises Active Directory (for example \(synchronized)); a domain cannot come from both"),
                    tenant: tenant)
            }
            steps.append(.init(.onPremises, .passed, "no user of \(domain) is synchronized from on-premises Active Directory"))
        } catch let error as EntraError where error.code == .missingPermission || error.code == .graphError {
            steps.append(.init(
                .onPremises, .warning,
                "whether users of \(domain) are synchronized from on-premises Active Directory could not be checked (Graph answered \(error.status.map(String.init) ?? "an error")); make sure they are not"))
        } catch {
            return finish(failing: .onPremises, error, tenant: tenant)
        }
        return ConnectionTestResult(steps: steps, tenant: tenant)
    }

    /// The user principal name of one user of `domain` that Graph reports as synchronized from
    /// on-premises Active Directory, if there is one: `GET /users?$filter=onPremisesSyncEnabled eq
    /// true and endsWith(userPrincipalName,'@domain')&$count=true&$top=1&$select=id,userPrincipalName`
    /// with `ConsistencyLevel: eventual` (`endsWith` is an advanced query).
    /// - Parameter domain: The source's domain.
    /// - Returns: A synchronized user's principal name, or `nil` when there is none.
    /// - Throws: ``EntraError`` (`missingPermission`, `graphError` when Graph refuses the query,
    ///   `network`, `unexpectedResponse`).
    func onPremisesSynchronizedUser(domain: String) async throws -> String? {
        struct User: Decodable { var userPrincipalName: String? }
        let suffix = "@" + domain.lowercased().trimmingCharacters(in: .whitespaces)
        let filter = "onPremisesSyncEnabled eq true and endsWith(userPrincipalName,\(ODataTranslation.literal(suffix)))"
        let query = [("$filter", filter), ("$count", "true"), ("$top", "1"), ("$select", "id,userPrincipalName")]
        let page = try session.decode(GraphPage<User>.self, try await session.get(url("/users", query), headers: ["ConsistencyLevel": "eventual"]))
        guard let user = page.value.first else { return nil }
        return user.userPrincipalName ?? "a user"
    }

    /// Reads the tenant's discovery document and checks its cloud. Tokens do not cross clouds, so
    /// the tenant must live in the cloud the configured login endpoint belongs to (any cloud when
    /// that endpoint is no Microsoft one, such as an emulator); and a national cloud — GCC High,
    /// DoD, China operated by 21Vianet — only when ``Configuration/allowsNationalClouds`` is set.
    /// - Returns: What was found, for the report.
    /// - Throws: ``EntraError`` `unsupportedCloud` naming the tenant's cloud and the fix; the
    ///   token errors for an unknown tenant; `network`, `unexpectedResponse`.
    func discoverCloud() async throws -> String {
        let tenant = credentials.tenant.trimmingCharacters(in: .whitespaces)
        let url = endpoints.login.appendingPathComponent(tenant).appendingPathComponent("v2.0/.well-known/openid-configuration")
        let response: HTTPResponse
        do {
            response = try await retryingTransport.send(HTTPRequest(url: url, headers: ["Accept": "application/json"]))
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
        let loginHost = endpoints.login.host ?? ""
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

extension GraphDirectoryProvider {
    /// `1 day`, `5 days`.
    fileprivate static func days(_ count: Int) -> String { "\(count) day\(count == 1 ? "" : "s")" }
}
