import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphEmulator {
    /// `/{tenant}/v2.0/.well-known/openid-configuration` and `/{tenant}/oauth2/v2.0/token`.
    func login(_ request: HTTPRequest) -> HTTPResponse {
        let parts = request.url.path.split(separator: "/").map(String.init)
        guard let tenantPart = parts.first else { return aadError(404, "invalid_request", 90_002, "No tenant in the path.") }
        let rest = parts.dropFirst().joined(separator: "/")
        switch (request.method, rest) {
        case (.get, "v2.0/.well-known/openid-configuration"): return openIDConfiguration(tenantPart, request)
        case (.post, "oauth2/v2.0/token"): return token(tenantPart, request)
        default: return aadError(404, "invalid_request", 900_561, "The endpoint only accepts \(rest.hasSuffix("token") ? "POST" : "GET") requests.")
        }
    }

    /// Finds a tenant by id or verified domain; the error response when there is none.
    func tenant(named name: String) -> Result<TenantState, ErrorResponse> {
        let lowered = name.lowercased()
        let isGUID = lowered.count == 36 && lowered.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12]
        let looksLikeDomain = lowered.contains(".") && lowered.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
        guard isGUID || looksLikeDomain else {
            return .failure(ErrorResponse(aadError(400, "invalid_request", 900_023, "Specified tenant identifier '\(name)' is neither a valid DNS name, nor a valid external domain.")))
        }
        if let state = tenants.values.first(where: { $0.tenant.id == lowered || $0.tenant.verifiedDomains.contains { $0.lowercased() == lowered } }) {
            return .success(state)
        }
        return .failure(ErrorResponse(aadError(400, "invalid_tenant", 90_002, "Tenant '\(name)' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.")))
    }

    private func openIDConfiguration(_ tenantName: String, _ request: HTTPRequest) -> HTTPResponse {
        let state: TenantState
        switch tenant(named: tenantName) {
        case .success(let found): state = found
        case .failure(let error): return error.response
        }
        let origin = Self.origin(of: request.url)
        let cloud = state.tenant.cloud
        var json = JSONBytes()
        json.beginObject()
        json.field("issuer", "https://login.\(cloud.cloudInstance)/\(state.tenant.id)/v2.0")
        json.field("token_endpoint", "\(origin)/\(state.tenant.id)/oauth2/v2.0/token")
        json.field("authorization_endpoint", "\(origin)/\(state.tenant.id)/oauth2/v2.0/authorize")
        json.field("tenant_region_scope", cloud.regionScope)
        if let sub = cloud.regionSubScope { json.field("tenant_region_sub_scope", sub) }
        json.field("cloud_instance_name", cloud.cloudInstance)
        json.field("cloud_graph_host_name", "graph.windows.net")
        json.field("msgraph_host", cloud.graphHost)
        json.endObject()
        return Self.json(200, json.data)
    }

    private func token(_ tenantName: String, _ request: HTTPRequest) -> HTTPResponse {
        let state: TenantState
        switch tenant(named: tenantName) {
        case .success(let found): state = found
        case .failure(let error): return error.response
        }
        guard request.headers["Content-Type"]?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else {
            return aadError(400, "invalid_request", 900_144, "The request body must contain the following parameter: 'grant_type'.")
        }
        var form = Self.form(request.body ?? Data())
        if let basic = request.headers["Authorization"], basic.lowercased().hasPrefix("basic "),
            let decoded = Data(base64Encoded: String(basic.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        {
            form["client_id"] = String(decoded[..<colon]).removingPercentEncoding
            form["client_secret"] = String(decoded[decoded.index(after: colon)...]).removingPercentEncoding
        }
        guard form["grant_type"] == "client_credentials" else {
            return aadError(400, "unsupported_grant_type", 70_003, "The app requested an unsupported grant type '\(form["grant_type"] ?? "")'.")
        }
        guard let clientID = form["client_id"], !clientID.isEmpty else {
            return aadError(400, "invalid_request", 900_144, "The request body must contain the following parameter: 'client_id'.")
        }
        guard let application = state.applications[clientID.lowercased()] ?? state.applications[clientID] else {
            return aadError(400, "unauthorized_client", 700_016, "Application with identifier '\(clientID)' was not found in the directory '\(state.tenant.verifiedDomains.first ?? state.tenant.id)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.")
        }
        guard application.isEnabled else {
            return aadError(400, "unauthorized_client", 7_000_112, "Application '\(clientID)' is disabled.")
        }
        guard let secret = form["client_secret"], !secret.isEmpty else {
            return aadError(401, "invalid_client", 7_000_218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        }
        guard let match = application.secrets.first(where: { $0.value == secret }) else {
            return aadError(401, "invalid_client", 7_000_215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(clientID)'.")
        }
        guard match.expires > clock.now else {
            return aadError(401, "invalid_client", 7_000_222, "The provided client secret keys for app '\(clientID)' are expired. Visit the Azure portal to create new keys for your app.")
        }
        let scope = form["scope"] ?? ""
        guard scope.hasSuffix("/.default") else {
            return aadError(400, "invalid_scope", 1_002_012, "The provided value for scope '\(scope)' is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        }
        let expires = clock.now.addingTimeInterval(configuration.tokenLifetime)
        let token = makeToken(tenantID: state.tenant.id, clientID: clientID, roles: application.roles, expires: expires)
        tokens[token] = IssuedToken(tenantID: state.tenant.id, clientID: clientID, roles: application.roles, expires: expires)
        var json = JSONBytes()
        json.beginObject()
        json.field("token_type", "Bearer")
        json.key("expires_in")
        json.int(Int(configuration.tokenLifetime))
        json.key("ext_expires_in")
        json.int(Int(configuration.tokenLifetime))
        json.field("access_token", token)
        json.endObject()
        return Self.json(200, json.data)
    }

    /// An unsigned JWT-shaped token with `tid`, `appid`, `roles` (only when granted) and `exp`.
    private func makeToken(tenantID: String, clientID: String, roles: [String], expires: Date) -> String {
        var header = JSONBytes()
        header.beginObject()
        header.field("typ", "JWT")
        header.field("alg", "none")
        header.endObject()
        var payload = JSONBytes()
        payload.beginObject()
        payload.field("aud", "https://graph.microsoft.com")
        payload.field("iss", "https://sts.windows.net/\(tenantID)/")
        payload.field("tid", tenantID)
        payload.field("appid", clientID)
        payload.key("exp")
        payload.int(Int(expires.timeIntervalSince1970))
        if !roles.isEmpty {
            payload.key("roles")
            payload.strings(roles)
        }
        payload.field("uti", nextRequestID())
        payload.endObject()
        return "\(header.data.base64URL).\(payload.data.base64URL).emulator\(requestCounter)"
    }

    /// An Entra token-endpoint error body.
    func aadError(_ status: Int, _ error: String, _ code: Int, _ message: String) -> HTTPResponse {
        let trace = nextRequestID()
        let timestamp = clock.now.formatted(.iso8601)
        var json = JSONBytes()
        json.beginObject()
        json.field("error", error)
        json.field("error_description", "AADSTS\(code): \(message) Trace ID: \(trace) Correlation ID: \(trace) Timestamp: \(timestamp)".replacingOccurrences(of: ". Trace ID", with: ".\r\nTrace ID").replacingOccurrences(of: " Correlation ID", with: "\r\nCorrelation ID").replacingOccurrences(of: " Timestamp:", with: "\r\nTimestamp:"))
        json.key("error_codes")
        json.beginArray()
        json.int(code)
        json.endArray()
        json.field("timestamp", timestamp)
        json.field("trace_id", trace)
        json.field("correlation_id", trace)
        json.field("error_uri", "https://login.microsoftonline.com/error?code=\(code)")
        json.endObject()
        return Self.json(status, json.data)
    }

    static func form(_ body: Data) -> [String: String] {
        var result: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            let decode = { (text: String) in text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? text }
            result[decode(parts[0])] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return result
    }
}
