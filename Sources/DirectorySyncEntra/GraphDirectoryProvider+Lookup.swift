import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphDirectoryProvider {
    /// Reads the objects a lookup names and the groups around them with a few Graph requests —
    /// never a full read — for explaining or synchronizing one user or group.
    ///
    /// - A user key that is a GUID: `GET /users/{id}`; any other key: `GET /users` with
    ///   `$filter=userPrincipalName eq 'k' or mail eq 'k' or proxyAddresses/any(p:p eq 'smtp:k')`
    ///   (and `or onPremisesSamAccountName eq 'name'` for a key `DOMAIN\name`) as an advanced query
    ///   (`$count=true`, `ConsistencyLevel: eventual`). Keys are OData literals with quotes doubled.
    /// - The groups around each named user: `/users/{id}/memberOf/microsoft.graph.group`, then
    ///   `/groups/{id}/memberOf/microsoft.graph.group` for every group met, each once (cycles are safe).
    /// - A group key that is a GUID: `GET /groups/{id}`; any other key: `GET /groups` with
    ///   `$filter=displayName eq 'k'`; then each named group's member users from
    ///   `/groups/{id}/transitiveMembers/microsoft.graph.user`.
    ///
    /// One user key costs 1 request, plus 1 for its direct groups and 1 per group above it,
    /// whatever the tenant's size (and a token request when none is cached). An unknown key — a
    /// GUID Graph answers with 404 `Request_ResourceNotFound` included — names nothing and is no
    /// error. What Graph returns is checked with ``DirectorySync/DirectoryLookup``'s `key(_:names:)`, so
    /// a server that matches more never widens the excerpt. Paging, next-link checks, retries and
    /// ``DirectorySync/DirectoryExcerpt/statistics`` are those of ``read(filter:)``; the permissions are
    /// the same (`User.Read.All` and `GroupMember.Read.All`, or `Directory.Read.All`).
    /// - Parameter lookup: The keys.
    /// - Returns: The excerpt ``DirectorySync/DirectoryExcerpt/init(_:_:)`` describes, in key order
    ///   (named users, then the named groups' members; named groups, then the groups around the
    ///   named users in the order met).
    /// - Throws: ``EntraError`` as ``read(filter:)`` does; cancellation as `CancellationError`.
    public func lookUp(_ lookup: DirectoryLookup) async throws -> DirectoryExcerpt {
        try Self.validate(credentials, secret: secret)
        let start = await cost()
        var progress = Progress(pages: 0, users: 0, groups: 0, requests: 0, resourceUnits: 0, start: session.counters.withLock { $0 })
        var excerpt = ExcerptBuilder()

        var named: [DirectoryUser] = []
        for key in lookup.users {
            for user in try await users(named: key, &progress) where excerpt.take(user) { named.append(user) }
        }
        for key in lookup.groups {
            for var group in try await groups(named: key, &progress) where !excerpt.hasGroup(group.id) {
                let members = try await transitiveMemberUsers(of: group.id, &progress)
                group.memberUserIDs = members.map(\.id)
                excerpt.place(group)
                members.forEach { excerpt.take($0) }
            }
        }

        // The groups above the named users, breadth first, each group's parents asked once.
        var queue: [(id: String, isUser: Bool)] = named.map { ($0.id, true) }
        var asked: Set<String> = []
        var next = 0
        while next < queue.count {
            let child = queue[next]
            next += 1
            let path = "/\(child.isUser ? "users" : "groups")/\(Self.encode(child.id))/memberOf/microsoft.graph.group"
            for parent in try await parentGroups(path, &progress) {
                excerpt.addEdge(parent, child: child.id, childIsUser: child.isUser)
                if asked.insert(parent.id.lowercased()).inserted { queue.append((parent.id, false)) }
            }
        }

        // Groups by name only: `displayName in (…)`, fifteen names a request (Graph's limit for `in`).
        var names: [String] = []
        var seenNames: Set<String> = []
        for name in lookup.groupNames {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty && seenNames.insert(trimmed.lowercased()).inserted { names.append(trimmed) }
        }
        for first in stride(from: 0, to: names.count, by: 15) {
            let batch = Array(names[first..<min(first + 15, names.count)])
            let filter = "displayName in (\(batch.map(ODataTranslation.literal).joined(separator: ",")))"
            let query = [("$select", Self.groupSelect), ("$filter", filter), ("$top", String(configuration.pageSize))]
            try await pages(GraphDeltaGroup.self, url("/groups", query), headers: [:], &progress) { page in
                for entry in page {
                    var group = entry.directoryGroup
                    guard !excerpt.hasGroup(group.id), batch.contains(where: { $0.lowercased() == group.displayName.lowercased() }) else { continue }
                    (group.memberUserIDs, group.memberGroupIDs) = ([], [])
                    excerpt.place(group)
                }
            }
        }

        var statistics = await cost(since: start)
        statistics.pages = progress.pages
        return DirectoryExcerpt(users: excerpt.users, groups: excerpt.groups, statistics: statistics)
    }

    /// The group properties the model needs (a group's `$select` without `members`).
    static var groupSelect: String { GraphDeltaGroup.select.filter { $0 != "members" }.joined(separator: ",") }

    /// Headers and query of Graph's advanced queries, which `$filter` on `onPremisesSamAccountName`
    /// and OData casts on member lists need.
    private static var advanced: (headers: HTTPHeaders, query: [(String, String)]) { (["ConsistencyLevel": "eventual"], [("$count", "true")]) }

    /// The users one key names: one `GET /users/{id}` for a GUID, else one filtered `/users` query.
    private func users(named key: String, _ progress: inout Progress) async throws -> [DirectoryUser] {
        let key = key.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { return [] }
        let select = ("$select", GraphUser.select.joined(separator: ","))
        var found: [DirectoryUser] = []
        if UUID(uuidString: key) != nil {
            if let user = try await object(GraphUser.self, url("/users/\(Self.encode(key))", [select]), &progress) { found = [user.directoryUser] }
        } else {
            let query = [select, ("$filter", Self.userFilter(key)), ("$top", String(configuration.pageSize))] + Self.advanced.query
            try await pages(GraphUser.self, url("/users", query), headers: Self.advanced.headers, &progress) { found += $0.map(\.directoryUser) }
        }
        let named = found.filter { DirectoryLookup.key(key, names: $0) }
        progress.users += named.count
        return named
    }

    /// The `$filter` naming the users a key that is not an id may name (Graph compares strings
    /// ignoring case, so `smtp:` matches `SMTP:` too).
    static func userFilter(_ key: String) -> String {
        let literal = ODataTranslation.literal(key)
        var clauses = ["userPrincipalName eq \(literal)", "mail eq \(literal)", "proxyAddresses/any(p:p eq \(ODataTranslation.literal("smtp:" + key)))"]
        if let slash = key.firstIndex(of: "\\") {
            let name = key[key.index(after: slash)...]
            if !name.isEmpty { clauses.append("onPremisesSamAccountName eq \(ODataTranslation.literal(String(name)))") }
        }
        return clauses.joined(separator: " or ")
    }

    /// The groups one key names: one `GET /groups/{id}` for a GUID, else `/groups` filtered by display name.
    private func groups(named key: String, _ progress: inout Progress) async throws -> [DirectoryGroup] {
        let key = key.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { return [] }
        let select = ("$select", Self.groupSelect)
        var found: [DirectoryGroup] = []
        if UUID(uuidString: key) != nil {
            if let group = try await object(GraphDeltaGroup.self, url("/groups/\(Self.encode(key))", [select]), &progress) { found = [group.directoryGroup] }
        } else {
            let query = [select, ("$filter", "displayName eq \(ODataTranslation.literal(key))"), ("$top", String(configuration.pageSize))]
            try await pages(GraphDeltaGroup.self, url("/groups", query), headers: [:], &progress) { found += $0.map(\.directoryGroup) }
        }
        let named = found.filter { DirectoryLookup.key(key, names: $0) }
        progress.groups += named.count
        return named
    }

    /// Every user in a group, nested groups flattened, each once.
    private func transitiveMemberUsers(of groupID: String, _ progress: inout Progress) async throws -> [DirectoryUser] {
        let query = [("$select", GraphUser.select.joined(separator: ",")), ("$top", String(configuration.pageSize))] + Self.advanced.query
        var users: [DirectoryUser] = []
        var seen: Set<String> = []
        try await pages(GraphUser.self, url("/groups/\(Self.encode(groupID))/transitiveMembers/microsoft.graph.user", query), headers: Self.advanced.headers, &progress) { page in
            for user in page where seen.insert(user.id.lowercased()).inserted { users.append(user.directoryUser) }
        }
        progress.users += users.count
        return users
    }

    /// The groups an object is a direct member of (`…/memberOf/microsoft.graph.group`).
    private func parentGroups(_ path: String, _ progress: inout Progress) async throws -> [DirectoryGroup] {
        let query = [("$select", Self.groupSelect), ("$top", String(configuration.pageSize))] + Self.advanced.query
        var groups: [DirectoryGroup] = []
        try await pages(GraphDeltaGroup.self, url(path, query), headers: Self.advanced.headers, &progress) { groups += $0.map(\.directoryGroup) }
        return groups
    }

    /// One object, or `nil` when Graph answers 404 `Request_ResourceNotFound`.
    private func object<Item: GraphJSONReadable>(_ type: Item.Type, _ url: URL, _ progress: inout Progress) async throws -> Item? {
        let response: HTTPResponse
        do {
            response = try await session.get(url)
        } catch let error as EntraError where error.status == 404 && error.serviceCode == "Request_ResourceNotFound" {
            return nil
        }
        let item = try session.object(Item.self, response)
        report(&progress)
        return item
    }

    /// Reads a collection to its end, handing each page's items to `body`; a next link this
    /// collection already followed stops it with ``EntraError`` `pagingLoop`.
    private func pages<Item: GraphJSONReadable>(
        _ type: Item.Type, _ first: URL, headers: HTTPHeaders, _ progress: inout Progress, _ body: ([Item]) -> Void
    ) async throws {
        var next: URL? = first
        var trail: Set<String> = [first.absoluteString]
        while let link = next {
            let page = try session.page(Item.self, try await session.get(link, headers: headers))
            body(page.value)
            report(&progress)
            next = try page.nextLink.map { try follow($0, trail: &trail) }
        }
    }
}

/// Collects an excerpt: users and groups each once, in the order first met, with edges merged
/// into groups already placed (a named group that also contains a named user carries both).
private struct ExcerptBuilder {
    private(set) var users: [DirectoryUser] = []
    private var groupOrder: [String] = []
    private var groupByKey: [String: DirectoryGroup] = [:]
    private var userKeys: Set<String> = []

    var groups: [DirectoryGroup] { groupOrder.map { groupByKey[$0]! } }

    /// Adds a user not met yet; whether it was new.
    @discardableResult
    mutating func take(_ user: DirectoryUser) -> Bool {
        guard userKeys.insert(user.id.lowercased()).inserted else { return false }
        users.append(user)
        return true
    }

    func hasGroup(_ id: String) -> Bool { groupByKey[id.lowercased()] != nil }

    mutating func place(_ group: DirectoryGroup) {
        let key = group.id.lowercased()
        if groupByKey[key] == nil { groupOrder.append(key) }
        groupByKey[key] = group
    }

    /// Records that `child` (a named user, or a group above one) is a direct member of `parent`.
    mutating func addEdge(_ parent: DirectoryGroup, child: String, childIsUser: Bool) {
        var group = groupByKey[parent.id.lowercased()] ?? parent
        if childIsUser {
            if !group.memberUserIDs.contains(child) { group.memberUserIDs.append(child) }
        } else if !group.memberGroupIDs.contains(child) {
            group.memberGroupIDs.append(child)
        }
        place(group)
    }
}
