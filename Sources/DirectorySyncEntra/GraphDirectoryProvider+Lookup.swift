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
    /// - Group names: `GET /groups` with `$filter=displayName in (…)`, fifteen names a request.
    ///
    /// One user key costs 1 request, plus 1 for its direct groups and 1 per group above it,
    /// whatever the tenant's size (and a token request when none is cached). Requests that do not
    /// depend on each other are sent at the same time, at most
    /// ``Configuration/maximumLookupConcurrency`` at once: the users the keys name, the named
    /// groups and then their members, the groups of one level of the `memberOf` walk, the name
    /// requests. So the time a lookup takes grows with the depth of the group tree above its users
    /// (one round trip per level), not with the number of groups. What it returns does not depend
    /// on the order in which answers arrive: it is what asking one request at a time gives.
    ///
    /// An unknown key — a GUID Graph answers with 404 `Request_ResourceNotFound` included — names
    /// nothing and is no error. What Graph returns is checked with ``DirectorySync/DirectoryLookup``'s
    /// `key(_:names:)`, so a server that matches more never widens the excerpt. Paging, next-link
    /// checks, retries and ``DirectorySync/DirectoryExcerpt/statistics`` are those of
    /// ``read(filter:)``; the permissions are the same (`User.Read.All` and `GroupMember.Read.All`,
    /// or `Directory.Read.All`). The first request that fails cancels the others and its error is thrown.
    /// - Parameter lookup: The keys.
    /// - Returns: The excerpt ``DirectorySync/DirectoryExcerpt/init(_:_:)`` describes, in key order
    ///   (named users, then the named groups' members; named groups, then the groups around the
    ///   named users in the order met, level by level).
    /// - Throws: ``EntraError`` as ``read(filter:)`` does; cancellation as `CancellationError`.
    public func lookUp(_ lookup: DirectoryLookup) async throws -> DirectoryExcerpt {
        try Self.validate(credentials, secret: secret)
        let start = await cost()
        let progress = Locked(Progress(pages: 0, users: 0, groups: 0, requests: 0, resourceUnits: 0, start: session.counters.withLock { $0 }))
        let width = max(1, configuration.maximumLookupConcurrency)
        var excerpt = ExcerptBuilder()

        // Every request of one step at once; the answers are taken in the order of the requests.
        var named: [DirectoryUser] = []
        for found in try await Self.concurrently(lookup.users, width: width, { try await users(named: $0, progress) }) {
            for user in found where excerpt.take(user) { named.append(user) }
        }
        var namedGroups: [DirectoryGroup] = []
        var placing: Set<String> = []
        for found in try await Self.concurrently(lookup.groups, width: width, { try await groups(named: $0, progress) }) {
            for group in found where placing.insert(group.id.lowercased()).inserted { namedGroups.append(group) }
        }
        let members = try await Self.concurrently(namedGroups.map(\.id), width: width) { try await transitiveMemberUsers(of: $0, progress) }
        for (var group, members) in zip(namedGroups, members) {
            group.memberUserIDs = DirectoryObjectIDs(members.map(\.id))
            excerpt.place(group)
            members.forEach { excerpt.take($0) }
        }

        // The groups above the named users, breadth first and one level at a time (each level's
        // requests at once), each group's parents asked once.
        var level: [Child] = named.map { Child(id: $0.id, isUser: true) }
        var asked: Set<String> = []
        while !level.isEmpty {
            let parents = try await Self.concurrently(level, width: width) { child in
                try await parentGroups("/\(child.isUser ? "users" : "groups")/\(Self.encode(child.id))/memberOf/microsoft.graph.group", progress)
            }
            var next: [Child] = []
            for (child, groups) in zip(level, parents) {
                for parent in groups {
                    excerpt.addEdge(parent, child: child.id, childIsUser: child.isUser)
                    if asked.insert(parent.id.lowercased()).inserted { next.append(Child(id: parent.id, isUser: false)) }
                }
            }
            level = next
        }

        // Groups by name only: `displayName in (…)`, fifteen names a request (Graph's limit for `in`).
        var names: [String] = []
        var seenNames: Set<String> = []
        for name in lookup.groupNames {
            let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if !trimmed.isEmpty && seenNames.insert(trimmed.lowercased()).inserted { names.append(trimmed) }
        }
        let batches = stride(from: 0, to: names.count, by: 15).map { Array(names[$0..<min($0 + 15, names.count)]) }
        let found = try await Self.concurrently(batches, width: width) { try await groups(namedIn: $0, progress) }
        for (batch, groups) in zip(batches, found) {
            for var group in groups {
                guard !excerpt.hasGroup(group.id), batch.contains(where: { $0.lowercased() == group.displayName.lowercased() }) else { continue }
                (group.memberUserIDs, group.memberGroupIDs) = ([], [])
                excerpt.place(group)
            }
        }

        var statistics = await cost(since: start)
        statistics.pages = progress.withLock { $0.pages }
        return DirectoryExcerpt(users: excerpt.users, groups: excerpt.groups, statistics: statistics)
    }

    /// The group properties the model needs (a group's `$select` without `members`).
    static var groupSelect: String { GraphDeltaGroup.select.filter { $0 != "members" }.joined(separator: ",") }

    /// Headers and query of Graph's advanced queries, which `$filter` on `onPremisesSamAccountName`
    /// and OData casts on member lists need.
    private static var advanced: (headers: HTTPHeaders, query: [(String, String)]) { (["ConsistencyLevel": "eventual"], [("$count", "true")]) }

    /// A user named by a lookup, or a group above one, whose direct groups the walk asks for.
    private struct Child: Sendable {
        var id: String
        var isUser: Bool
    }

    /// Runs `body` for every input, at most `width` at once, and returns the results in the
    /// inputs' order, whatever the order they finish in. The first error thrown cancels the
    /// others and is rethrown.
    ///
    /// Concurrent requests rather than Graph's JSON batching (`POST /$batch`, 20 requests): a batch
    /// answers 200 with a status per request, a throttled request inside it (429 and its
    /// `Retry-After`) included, so every request would need a second retry path beside the one
    /// around the transport, and pages after the first still come one request at a time; Graph
    /// charges each request in a batch against the same budget anyway. Separate requests keep
    /// retries, token renewal, error mapping and counting in one place (``GraphSession``).
    private static func concurrently<Input: Sendable, Output: Sendable>(
        _ inputs: [Input], width: Int, _ body: @escaping @Sendable (Input) async throws -> Output
    ) async throws -> [Output] {
        guard inputs.count > 1 && width > 1 else {
            var results: [Output] = []
            for input in inputs { results.append(try await body(input)) }
            return results
        }
        return try await withThrowingTaskGroup(of: (Int, Output).self) { group in
            var results = [Output?](repeating: nil, count: inputs.count)
            var next = 0
            func start() {
                let index = next
                next += 1
                group.addTask { (index, try await body(inputs[index])) }
            }
            while next < min(width, inputs.count) { start() }
            while let (index, output) = try await group.next() {
                results[index] = output
                if next < inputs.count { start() }
            }
            return results.map { $0! }
        }
    }

    /// The users one key names: one `GET /users/{id}` for a GUID, else one filtered `/users` query.
    private func users(named key: String, _ progress: Locked<Progress>) async throws -> [DirectoryUser] {
        let key = key.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { return [] }
        let select = ("$select", GraphUser.select.joined(separator: ","))
        var found: [DirectoryUser] = []
        if UUID(uuidString: key) != nil {
            if let user = try await object(GraphUser.self, url("/users/\(Self.encode(key))", [select]), progress) { found = [user.directoryUser] }
        } else {
            let query = [select, ("$filter", Self.userFilter(key)), ("$top", String(configuration.pageSize))] + Self.advanced.query
            try await pages(GraphUser.self, url("/users", query), headers: Self.advanced.headers, progress) { found += $0.map(\.directoryUser) }
        }
        let named = found.filter { DirectoryLookup.key(key, names: $0) }
        progress.withLock { $0.users += named.count }
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
    private func groups(named key: String, _ progress: Locked<Progress>) async throws -> [DirectoryGroup] {
        let key = key.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !key.isEmpty else { return [] }
        let select = ("$select", Self.groupSelect)
        var found: [DirectoryGroup] = []
        if UUID(uuidString: key) != nil {
            if let group = try await object(GraphDeltaGroup.self, url("/groups/\(Self.encode(key))", [select]), progress) { found = [group.directoryGroup] }
        } else {
            let query = [select, ("$filter", "displayName eq \(ODataTranslation.literal(key))"), ("$top", String(configuration.pageSize))]
            try await pages(GraphDeltaGroup.self, url("/groups", query), headers: [:], progress) { found += $0.map(\.directoryGroup) }
        }
        let named = found.filter { DirectoryLookup.key(key, names: $0) }
        progress.withLock { $0.groups += named.count }
        return named
    }

    /// The groups `/groups` returns for `displayName in (…)` of up to fifteen names, unchecked.
    private func groups(namedIn names: [String], _ progress: Locked<Progress>) async throws -> [DirectoryGroup] {
        let filter = "displayName in (\(names.map(ODataTranslation.literal).joined(separator: ",")))"
        let query = [("$select", Self.groupSelect), ("$filter", filter), ("$top", String(configuration.pageSize))]
        var found: [DirectoryGroup] = []
        try await pages(GraphDeltaGroup.self, url("/groups", query), headers: [:], progress) { found += $0.map(\.directoryGroup) }
        return found
    }

    /// Every user in a group, nested groups flattened, each once.
    private func transitiveMemberUsers(of groupID: String, _ progress: Locked<Progress>) async throws -> [DirectoryUser] {
        let query = [("$select", GraphUser.select.joined(separator: ",")), ("$top", String(configuration.pageSize))] + Self.advanced.query
        var users: [DirectoryUser] = []
        var seen: Set<String> = []
        try await pages(GraphUser.self, url("/groups/\(Self.encode(groupID))/transitiveMembers/microsoft.graph.user", query), headers: Self.advanced.headers, progress) { page in
            for user in page where seen.insert(user.id.lowercased()).inserted { users.append(user.directoryUser) }
        }
        progress.withLock { $0.users += users.count }
        return users
    }

    /// The groups an object is a direct member of (`…/memberOf/microsoft.graph.group`).
    private func parentGroups(_ path: String, _ progress: Locked<Progress>) async throws -> [DirectoryGroup] {
        let query = [("$select", Self.groupSelect), ("$top", String(configuration.pageSize))] + Self.advanced.query
        var groups: [DirectoryGroup] = []
        try await pages(GraphDeltaGroup.self, url(path, query), headers: Self.advanced.headers, progress) { groups += $0.map(\.directoryGroup) }
        return groups
    }

    /// One object, or `nil` when Graph answers 404 `Request_ResourceNotFound`.
    private func object<Item: GraphJSONReadable>(_ type: Item.Type, _ url: URL, _ progress: Locked<Progress>) async throws -> Item? {
        let response: HTTPResponse
        do {
            response = try await session.get(url)
        } catch let error as EntraError where error.status == 404 && error.serviceCode == "Request_ResourceNotFound" {
            return nil
        }
        let item = try session.object(Item.self, response)
        // Under the lock, so the host sees its progress reports in order.
        progress.withLock { report(&$0) }
        return item
    }

    /// Reads a collection to its end, handing each page's items to `body`; a next link this
    /// collection already followed stops it with ``EntraError`` `pagingLoop`.
    private func pages<Item: GraphJSONReadable & Sendable>(
        _ type: Item.Type, _ first: URL, headers: HTTPHeaders, _ progress: Locked<Progress>, _ body: ([Item]) -> Void
    ) async throws {
        let session = self.session
        try await readPages(from: first, headers: headers) { response in
            let page = try session.page(Item.self, response)
            return (page.value, page.nextLink)
        } consume: { items in
            body(items)
            progress.withLock { report(&$0) }
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
