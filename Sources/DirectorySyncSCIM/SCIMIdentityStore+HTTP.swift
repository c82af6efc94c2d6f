import DirectorySync
import DirectorySyncHTTP
import Foundation

/// A SCIM resource with an id and a version (ETag).
protocol Identified: Decodable {
    var id: String? { get }
    var version: String? { get }
}

extension SCIMUser: Identified { var version: String? { meta?.version } }
extension SCIMGroup: Identified { var version: String? { meta?.version } }

extension SCIMIdentityStore {
    /// Sends a request to `<base>/<path>` with the bearer token; maps failures to ``DirectorySync/IdentityStoreError``.
    func send(
        _ method: HTTPRequest.Method, _ path: String, body: Data? = nil, ifMatch: String? = nil,
        conflict: IdentityStoreError.Code = .addressInUse
    ) async throws -> HTTPResponse {
        let base = configuration.baseURL.absoluteString.hasSuffix("/") ? String(configuration.baseURL.absoluteString.dropLast()) : configuration.baseURL.absoluteString
        guard let url = URL(string: "\(base)/\(path)") else { throw IdentityStoreError(.invalidValue, detail: "the path '\(path)' is not valid") }
        var headers: HTTPHeaders = ["Authorization": "Bearer \(configuration.bearerToken.reveal())", "Accept": "application/scim+json"]
        if body != nil { headers["Content-Type"] = "application/scim+json" }
        if let ifMatch { headers["If-Match"] = ifMatch }
        let response: HTTPResponse
        do {
            response = try await transport.send(HTTPRequest(method: method, url: url, headers: headers, body: body))
        } catch let error as HTTPTransportError {
            throw IdentityStoreError(.unavailable, detail: "the SCIM server could not be reached: \(error.detail)", underlying: error)
        }
        guard response.isSuccess else { throw Self.error(response, method: method, path: path, conflict: conflict, token: configuration.bearerToken) }
        return response
    }

    /// Maps a SCIM error (`status`, `scimType`, `detail`) to a typed error; `detail` is kept, with
    /// secrets masked: a server may echo the request, `Authorization` header and all.
    static func error(
        _ response: HTTPResponse, method: HTTPRequest.Method, path: String, conflict: IdentityStoreError.Code, token: Secret?
    ) -> IdentityStoreError {
        let body = try? JSONDecoder().decode(SCIMErrorBody.self, from: response.body)
        let told = "\(body?.scimType.map { " \($0)" } ?? "")\(body?.detail.map { ": \($0)" } ?? "")"
        let detail = "\(method) \(path.split(separator: "?").first ?? ""): \(response.status)\(Redactor.mask([token], in: Redactor.redact(told)))"
        let id = path.split(separator: "/").dropFirst().first.map { IdentityID(String($0.split(separator: "?").first ?? $0)) }
        switch (response.status, body?.scimType) {
        case (404, _): return IdentityStoreError(.notFound, detail: detail, identityID: id)
        case (409, "uniqueness"), (409, nil): return IdentityStoreError(conflict, detail: detail, identityID: id)
        case (409, _), (412, _): return IdentityStoreError(.modifiedConcurrently, detail: detail, identityID: id)
        case (401, _), (403, _): return IdentityStoreError(.forbidden, detail: detail)
        case (429, _), (500..., _): return IdentityStoreError(.unavailable, detail: detail)
        default: return IdentityStoreError(.invalidValue, detail: detail, identityID: id)
        }
    }

    /// Attempts for a write whose version another client may have changed.
    static let writeAttempts = 3
    /// Attempts for a membership PATCH. Adding or removing members does not depend on what the
    /// group held, so applying it to a newer version is always right: it may try longer.
    static let membershipWriteAttempts = 5

    /// A write to `<collection>/<id>`: one at a time per resource (the store's own writes never
    /// race each other), with `If-Match` when ETags are supported; on 412 — another client wrote
    /// in between — it reads the resource's version again and retries, `attempts` in all.
    func writeWithRetry(
        _ id: String, collection: String, conflict: IdentityStoreError.Code = .addressInUse, attempts: Int = writeAttempts,
        _ make: () async throws -> (HTTPRequest.Method, Data?)
    ) async throws -> HTTPResponse {
        let usesETags = try await contentsConfig().etag?.supported == true
        let resource = "\(collection)/\(id)"
        if !writeQueue.tryAcquire(resource) {
            await withCheckedContinuation { writeQueue.enqueue(resource, $0) }
        }
        defer { writeQueue.release(resource) }
        var attempt = 1
        while true {
            let (method, body) = try await make()
            do {
                let response = try await send(method, resource, body: body, ifMatch: usesETags ? etags[id] : nil, conflict: conflict)
                if let version = response.headers["ETag"] { etags[id] = version }
                return response
            } catch let error as IdentityStoreError where error.code == .modifiedConcurrently && attempt < attempts {
                attempt += 1
                try await rereadVersion(id, collection: collection)
            }
        }
    }

    /// Reads a resource's current version after a 412 (a group without its members: only the
    /// version is needed, and a large group's member list is the expensive part).
    private func rereadVersion(_ id: String, collection: String) async throws {
        let fresh = try await send(.get, collection == "Groups" ? "Groups/\(id)?excludedAttributes=members" : "\(collection)/\(id)")
        var version = fresh.headers["ETag"]
        if collection == "Users", let user = try? JSONDecoder().decode(SCIMUser.self, from: fresh.body) {
            rememberUser(user)
            version = version ?? user.version
        } else if collection == "Groups", let group = try? JSONDecoder().decode(SCIMGroup.self, from: fresh.body) {
            version = version ?? group.version
        }
        etags[id] = version
    }

    func decode<T: Decodable>(_ type: T.Type, _ response: HTTPResponse) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: response.body)
        } catch {
            throw IdentityStoreError(.unavailable, detail: "the SCIM server answered something that is not the expected resource", underlying: error)
        }
    }

    func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func patch(_ operations: [[String: Any]]) throws -> Data {
        try JSONSerialization.data(withJSONObject: ["schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": operations], options: [.sortedKeys])
    }

    /// The fewest `replace`/`remove` operations that turn `current` into `new`.
    func patchBody(from current: SCIMUser, to new: SCIMUser) throws -> Data {
        var operations: [[String: Any]] = []
        func compare<T: Equatable>(_ path: String, _ old: T?, _ value: T?, _ json: (T) -> Any) {
            guard old != value else { return }
            if let value { operations.append(["op": "replace", "path": path, "value": json(value)]) } else { operations.append(["op": "remove", "path": path]) }
        }
        compare("userName", current.userName, new.userName) { $0 }
        compare("displayName", current.displayName, new.displayName) { $0 }
        compare("name.givenName", current.name?.givenName, new.name?.givenName) { $0 }
        compare("name.familyName", current.name?.familyName, new.name?.familyName) { $0 }
        compare("active", current.active, new.active) { $0 }
        compare("externalId", current.externalId, new.externalId) { $0 }
        let multi: ([SCIMUser.MultiValue]) -> Any = { values in
            values.map { value -> [String: Any] in
                var object: [String: Any] = ["value": value.value]
                if let type = value.type { object["type"] = type }
                if let primary = value.primary { object["primary"] = primary }
                return object
            }
        }
        compare("emails", (current.emails ?? []).isEmpty ? nil : current.emails, (new.emails ?? []).isEmpty ? nil : new.emails, multi)
        compare("ims", (current.ims ?? []).isEmpty ? nil : current.ims, (new.ims ?? []).isEmpty ? nil : new.ims, multi)
        if operations.isEmpty { operations.append(["op": "replace", "path": "active", "value": new.active ?? true]) }
        return try Self.patch(operations)
    }

    func remember(_ user: SCIMUser, _ response: HTTPResponse) -> IdentityUser {
        rememberUser(user)
        if let id = user.id, let version = response.headers["ETag"] ?? user.meta?.version { etags[id] = version }
        return IdentityUser(id: IdentityID(user.id ?? ""), origin: SCIMOwnership.origin(of: user.externalId), profile: user.profile)
    }

    func validate(_ profile: UserProfile) throws {
        guard !profile.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw IdentityStoreError(.invalidValue, detail: "a user needs a non-empty name")
        }
        let keys = profile.addressKeys
        if keys.contains(where: { $0.trimmingCharacters(in: .whitespaces).isEmpty }) || Set(keys).count != keys.count {
            throw IdentityStoreError(.invalidValue, detail: "an email or alias is empty or listed twice for '\(profile.name)'")
        }
    }
}
