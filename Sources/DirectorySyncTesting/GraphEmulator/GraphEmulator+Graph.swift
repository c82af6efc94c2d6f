import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphEmulator {
    /// The parsed query of a Graph collection request.
    struct CollectionQuery {
        var select: [String]
        var filter: ODataFilter?
        var top: Int
        var count: Bool
        var after: String?
        var raw: [String: String]
        var emptyServed = false
    }

    /// A Graph response, or a page of the tenant's objects to encode once the emulator's lock is
    /// released. Which objects a page holds is decided under the lock; encoding them, the longest
    /// part of answering, then runs on the connection's own thread, from a copy of the tenant's
    /// state, so that a client reading users and groups at once is answered on two cores.
    enum Answer {
        /// A response made under the lock.
        case ready(HTTPResponse)
        /// A page (status 200), encoded when called.
        case page(() -> HTTPResponse)

        /// The response, encoded now if it is a page.
        func response() -> HTTPResponse {
            switch self {
            case .ready(let response): response
            case .page(let encode): encode()
            }
        }

        /// The same answer with the `x-ms-resource-unit` header Graph sends.
        func withResourceUnits(_ units: Int) -> Answer {
            switch self {
            case .ready(var response):
                response.headers["x-ms-resource-unit"] = String(units)
                return .ready(response)
            case .page(let encode):
                return .page {
                    var response = encode()
                    response.headers["x-ms-resource-unit"] = String(units)
                    return response
                }
            }
        }

        /// The response's status, known before a page is encoded (`page(_:)` and `deltaPage`
        /// always answer 200: what could fail was checked under the lock).
        var status: Int {
            switch self {
            case .ready(let response): response.status
            case .page: 200
            }
        }
    }

    /// Routes a Graph request after checking its token and its budget; returns the answer and
    /// the resource units charged.
    func graph(_ request: HTTPRequest) -> (Answer, Int) {
        guard request.method == .get else {
            return (.ready(graphError(405, "Request_BadRequest", "Only GET is supported by this emulator for Graph resources.")), 0)
        }
        let token: IssuedToken
        switch authenticate(request) {
        case .success(let found): token = found
        case .failure(let error): return (.ready(error.response), 0)
        }
        guard let state = tenants[token.tenantID] else {
            return (.ready(graphError(401, "InvalidAuthenticationToken", "Access token validation failure: unknown tenant.")), 0)
        }
        // `delta`, `delta()` and `microsoft.graph.delta()` name the same function (SDKs send the latter forms).
        let segments = Array(request.url.path.split(separator: "/").map(String.init).dropFirst()).map { segment in
            ["delta()", "microsoft.graph.delta", "microsoft.graph.delta()"].contains(segment) ? "delta" : segment
        }
        let query = Self.queryItems(request.url)
        let units = resourceUnits(segments, query)
        if let throttled = charge(units, tenant: state, clientID: token.clientID) { return (.ready(throttled), 0) }
        let userRoles = ["User.Read.All", "Directory.Read.All"]
        let groupRoles = ["GroupMember.Read.All", "Group.Read.All", "Directory.Read.All"]
        // `…/members/microsoft.graph.user`: an OData cast as a fourth segment.
        let cast = segments.count == 4 ? segments[3] : nil
        let answer: Answer
        switch segments.count {
        case 1 where segments[0] == "users":
            answer = requireRole(token, userRoles).map(Answer.ready) ?? list(users: state, request, query)
        case 1 where segments[0] == "groups":
            answer = .ready(requireRole(token, groupRoles) ?? list(groups: state, request, query))
        case 1 where segments[0] == "organization":
            answer = .ready(requireRole(token, ["Organization.Read.All", "Directory.Read.All"]) ?? organization(state, request))
        case 2 where segments[1] == "delta" && (segments[0] == "users" || segments[0] == "groups"):
            answer = requireRole(token, segments[0] == "users" ? userRoles : groupRoles).map(Answer.ready) ?? delta(segments[0] == "groups", state, request, query)
        case 2 where segments[0] == "users":
            answer = .ready(requireRole(token, userRoles) ?? object(user: segments[1], state, request, query))
        case 2 where segments[0] == "groups":
            answer = .ready(requireRole(token, groupRoles) ?? object(group: segments[1], state, request, query))
        case 3...4 where segments[2] == "memberOf" && (segments[0] == "users" || segments[0] == "groups"):
            answer = .ready(requireRole(token, segments[0] == "users" ? userRoles : groupRoles)
                ?? memberOf(segments[1], isUser: segments[0] == "users", cast: cast, state, request, query))
        case 3...4 where segments[0] == "groups" && (segments[2] == "members" || segments[2] == "transitiveMembers"):
            answer = .ready(requireRole(token, groupRoles)
                ?? members(of: segments[1], transitive: segments[2] == "transitiveMembers", cast: cast, state, request, query))
        default:
            answer = .ready(graphError(400, "BadRequest", "Resource not found for the segment '\(segments.last ?? "")'."))
        }
        return (answer.withResourceUnits(units), units)
    }

    private func authenticate(_ request: HTTPRequest) -> Result<IssuedToken, ErrorResponse> {
        guard let header = request.headers["Authorization"], header.lowercased().hasPrefix("bearer "), header.count > 7 else {
            return .failure(ErrorResponse(graphError(401, "InvalidAuthenticationToken", "Access token is empty.", headers: ["WWW-Authenticate": "Bearer"])))
        }
        guard let token = tokens[String(header.dropFirst(7))] else {
            return .failure(ErrorResponse(graphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed.", headers: ["WWW-Authenticate": "Bearer"])))
        }
        guard token.expires > clock.now else {
            return .failure(ErrorResponse(graphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.", headers: ["WWW-Authenticate": "Bearer"])))
        }
        return .success(token)
    }

    private func requireRole(_ token: IssuedToken, _ roles: [String]) -> HTTPResponse? {
        if token.roles.contains(where: roles.contains) { return nil }
        return graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
    }

    /// Resource units: users 2, a user's memberOf 2, members 3, transitive members 5 (casts
    /// included), anything else 1; `$select` takes one off.
    private func resourceUnits(_ segments: [String], _ query: [String: String]) -> Int {
        var units = 1
        if segments == ["users"] { units = 2 }
        if segments.count >= 3 {
            switch (segments[0], segments[2]) {
            case ("users", "memberOf"): units = 2
            case ("groups", "members"): units = 3
            case ("groups", "transitiveMembers"): units = 5
            default: break
            }
        }
        if query["$select"] != nil { units -= 1 }
        if query["$expand"] != nil { units += 1 }
        return max(1, units)
    }

    /// Charges units against the per-app, per-tenant budget of the current 10-second window.
    private func charge(_ units: Int, tenant state: TenantState, clientID: String) -> HTTPResponse? {
        guard throttlingEnabled else { return nil }
        let limit = state.users.count < 50 ? 3_500 : state.users.count <= 500 ? 5_000 : 8_000
        let key = "\(state.tenant.id)/\(clientID)"
        let now = clock.now
        var window = budgets[key] ?? (now, 0)
        if now.timeIntervalSince(window.windowStart) >= 10 { window = (now, 0) }
        if window.used + units > limit {
            budgets[key] = window
            let retryAfter = max(1, Int((10 - now.timeIntervalSince(window.windowStart)).rounded(.up)))
            return graphError(429, "TooManyRequests", "Too many requests.", headers: [
                "Retry-After": String(retryAfter), "x-ms-throttle-limit-percentage": "1.0",
                "x-ms-throttle-scope": "Tenant_Application/ReadWrite/\(clientID)/\(state.tenant.id)",
                "x-ms-throttle-information": "ResourceUnitLimitExceeded", "x-ms-resource-unit": String(units),
            ])
        }
        window.used += units
        budgets[key] = window
        return nil
    }

    static func queryItems(_ url: URL) -> [String: String] {
        var result: [String: String] = [:]
        for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] { result[item.name] = item.value ?? "" }
        return result
    }

    /// Reads `$select`, `$filter`, `$top`, `$count` and `$skiptoken`, checking them as Graph does.
    func collectionQuery(
        _ request: HTTPRequest, _ query: [String: String], known: Set<String>, defaults: [String], filterable: Set<String>,
        type: String
    ) -> Result<CollectionQuery, ErrorResponse> {
        var raw = query
        var after: String?
        var emptyServed = false
        if let skip = query["$skiptoken"] {
            guard let data = Data(base64URL: skip), let state = try? JSONDecoder().decode([String: String].self, from: data) else {
                return .failure(ErrorResponse(graphError(400, "Request_BadRequest", "Invalid skip token.")))
            }
            after = state["after"]
            emptyServed = state["empty"] == "1"
            raw = state.filter { $0.key.hasPrefix("$") }
        }
        var select = defaults
        if let text = raw["$select"] {
            select = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            if let unknown = select.first(where: { !known.contains($0) }) {
                return .failure(ErrorResponse(graphError(400, "Request_BadRequest", "Could not find a property named '\(unknown)' on type 'microsoft.graph.\(type)'.")))
            }
            if !select.contains("id") { select.insert("id", at: 0) }
        }
        var top = configuration.defaultPageSize
        if let text = raw["$top"] {
            guard let value = Int(text), (1...999).contains(value) else {
                return .failure(ErrorResponse(graphError(400, "Request_UnsupportedQuery", "Invalid page size specified: '\(text)'. Must be between 1 and 999 inclusive.")))
            }
            top = value
        }
        let count = raw["$count"]?.lowercased() == "true"
        var filter: ODataFilter?
        if let text = raw["$filter"] {
            do {
                filter = try ODataFilter.parse(text)
            } catch let error as ODataFilter.ParseError {
                return .failure(ErrorResponse(graphError(400, "BadRequest", error.message)))
            } catch {
                return .failure(ErrorResponse(graphError(400, "BadRequest", "Invalid filter clause")))
            }
            if let property = filter?.properties.first(where: { !filterable.contains($0.lowercased()) }) {
                return .failure(ErrorResponse(graphError(400, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property '\(property)' of resource '\(type.capitalized)'.")))
            }
            if filter?.isAdvanced == true {
                let eventual = request.headers["ConsistencyLevel"]?.lowercased() == "eventual"
                if !(eventual && count) { return .failure(ErrorResponse(graphError(400, "Request_UnsupportedQuery", "Unsupported Query."))) }
            }
        }
        return .success(CollectionQuery(select: select, filter: filter, top: top, count: count, after: after, raw: raw, emptyServed: emptyServed))
    }

    /// A page: `@odata.context`, optional `@odata.count`, `value`, and `@odata.nextLink` when more follow.
    func page<Item>(
        _ items: [Item], id: (Item) -> String, query: CollectionQuery, request: HTTPRequest, context: String,
        write: (Item, inout JSONBytes) -> Void
    ) -> HTTPResponse {
        var start = 0
        if let after = query.after {
            // Items are sorted by id: binary search for the first one after the cursor.
            var low = 0
            var high = items.count
            while low < high {
                let middle = (low + high) / 2
                if id(items[middle]) <= after { low = middle + 1 } else { high = middle }
            }
            start = low
        }
        var end = min(items.count, start + query.top)
        let empty = configuration.insertsEmptyPages && !query.emptyServed && start < items.count
        if empty { end = start }
        var json = JSONBytes(capacity: (end - start) * 300 + 256)
        json.beginObject()
        json.field("@odata.context", "\(Self.origin(of: request.url))/v1.0/$metadata#\(context)")
        if query.count {
            json.key("@odata.count")
            json.int(items.count)
        }
        if end < items.count {
            var state = query.raw.filter { $0.key != "$skiptoken" }
            if empty {
                state["empty"] = "1"
                if let after = query.after { state["after"] = after }
            } else {
                state["after"] = id(items[end - 1])
            }
            let token = (try? JSONEncoder.sorted.encode(state))?.base64URL ?? ""
            json.field("@odata.nextLink", "\(Self.origin(of: request.url))\(request.url.path)?$skiptoken=\(token)")
        }
        json.key("value")
        json.beginArray()
        for item in items[start..<end] { write(item, &json) }
        json.endArray()
        json.endObject()
        return Self.json(200, json.data)
    }

    private func list(users state: TenantState, _ request: HTTPRequest, _ query: [String: String]) -> Answer {
        let parsed: CollectionQuery
        switch collectionQuery(request, query, known: Self.userProperties, defaults: Self.userDefaultProperties, filterable: Self.userFilterable, type: "user") {
        case .success(let value): parsed = value
        case .failure(let error): return .ready(error.response)
        }
        let cacheKey = "users|\(state.tenant.id)|\(state.version)|\(parsed.raw.sorted { $0.key < $1.key })|\(parsed.after ?? "")|\(parsed.emptyServed)|\(Self.origin(of: request.url))"
        if let cached = pageCache[cacheKey] { return .ready(Self.json(200, Data(cached))) }
        var users = sortedUsers(state)
        let synchronized = state.tenant.synchronizedDomainSet
        if let filter = parsed.filter {
            users = (indexedUsers(filter, state) ?? users).filter { user in filter.matches { Self.filterValue(user, $0, synchronized: synchronized) } }
        }
        let context = parsed.raw["$select"] == nil ? "users" : "users(\(parsed.select.joined(separator: ",")))"
        let fields = Self.fields(parsed.select)
        return .page { [self, users, generation = pageCacheGeneration] in
            let response = page(users, id: \.id, query: parsed, request: request, context: context) { user, json in
                Self.write(user, fields: fields, to: &json, synchronized: synchronized)
            }
            withState {
                if pageCacheGeneration == generation { pageCache[cacheKey] = Array(response.body) }
            }
            return response
        }
    }

    private func list(groups state: TenantState, _ request: HTTPRequest, _ query: [String: String]) -> HTTPResponse {
        let parsed: CollectionQuery
        switch collectionQuery(request, query, known: Self.groupProperties, defaults: Self.groupDefaultProperties, filterable: Self.groupFilterable, type: "group") {
        case .success(let value): parsed = value
        case .failure(let error): return error.response
        }
        var groups = sortedGroups(state)
        if let filter = parsed.filter { groups = (indexedGroups(filter, state) ?? groups).filter { group in filter.matches { Self.filterValue(group.group, $0) } } }
        return page(groups, id: \.group.id, query: parsed, request: request, context: "groups") { record, json in
            Self.write(record.group, properties: parsed.select, to: &json)
        }
    }

    private func members(
        of groupID: String, transitive: Bool, cast: String?, _ state: TenantState, _ request: HTTPRequest, _ query: [String: String]
    ) -> HTTPResponse {
        guard let record = findGroup(groupID, state) else { return notFound(groupID) }
        let castType: String?
        switch cast {
        case nil: castType = nil
        case "microsoft.graph.user": castType = "user"
        case "microsoft.graph.group": castType = "group"
        case let other?: return unsupportedCast(other)
        }
        let parsed: CollectionQuery
        let known = castType == "user" ? Self.userProperties : castType == "group" ? Self.groupProperties : Self.userProperties.union(Self.groupProperties)
        let defaults = castType == "group" ? Self.groupDefaultProperties : Self.userDefaultProperties
        switch collectionQuery(request, query, known: known, defaults: defaults, filterable: [], type: castType ?? "directoryObject") {
        case .success(let value): parsed = value
        case .failure(let error): return error.response
        }
        // Graph documents casts on transitive lists as advanced queries only (on every page: the
        // header is not carried by next links).
        if transitive && castType != nil && !(request.headers["ConsistencyLevel"]?.lowercased() == "eventual" && parsed.count) {
            return graphError(400, "Request_UnsupportedQuery", "Unsupported Query.")
        }
        enum Member { case user(DirectoryUser), group(DirectoryGroup), other(EmulatedOtherMember) }
        var members: [String: Member] = [:]
        var queue = [record]
        var visited: Set<String> = [record.group.id]
        while let current = queue.popLast() {
            for id in current.group.memberUserIDs { if let user = state.users[id] { members[id] = .user(user) } }
            for other in current.others { members[other.id] = .other(other) }
            for id in current.group.memberGroupIDs {
                guard let nested = state.groups[id] else { continue }
                members[id] = .group(nested.group)
                if transitive && visited.insert(id).inserted { queue.append(nested) }
            }
        }
        let sorted = members.sorted { $0.key < $1.key }.filter { entry in
            switch (castType, entry.value) {
            case (nil, _), ("user", .user), ("group", .group): true
            default: false
            }
        }
        let userSelect = parsed.select.filter(Self.userProperties.contains)
        let groupSelect = query["$select"] == nil ? Self.groupDefaultProperties : parsed.select.filter(Self.groupProperties.contains)
        // Items of a cast list are all of the cast's type and carry no `@odata.type`.
        let context = castType.map { "\($0)s" } ?? "directoryObjects"
        let synchronized = state.tenant.synchronizedDomainSet
        return page(sorted, id: \.key, query: parsed, request: request, context: context) { entry, json in
            switch entry.value {
            case .user(let user):
                Self.write(user, properties: userSelect, to: &json, odataType: castType == nil ? "#microsoft.graph.user" : nil, synchronized: synchronized)
            case .group(let group): Self.write(group, properties: groupSelect, to: &json, odataType: castType == nil ? "#microsoft.graph.group" : nil)
            case .other(let other):
                json.beginObject()
                json.field("@odata.type", "#microsoft.graph.\(other.type)")
                json.field("id", other.id)
                json.endObject()
            }
        }
    }

    private func organization(_ state: TenantState, _ request: HTTPRequest) -> HTTPResponse {
        var json = JSONBytes()
        json.beginObject()
        json.field("@odata.context", "\(Self.origin(of: request.url))/v1.0/$metadata#organization")
        json.key("value")
        json.beginArray()
        json.beginObject()
        json.field("id", state.tenant.id)
        json.field("displayName", state.tenant.displayName)
        json.key("verifiedDomains")
        json.beginArray()
        for (index, domain) in state.tenant.verifiedDomains.enumerated() {
            json.beginObject()
            json.field("name", domain)
            json.key("isDefault")
            json.bool(index == 0)
            json.key("isInitial")
            json.bool(domain.hasSuffix(".onmicrosoft.com"))
            json.field("type", "Managed")
            json.field("capabilities", "Email, OfficeCommunicationsOnline")
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.endArray()
        json.endObject()
        return Self.json(200, json.data)
    }

    /// The tenant's users sorted by id, built once per tenant version.
    func sortedUsers(_ state: TenantState) -> [DirectoryUser] {
        if let cached = sortedUserCache[state.tenant.id], cached.version == state.version { return cached.users }
        let users = state.users.keys.sorted().map { state.users[$0]! }
        sortedUserCache[state.tenant.id] = (state.version, users)
        return users
    }

    /// The tenant's groups sorted by id, built once per tenant version.
    func sortedGroups(_ state: TenantState) -> [GroupRecord] {
        if let cached = sortedGroupCache[state.tenant.id], cached.version == state.version { return cached.groups }
        let groups = state.groups.values.sorted { $0.group.id < $1.group.id }
        sortedGroupCache[state.tenant.id] = (state.version, groups)
        return groups
    }
}

extension JSONEncoder {
    static var sorted: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
