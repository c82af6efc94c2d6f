import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphEmulator {
    /// A user by id or user principal name, ignoring case (`/users/{id | userPrincipalName}`);
    /// the first in id order when several match, found through `lookupIndex(_:)`.
    func findUser(_ key: String, _ state: TenantState) -> DirectoryUser? {
        if let user = state.users[key] { return user }
        let wanted = key.lowercased()
        var users = sortedUsers(state)
        if answersFromIndexes {
            let index = lookupIndex(state).users
            users = Set(index.positions("id", key) + index.positions("userprincipalname", key)).sorted().map { users[Int($0)] }
        }
        return users.first { $0.id.lowercased() == wanted || $0.userPrincipalName.lowercased() == wanted }
    }

    /// A group by id, ignoring case, found through `lookupIndex(_:)`.
    func findGroup(_ id: String, _ state: TenantState) -> GroupRecord? {
        if let record = state.groups[id] { return record }
        let wanted = id.lowercased()
        var groups = sortedGroups(state)
        if answersFromIndexes { groups = Set(lookupIndex(state).groups.positions("id", id)).sorted().map { groups[Int($0)] } }
        return groups.first { $0.group.id.lowercased() == wanted }
    }

    /// Graph's 404 for an object that does not exist (or is deleted).
    func notFound(_ id: String) -> HTTPResponse {
        graphError(404, "Request_ResourceNotFound", "Resource '\(id)' does not exist or one of its queried reference-property objects are not present.")
    }

    /// Graph's 400 for a cast to a type the list cannot hold.
    func unsupportedCast(_ segment: String) -> HTTPResponse {
        guard segment.hasPrefix("microsoft.graph.") else {
            return graphError(400, "BadRequest", "Resource not found for the segment '\(segment)'.")
        }
        return graphError(400, "Request_UnsupportedQuery", "The type cast '\(segment)' is not supported for this collection.")
    }

    /// `GET /users/{id | userPrincipalName}`: one user with `$select` (default properties otherwise).
    func object(user key: String, _ state: TenantState, _ request: HTTPRequest, _ query: [String: String]) -> HTTPResponse {
        guard let user = findUser(key, state) else { return notFound(key) }
        let parsed: CollectionQuery
        switch collectionQuery(request, query, known: Self.userProperties, defaults: Self.userDefaultProperties, filterable: [], type: "user") {
        case .success(let value): parsed = value
        case .failure(let error): return error.response
        }
        let context = query["$select"] == nil ? "users/$entity" : "users(\(parsed.select.joined(separator: ",")))/$entity"
        var body = JSONBytes()
        Self.write(user, properties: parsed.select, to: &body, synchronized: state.tenant.synchronizedDomainSet)
        return entity(body.bytes, context: context, request: request)
    }

    /// `GET /groups/{id}`: one group with `$select` (default properties otherwise).
    func object(group id: String, _ state: TenantState, _ request: HTTPRequest, _ query: [String: String]) -> HTTPResponse {
        guard let record = findGroup(id, state) else { return notFound(id) }
        let parsed: CollectionQuery
        switch collectionQuery(request, query, known: Self.groupProperties, defaults: Self.groupDefaultProperties, filterable: [], type: "group") {
        case .success(let value): parsed = value
        case .failure(let error): return error.response
        }
        var body = JSONBytes()
        Self.write(record.group, properties: parsed.select, to: &body)
        return entity(body.bytes, context: "groups/$entity", request: request)
    }

    /// An object's JSON with `@odata.context` first.
    private func entity(_ object: [UInt8], context: String, request: HTTPRequest) -> HTTPResponse {
        var json = JSONBytes()
        json.beginObject()
        json.field("@odata.context", "\(Self.origin(of: request.url))/v1.0/$metadata#\(context)")
        json.endObject()
        var bytes = json.bytes.dropLast()  // the closing brace
        if object.count > 2 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(contentsOf: object.dropFirst())
        return Self.json(200, Data(bytes))
    }

    /// `GET /users/{id}/memberOf` and `/groups/{id}/memberOf`: the groups the object is a direct
    /// member of (this emulator has no directory roles or administrative units), with an optional
    /// cast (`/microsoft.graph.group`; `directoryRole` and `administrativeUnit` give empty lists).
    func memberOf(
        _ key: String, isUser: Bool, cast: String?, _ state: TenantState, _ request: HTTPRequest, _ query: [String: String]
    ) -> HTTPResponse {
        let objectID: String
        if isUser {
            guard let user = findUser(key, state) else { return notFound(key) }
            objectID = user.id
        } else {
            guard let record = findGroup(key, state) else { return notFound(key) }
            objectID = record.group.id
        }
        var holdsGroups = true
        switch cast {
        case nil, "microsoft.graph.group": break
        case "microsoft.graph.directoryRole", "microsoft.graph.administrativeUnit": holdsGroups = false
        case let other?: return unsupportedCast(other)
        }
        let parsed: CollectionQuery
        switch collectionQuery(request, query, known: Self.groupProperties, defaults: Self.groupDefaultProperties, filterable: [], type: "group") {
        case .success(let value): parsed = value
        case .failure(let error): return error.response
        }
        let parents = holdsGroups ? (parentIndex(state)[objectID] ?? []).compactMap { state.groups[$0] } : []
        let context = cast == nil ? "directoryObjects" : "groups"
        return page(parents, id: \.group.id, query: parsed, request: request, context: context) { record, json in
            Self.write(record.group, properties: parsed.select, to: &json, odataType: cast == nil ? "#microsoft.graph.group" : nil)
        }
    }

    /// For every member id, the ids of the groups it is a direct member of, sorted; built once per tenant version.
    func parentIndex(_ state: TenantState) -> [String: [String]] {
        if let cached = parentCache[state.tenant.id], cached.version == state.version { return cached.parents }
        var parents: [String: [String]] = [:]
        for record in sortedGroups(state) {
            for member in Set(record.group.memberUserIDs + record.group.memberGroupIDs) { parents[member, default: []].append(record.group.id) }
        }
        parentCache[state.tenant.id] = (state.version, parents)
        return parents
    }
}
