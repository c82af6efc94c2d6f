import DirectorySync
import DirectorySyncHTTP
import Foundation

/// Reads users and groups from Microsoft Entra ID through Microsoft Graph v1.0.
///
/// Users come from `/users` with `$select` of exactly what the model needs and `$top=999`; a user
/// filter is pushed down to Graph's `$filter` where Graph can evaluate it. Groups and their
/// memberships come from one group delta round with `$select=…,members` — about one request per
/// few hundred groups instead of one per group (``Configuration/MembershipStrategy/memberPages``
/// reads `/groups` and each group's `/members` instead). Every page is read to the end or the read
/// throws: a read never returns a partial snapshot marked complete. Throttling is handled by the
/// retry layer the provider always puts around its transport (``Configuration/retryPolicy``,
/// `Retry-After` honoured); requests and resource units are counted in
/// ``DirectorySync/DirectorySnapshot/statistics``.
///
/// ```swift
/// let credentials = SourceCredentials(clientID: "11111111-2222-3333-4444-555555555555", tenant: "contoso.com")
/// let provider = GraphDirectoryProvider(credentials: credentials, secret: secret)
/// let snapshot = try await provider.read(filter: settings.filter)
/// ```
public struct GraphDirectoryProvider: DirectoryProvider {
    /// How the provider connects and reads, apart from the credentials. ``GraphDirectoryConnector``
    /// holds one of these and makes every source's provider with it.
    public struct Configuration: Sendable {
        /// How group memberships are read.
        public enum MembershipStrategy: String, Sendable {
            /// One group delta round with `members@delta` (the fewest requests and resource units).
            case groupDelta
            /// `/groups` pages, then `/members` pages for each group.
            case memberPages
        }

        /// Where login and Graph are when the credentials name no endpoints (the global cloud by
        /// default); its scope is used for credentials' own endpoints too.
        public var endpoints: EntraEndpoints
        /// Allow tenants of national clouds (GCC High, DoD, China operated by 21Vianet; the product refuses them by default); the endpoints must be those of the tenant's cloud.
        public var allowsNationalClouds: Bool
        /// Items per page (1…999).
        public var pageSize: Int
        /// How memberships are read.
        public var membershipStrategy: MembershipStrategy
        /// Retries of throttled and failed requests; the transport is always wrapped in them
        /// (``DirectorySyncHTTP/RetryPolicy/none`` for no retries).
        public var retryPolicy: RetryPolicy
        /// The clock: token lifetimes, secret expiry, and the retries' waits (inject a test clock
        /// to avoid real waits).
        public var clock: SyncClock
        /// Days before the secret's expiry at which it is warned about (30, 7 and 1 by default):
        /// the connection test's `input` step warns within them, and a `DirectoryService` over a
        /// ``GraphDirectoryConnector`` with this configuration warns in status and announces each
        /// (``DirectorySync/DirectoryConnector/secretExpiryLeadTimes``) — one setting for all three.
        public var secretExpiryLeadTimes: [Int]
        /// Requests a lookup (``GraphDirectoryProvider/lookUp(_:)``) sends at the same time, at
        /// least 1 (one at a time). The requests of one step of a lookup do not depend on each
        /// other — the users its keys name, one level of the groups above them, the name
        /// requests — so with more than one in flight its time grows with the depth of the group
        /// tree rather than the number of groups. Its answer is the same whatever the setting.
        public var maximumLookupConcurrency: Int

        /// Creates a configuration.
        /// - Parameters:
        ///   - endpoints: Where login and Graph are when the credentials name none.
        ///   - allowsNationalClouds: Allow tenants of national clouds.
        ///   - pageSize: Items per page (1…999).
        ///   - membershipStrategy: How memberships are read.
        ///   - retryPolicy: Retries of throttled and failed requests.
        ///   - clock: The clock.
        ///   - secretExpiryLeadTimes: Days before the secret's expiry at which it is warned about.
        ///   - maximumLookupConcurrency: Requests a lookup sends at the same time (at least 1).
        public init(
            endpoints: EntraEndpoints = .global, allowsNationalClouds: Bool = false, pageSize: Int = 999,
            membershipStrategy: MembershipStrategy = .groupDelta, retryPolicy: RetryPolicy = RetryPolicy(), clock: SyncClock = .system,
            secretExpiryLeadTimes: [Int] = SourceCredentials.SecretExpiry.defaultLeadTimes, maximumLookupConcurrency: Int = 8
        ) {
            self.endpoints = endpoints
            self.allowsNationalClouds = allowsNationalClouds
            self.pageSize = pageSize
            self.membershipStrategy = membershipStrategy
            self.retryPolicy = retryPolicy
            self.clock = clock
            self.secretExpiryLeadTimes = secretExpiryLeadTimes
            self.maximumLookupConcurrency = maximumLookupConcurrency
        }
    }

    /// Progress of a read, for a host's progress bar.
    public struct Progress: Sendable {
        /// Pages read so far.
        public var pages: Int
        /// Users read so far.
        public var users: Int
        /// Groups read so far.
        public var groups: Int
        /// Requests sent so far.
        public var requests: Int
        /// Resource units charged so far.
        public var resourceUnits: Int
        /// The provider's counters when this read started (they count every read).
        var start = ReadStatistics()
    }

    /// The tenant, application, secret expiry and endpoints signed in with.
    public let credentials: SourceCredentials
    /// How the provider connects and reads.
    public let configuration: Configuration
    /// Where login and Graph are: the credentials' endpoints, else the configuration's.
    public let endpoints: EntraEndpoints
    let secret: Secret
    let session: GraphSession
    let retryingTransport: any HTTPTransport
    private let onProgress: @Sendable (Progress) -> Void

    /// Creates a provider.
    /// - Parameters:
    ///   - credentials: The tenant, application (client) id, secret expiry and endpoints.
    ///   - secret: The client secret's value.
    ///   - configuration: Endpoints, policies and the clock.
    ///   - transport: The HTTP transport (`URLSessionTransport` by default); it is always wrapped
    ///     in the retry layer of ``Configuration/retryPolicy``.
    ///   - onProgress: Called after each page, one call at a time and in order (a full read's users
    ///     and groups are read at once, and a slow callback holds both up).
    public init(
        credentials: SourceCredentials, secret: Secret, configuration: Configuration = Configuration(),
        transport: any HTTPTransport = URLSessionTransport(), onProgress: @escaping @Sendable (Progress) -> Void = { _ in }
    ) {
        self.credentials = credentials
        self.secret = secret
        self.configuration = configuration
        if let login = credentials.loginURL, let graph = credentials.graphURL {
            endpoints = EntraEndpoints(login: login, graph: graph, scope: configuration.endpoints.scope)
        } else {
            endpoints = configuration.endpoints
        }
        let retrying = RetryingTransport(transport, policy: configuration.retryPolicy, clock: configuration.clock)
        retryingTransport = retrying
        session = GraphSession(
            transport: retrying,
            tokens: TokenSource(credentials: credentials, secret: secret, endpoints: endpoints, transport: retrying, clock: configuration.clock))
        self.onProgress = onProgress
    }

    /// Checks the input before any request: the credentials' shape (``DirectorySync/SourceCredentials/validate()``)
    /// and a secret that is not empty.
    /// - Throws: ``EntraError`` with code `invalidInput`.
    static func validate(_ credentials: SourceCredentials, secret: Secret) throws(EntraError) {
        do {
            try credentials.validate()
        } catch {
            throw EntraError(.invalidInput, detail: error.detail, underlying: error, fix: error.fix)
        }
        guard !secret.isEmpty else { throw EntraError(.invalidInput, detail: "the client secret is empty") }
    }

    public func read(filter: SyncFilter) async throws -> DirectorySnapshot {
        var pushed: ODataTranslation.Result?
        if case .usersByUser(let expression) = filter { pushed = ODataTranslation.translate(expression) }
        return try await readEverything(pushdown: pushed, tracking: false).snapshot
    }

    /// Reads every page; with `tracking`, also the delta links to read changes from afterwards.
    func readEverything(pushdown: ODataTranslation.Result?, tracking: Bool) async throws -> (snapshot: DirectorySnapshot, cursor: DirectoryCursor?) {
        try Self.validate(credentials, secret: secret)
        let start = await cost()
        let progress = Locked(Progress(pages: 0, users: 0, groups: 0, requests: 0, resourceUnits: 0, start: session.counters.withLock { $0 }))
        // Tracking starts before the read: changes made while it runs are reported again next time.
        let usersLink = tracking ? try await latestDeltaLink("/users/delta", select: GraphUser.select) : nil
        // Users and groups are read at the same time: each is a chain of pages that must be
        // requested one after another, so two chains take about half as long as one after the
        // other. When the users' read fails, its error is the read's (the groups' read is then cancelled).
        async let groupsRead = readGroups(tracking: tracking, progress)
        let users = try await readUsers(pushdown: pushdown, progress)
        let (groups, ignored, groupsLink) = try await groupsRead
        var statistics = await cost(since: start)
        statistics.pages = progress.withLock { $0.pages }
        statistics.ignoredMembers = ignored
        statistics.filterPushedDown = pushdown != nil
        var cursor: DirectoryCursor?
        if let usersLink, let groupsLink { cursor = DirectoryCursor(["users": usersLink, "groups": groupsLink]) }
        return (DirectorySnapshot(users: users, groups: groups, isComplete: true, statistics: statistics), cursor)
    }

    /// Requests and resource units spent by this provider so far, or since `start`.
    func cost(since start: ReadStatistics = ReadStatistics()) async -> ReadStatistics {
        var now = session.counters.withLock { $0 }
        now.requests += await session.tokens.requests
        return ReadStatistics(requests: now.requests - start.requests, resourceUnits: now.resourceUnits - start.resourceUnits)
    }

    func report(_ progress: inout Progress) {
        progress.pages += 1
        let counters = session.counters.withLock { $0 }
        progress.requests = counters.requests - progress.start.requests
        progress.resourceUnits = counters.resourceUnits - progress.start.resourceUnits
        onProgress(progress)
    }

    func url(_ path: String, _ query: [(String, String)]) -> URL {
        let encoded = query.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&")
        return URL(string: endpoints.graph.absoluteString + path + (encoded.isEmpty ? "" : "?" + encoded))!
    }

    /// Percent-encodes a query value strictly (`+`, `&`, `#`, `'` … included), so a value can never
    /// change the query's structure.
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~,$()")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    /// Follows a next link within one paged read: refuses a link that leaves the configured Graph
    /// host, and one this read has already followed (`trail` holds them, the first URL included),
    /// which would page forever.
    /// - Parameter loopFix: The advice for a repeat, when the read knows better than the code's.
    /// - Throws: ``EntraError`` `unexpectedResponse` for a foreign host, `pagingLoop` for a repeat.
    func follow(_ link: String, trail: inout Set<String>, loopFix: String? = nil) throws -> URL {
        let url = try follow(link)
        guard trail.insert(url.absoluteString).inserted else {
            throw EntraError(
                .pagingLoop, detail: "Graph's next link repeats a page this read already followed, after \(trail.count) pages ('\(Redactor.redact(link))')",
                fix: loopFix)
        }
        return url
    }

    /// Follows a next link, refusing one that leaves the configured Graph host.
    func follow(_ link: String) throws -> URL {
        guard let url = URL(string: link), url.host?.lowercased() == endpoints.graph.host?.lowercased(),
            url.scheme == endpoints.graph.scheme
        else {
            throw EntraError(.unexpectedResponse, detail: "a next link points outside Microsoft Graph ('\(Redactor.redact(link))')")
        }
        return url
    }

    private func readUsers(pushdown: ODataTranslation.Result?, _ progress: Locked<Progress>) async throws -> [DirectoryUser] {
        var query = [("$select", GraphUser.select.joined(separator: ",")), ("$top", String(configuration.pageSize))]
        var headers = HTTPHeaders()
        if let pushdown {
            query.append(("$filter", pushdown.filter))
            if pushdown.needsAdvancedQuery {
                query.append(("$count", "true"))
                headers["ConsistencyLevel"] = "eventual"
            }
        }
        // The pages joined once at the end, into an array of the right size.
        var pages: [[DirectoryUser]] = []
        let session = self.session
        try await readPages(from: url("/users", query), headers: headers, loopFix: pushdown.map { _ in EntraError.pagingLoopFix(filtered: true) }) { response in
            let page = try session.page(GraphUser.self, response) { $0.directoryUser }
            return (page.value, page.nextLink)
        } consume: { page in
            pages.append(page)
            // Under the lock, so the host sees its progress reports in order.
            progress.withLock {
                $0.users += page.count
                report(&$0)
            }
        }
        return Self.joined(&pages)
    }

    /// The pages' users in one array, each moved, not copied: their strings were made on other
    /// cores, and a copy would touch every one of them (a reference count each), then again to
    /// free the page. The pages are left holding one shared empty user.
    static func joined(_ pages: inout [[DirectoryUser]]) -> [DirectoryUser] {
        let empty = DirectoryUser(id: "", userPrincipalName: "", userType: nil)
        return [DirectoryUser](unsafeUninitializedCapacity: pages.reduce(0) { $0 + $1.count }) { users, count in
            for index in pages.indices {
                pages[index].withUnsafeMutableBufferPointer { page in
                    guard let start = page.baseAddress, !page.isEmpty else { return }
                    (users.baseAddress! + count).moveInitialize(from: start, count: page.count)
                    start.initialize(repeating: empty, count: page.count)
                    count += page.count
                }
            }
        }
    }

    /// Reads every group and its members by the configured ``Configuration/membershipStrategy``;
    /// with `tracking`, also the groups' delta link.
    private func readGroups(tracking: Bool, _ progress: Locked<Progress>) async throws -> (groups: [DirectoryGroup], ignored: Int, deltaLink: String?) {
        var ignored = 0
        var deltaLink: String?
        let groups: [DirectoryGroup]
        switch configuration.membershipStrategy {
        case .groupDelta:
            groups = try await readGroupsByDelta(progress, ignored: &ignored, deltaLink: &deltaLink)
        case .memberPages:
            if tracking { deltaLink = try await latestDeltaLink("/groups/delta", select: GraphDeltaGroup.select) }
            groups = try await readGroupsByMemberPages(progress, ignored: &ignored)
        }
        return (groups, ignored, deltaLink)
    }

    private func readGroupsByDelta(_ progress: Locked<Progress>, ignored: inout Int, deltaLink: inout String?) async throws -> [DirectoryGroup] {
        // Groups in the order first met; per group, the members met so far (a large group comes in
        // several entries, and replays repeat members): the group's own lists and the members of
        // other kinds it ignored, made a set only for a group met again.
        var position: [String: Int] = [:]
        var groups: [DirectoryGroup] = []
        var othersMet: [[ObjectKey]] = []
        var seenSets: [Int: Set<ObjectKey>] = [:]
        let session = self.session
        try await readPages(from: url("/groups/delta", [("$select", GraphDeltaGroup.select.joined(separator: ","))])) { response in
            let page = try session.page(GraphDeltaGroup.self, response) { GroupDeltaChunk($0) }
            return ((chunks: page.value, nextLink: page.nextLink, deltaLink: page.deltaLink), page.nextLink)
        } consume: { (page: (chunks: [GroupDeltaChunk?], nextLink: String?, deltaLink: String?)) in
            for case let chunk? in page.chunks {
                guard let index = position[chunk.group.id] else {
                    // Met for the first time: the group as its entry made it, members and all.
                    position[chunk.group.id] = groups.count
                    groups.append(chunk.group)
                    othersMet.append(chunk.others)
                    ignored += chunk.others.count
                    continue
                }
                var seen: Set<ObjectKey>
                if let kept = seenSets.removeValue(forKey: index) {
                    seen = kept
                } else {
                    let group = groups[index]
                    seen = Set(minimumCapacity: group.memberUserIDs.count + group.memberGroupIDs.count + othersMet[index].count)
                    seen.formUnion(group.memberUserIDs.objectKeys)
                    seen.formUnion(group.memberGroupIDs.objectKeys)
                    seen.formUnion(othersMet[index])
                }
                for (place, key) in chunk.group.memberUserIDs.objectKeys.enumerated() where seen.insert(key).inserted {
                    groups[index].memberUserIDs.append(chunk.group.memberUserIDs[place], key: key)
                }
                for (place, key) in chunk.group.memberGroupIDs.objectKeys.enumerated() where seen.insert(key).inserted {
                    groups[index].memberGroupIDs.append(chunk.group.memberGroupIDs[place], key: key)
                }
                for key in chunk.others where seen.insert(key).inserted { ignored += 1 }
                seenSets[index] = seen
            }
            progress.withLock {
                $0.groups = groups.count
                report(&$0)
            }
            if page.nextLink == nil && page.deltaLink == nil {
                throw EntraError(.unexpectedResponse, detail: "a group delta page has neither a next link nor a delta link")
            }
            deltaLink = page.deltaLink
        }
        return groups
    }

    private func readGroupsByMemberPages(_ progress: Locked<Progress>, ignored: inout Int) async throws -> [DirectoryGroup] {
        var groups: [DirectoryGroup] = []
        let session = self.session
        let first = url("/groups", [("$select", "id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes"), ("$top", String(configuration.pageSize))])
        try await readPages(from: first) { response in
            let page = try session.page(GraphDeltaGroup.self, response)
            return (page.value.map(\.directoryGroup), page.nextLink)
        } consume: { page in
            groups += page
            progress.withLock {
                $0.groups = groups.count
                report(&$0)
            }
        }
        for index in groups.indices {
            let members = url("/groups/\(Self.encode(groups[index].id))/members", [("$select", "id"), ("$top", String(configuration.pageSize))])
            try await readPages(from: members) { response in
                let page = try session.page(GraphMember.self, response)
                return (page.value, page.nextLink)
            } consume: { page in
                for member in page {
                    switch member.type {
                    case "#microsoft.graph.user": groups[index].memberUserIDs.append(member.id)
                    case "#microsoft.graph.group": groups[index].memberGroupIDs.append(member.id)
                    default: ignored += 1
                    }
                }
                progress.withLock { report(&$0) }
            }
        }
        return groups
    }
}

extension GraphDirectoryProvider: CustomStringConvertible, CustomReflectable {
    /// The tenant, application and Graph endpoint; never the secret, tokens or the transport.
    public var description: String {
        "GraphDirectoryProvider(tenant: \(credentials.tenant), client: \(credentials.clientID), graph: \(endpoints.graph.absoluteString))"
    }

    /// What `dump` shows: the same safe fields as ``description``.
    public var customMirror: Mirror {
        Mirror(self, children: [
            "tenant": credentials.tenant, "clientID": credentials.clientID, "graph": endpoints.graph,
        ], displayStyle: .struct)
    }
}

/// A group delta entry made ready to merge on the task that read its page, while the next pages
/// arrive: the group with the members it adds — each once, in the order they came — so the merge
/// of a group met once moves whole arrays instead of touching every member. `nil` for a group
/// removed.
struct GroupDeltaChunk: Sendable {
    /// The group with the users and groups this entry adds.
    var group: DirectoryGroup
    /// The keys of the members of other kinds (ignored), in the order they came.
    var others: [ObjectKey] = []

    /// - Parameter entry: The entry as read.
    init?(_ entry: consuming GraphDeltaGroup) {
        guard entry.removed == nil else { return nil }
        let added = entry.members ?? []
        group = entry.directoryGroup
        var seen = Set<ObjectKey>(minimumCapacity: added.count)
        for member in added where member.removed == nil {
            let key = ObjectKey(member.id)
            guard seen.insert(key).inserted else { continue }
            switch member.type {
            case "#microsoft.graph.user":
                group.memberUserIDs.append(member.id, key: key)
            case "#microsoft.graph.group":
                group.memberGroupIDs.append(member.id, key: key)
            default:
                others.append(key)
            }
        }
    }
}
