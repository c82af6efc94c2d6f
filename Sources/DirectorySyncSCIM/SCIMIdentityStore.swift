import DirectorySync
import DirectorySyncHTTP
import Foundation

/// An ``DirectorySync/IdentityStore`` over a SCIM 2.0 server (RFC 7643/7644).
///
/// Mapping (see `Documentation/SCIM.md`): `userName` is the first login (the UPN) or else the
/// email; `emails` hold the primary email and the aliases; `name`, `displayName`, `active`
/// (disabling is `active: false`); logins as `ims` entries of type `directorysync-login`;
/// ownership in `externalId` (`directorysync:<source>:<object id>`). Groups: `displayName`,
/// `externalId`, `members`; SCIM core groups have no description, so the contents' ``DirectorySync/IdentityStoreContents/capabilities`` say so and
/// the planner leaves it out.
///
/// The store reads `/ServiceProviderConfig` once and adapts: PATCH with minimal operations where
/// supported (PUT otherwise), `If-Match` with the resource's ETag where ETags are supported,
/// membership changes in PATCH batches of bounded size. Its own writes to one resource go one at a
/// time (concurrent membership batches to one group would otherwise carry the same version and all
/// but one get 412); a 412 — another client wrote in between — is answered by reading the version
/// again and retrying (three attempts in all, five for membership changes, which do not depend on
/// what the group held). A write whose answer is enough sends no request before it: a create is
/// one POST, a membership change one PATCH with the ETag of the last answer (a missing group
/// answers 404 itself). A 409 `uniqueness` on create is resolved by finding the existing
/// resource: if it is the same identity (an earlier create that was not acknowledged), it is used;
/// otherwise the clash is reported as `addressInUse` or `groupNameInUse`. Emails, aliases and
/// group names, which servers do not keep unique, are checked by the store: within
/// ``Configuration/uniquenessWindow`` after a full read against that read and its own writes
/// since (looking up on the server only a value the read gives to someone else), otherwise on the
/// server before each write. Because SCIM servers need not keep referential integrity, the store
/// removes a deleted user from its groups itself and checks that users exist before adding them.
public actor SCIMIdentityStore: IdentityStore {
    /// How the store connects.
    public struct Configuration: Sendable {
        /// The SCIM base URL, such as `https://scim.example.com/v2` (plain http only for loopback).
        public var baseURL: URL
        /// The bearer token (never printed).
        public var bearerToken: Secret
        /// Resources per page when reading (the server may lower it).
        public var pageSize: Int
        /// Members per PATCH request.
        public var membershipBatchSize: Int
        /// Seconds to wait for each response.
        public var timeout: TimeInterval
        /// Retries of throttled and failed requests; the transport — the default one or the
        /// host's — is always wrapped in them (``DirectorySyncHTTP/RetryPolicy/none`` for no retries). Only
        /// idempotent requests are retried blindly.
        public var retryPolicy: RetryPolicy
        /// The clock of the retries' waits and of ``uniquenessWindow`` (inject a test clock to
        /// avoid real waits).
        public var clock: SyncClock
        /// Seconds after a full read (``SCIMIdentityStore/contents()``) during which emails,
        /// aliases and group names — which SCIM servers do not keep unique — are checked against
        /// that read and the store's own writes since, so a create or rename sends no lookup
        /// first; the server is asked only about a value that read says another identity holds.
        /// Outside the window (and before any full read) every address and name is looked up on
        /// the server before the write. 300 by default, long enough for a first synchronization
        /// of 100,000 users; 0 always asks the server. Another client's write in the window is
        /// not seen by the check; see `Documentation/SCIM.md`.
        public var uniquenessWindow: TimeInterval

        /// Creates a configuration.
        /// - Parameters:
        ///   - baseURL: The SCIM base URL.
        ///   - bearerToken: The bearer token.
        ///   - pageSize: Resources per page when reading.
        ///   - membershipBatchSize: Members per PATCH request.
        ///   - timeout: Seconds to wait for each response.
        ///   - retryPolicy: Retries of throttled and failed requests.
        ///   - clock: The clock of the retries' waits and of the uniqueness window.
        ///   - uniquenessWindow: Seconds after a full read during which addresses and group names
        ///     are checked against it instead of on the server before each write.
        public init(
            baseURL: URL, bearerToken: Secret, pageSize: Int = 200, membershipBatchSize: Int = 100, timeout: TimeInterval = 30,
            retryPolicy: RetryPolicy = RetryPolicy(), clock: SyncClock = .system, uniquenessWindow: TimeInterval = 300
        ) {
            self.baseURL = baseURL
            self.bearerToken = bearerToken
            self.pageSize = pageSize
            self.membershipBatchSize = membershipBatchSize
            self.timeout = timeout
            self.retryPolicy = retryPolicy
            self.clock = clock
            self.uniquenessWindow = uniquenessWindow
        }
    }

    /// How the store connects.
    public let configuration: Configuration
    let transport: any HTTPTransport
    private(set) var storedConfig: SCIMServiceProviderConfig?
    var etags: [String: String] = [:]
    var knownUsers: [String: SCIMUser] = [:]
    var writeQueue = ResourceWriteQueue()
    /// Who held each address and group name at the last full read, kept current by the store's writes.
    var uniqueness = SCIMUniquenessIndex()

    /// Creates a store.
    /// - Parameters:
    ///   - configuration: URL, token, page and batch sizes.
    ///   - transport: The HTTP transport; by default, with the configured timeout,
    ///     `LoopbackHTTPTransport` for a plain `http` URL (loopback only) and `URLSessionTransport`
    ///     for `https`. Whichever it is, the store wraps it in the retries of
    ///     ``Configuration/retryPolicy``, as the Graph provider does.
    /// - Throws: ``DirectorySync/IdentityStoreError`` (`invalidValue`) for a URL the policy refuses.
    public init(configuration: Configuration, transport: (any HTTPTransport)? = nil) throws {
        do {
            try URLPolicy.check(configuration.baseURL)
        } catch {
            throw IdentityStoreError(.invalidValue, detail: "the SCIM URL is refused: \(error)")
        }
        self.configuration = configuration
        self.transport = RetryingTransport(
            transport ?? DefaultHTTPTransport.for([configuration.baseURL], configuration: .init(timeout: configuration.timeout, connectTimeout: configuration.timeout)),
            policy: configuration.retryPolicy, clock: configuration.clock)
    }

    /// What a SCIM server holds: core groups have no description.
    static let capabilities = IdentityStoreCapabilities(groupDescriptions: false)

    // MARK: Reading

    public func contents() async throws -> IdentityStoreContents {
        _ = try await contentsConfig()
        // The window counts from the start of the read: what changed while it ran may be missing.
        let readAt = configuration.clock.elapsed()
        let users: [SCIMUser] = try await list("Users")
        let groups: [SCIMGroup] = try await list("Groups")
        knownUsers = [:]
        for user in users { if let id = user.id { knownUsers[id] = user } }
        let identities = users.compactMap { user in
            user.id.map { IdentityUser(id: IdentityID($0), origin: SCIMOwnership.origin(of: user.externalId), profile: user.profile) }
        }
        uniqueness.replace(
            users: identities.map { ($0.id.rawValue, $0.profile.addressKeys) }, groups: groups.compactMap { group in group.id.map { ($0, group.displayName) } },
            at: readAt)
        let groupValues = groups.compactMap { group in
            group.id.map {
                IdentityGroup(
                    id: IdentityID($0), origin: SCIMOwnership.origin(of: group.externalId), profile: GroupProfile(name: group.displayName),
                    memberIDs: (group.members ?? []).map { IdentityID($0.value) }.filter { knownUsers[$0.rawValue] != nil })
            }
        }
        return IdentityStoreContents(users: identities, groups: groupValues, capabilities: Self.capabilities)
    }

    func list<Resource: Decodable & Identified>(_ collection: String, filter: String? = nil) async throws -> [Resource] {
        var all: [Resource] = []
        var startIndex = 1
        while true {
            var query = "startIndex=\(startIndex)&count=\(configuration.pageSize)"
            if let filter { query += "&filter=\(SCIMFilter.encode(filter))" }
            let response = try await send(.get, "\(collection)?\(query)")
            let page = try decode(SCIMList<Resource>.self, response)
            let resources = page.resources ?? []
            // Only a full read sets the versions later writes are based on: a lookup (uniqueness,
            // correlation) must not refresh them, or If-Match would no longer catch lost updates.
            if filter == nil {
                for resource in resources { if let id = resource.id, let version = resource.version { etags[id] = version } }
            }
            all += resources
            // Advance by what came back: servers may lower `count` silently.
            startIndex += resources.count
            if resources.isEmpty || all.count >= (page.totalResults ?? Int.max) { return all }
        }
    }

    /// Reads `/ServiceProviderConfig` once.
    func contentsConfig() async throws -> SCIMServiceProviderConfig {
        if let storedConfig { return storedConfig }
        let response = try await send(.get, "ServiceProviderConfig")
        let decoded = (try? JSONDecoder().decode(SCIMServiceProviderConfig.self, from: response.body)) ?? SCIMServiceProviderConfig()
        storedConfig = decoded
        return decoded
    }

    /// Keeps what the server holds for a user: for the next PATCH's differences and the uniqueness checks.
    func rememberUser(_ user: SCIMUser) {
        guard let id = user.id else { return }
        knownUsers[id] = user
        uniqueness.setUser(id, keys: user.profile.addressKeys)
    }

    /// Whether the last full read is recent enough to check addresses and group names against
    /// (``Configuration/uniquenessWindow``).
    var checksAgainstLastRead: Bool { uniqueness.isCurrent(at: configuration.clock.elapsed(), window: configuration.uniquenessWindow) }

    // MARK: Users

    public func createUser(_ profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try validate(profile)
        let resource = SCIMUser(profile: profile, origin: origin)
        try await checkAddresses(profile, for: nil, correlating: resource.externalId)
        do {
            let response = try await send(.post, "Users", body: try encode(resource))
            let created = try decode(SCIMUser.self, response)
            return remember(created, response)
        } catch let error as IdentityStoreError where error.code == .addressInUse {
            // 409 uniqueness: the same identity created earlier (an unacknowledged write) is reused.
            let matches: [SCIMUser] = try await list("Users", filter: "userName eq \(SCIMFilter.literal(resource.userName))")
            if let existing = matches.first,
                existing.externalId == resource.externalId, resource.externalId != nil, existing.profile == profile
            {
                rememberUser(existing)
                return IdentityUser(id: IdentityID(existing.id ?? ""), origin: origin, profile: existing.profile)
            }
            throw error
        }
    }

    public func updateUser(_ id: IdentityID, profile: UserProfile, origin: IdentityOrigin) async throws -> IdentityUser {
        try validate(profile)
        var resource = SCIMUser(profile: profile, origin: origin)
        resource.id = id.rawValue
        try await checkAddresses(profile, for: id.rawValue, correlating: nil)
        let response = try await writeWithRetry(id.rawValue, collection: "Users") { [self] in
            if try await contentsConfig().patch?.supported == true, let current = knownUsers[id.rawValue] {
                return (.patch, try patchBody(from: current, to: resource))
            }
            return (.put, try encode(resource))
        }
        if response.status == 204 || response.body.isEmpty {
            rememberUser(resource)
            return IdentityUser(id: id, origin: origin, profile: profile)
        }
        return remember(try decode(SCIMUser.self, response), response)
    }

    public func deleteUser(_ id: IdentityID) async throws {
        // SCIM servers need not keep referential integrity: take the user out of its groups first.
        let groups: [SCIMGroup] = try await list("Groups", filter: "members.value eq \(SCIMFilter.literal(id.rawValue))")
        for group in groups where group.members?.contains(where: { $0.value == id.rawValue }) == true {
            if let groupID = group.id { try await removeMembers([id], from: IdentityID(groupID)) }
        }
        _ = try await writeWithRetry(id.rawValue, collection: "Users") { (.delete, nil) }
        knownUsers[id.rawValue] = nil
        etags[id.rawValue] = nil
        uniqueness.removeUser(id.rawValue)
    }

    // MARK: Groups

    public func createGroup(_ profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        guard !profile.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw IdentityStoreError(.invalidValue, detail: "a group needs a non-empty name")
        }
        let resource = SCIMGroup(externalId: SCIMOwnership.externalID(for: origin), displayName: profile.name, members: [])
        // Within the window, the server is asked only about a name the last read gives to a group.
        if !checksAgainstLastRead || !uniqueness.holders(ofName: profile.name, except: nil).isEmpty,
            let holder = try await groupNamed(profile.name), let holderID = holder.id
        {
            if holder.externalId == resource.externalId, resource.externalId != nil {
                uniqueness.setGroup(holderID, name: holder.displayName)
                return IdentityGroup(id: IdentityID(holderID), origin: origin, profile: profile, memberIDs: (holder.members ?? []).map { IdentityID($0.value) })
            }
            throw IdentityStoreError(.groupNameInUse, detail: "the group name '\(profile.name)' is already used", conflictingIdentityID: IdentityID(holderID))
        }
        do {
            let response = try await send(.post, "Groups", body: try encode(resource), conflict: .groupNameInUse)
            let created = try decode(SCIMGroup.self, response)
            if let id = created.id {
                if let version = response.headers["ETag"] ?? created.meta?.version { etags[id] = version }
                uniqueness.setGroup(id, name: profile.name)
            }
            return IdentityGroup(id: IdentityID(created.id ?? ""), origin: origin, profile: profile)
        } catch let error as IdentityStoreError where error.code == .groupNameInUse {
            // A server that keeps group names unique itself answered 409.
            let matches: [SCIMGroup] = try await list("Groups", filter: "displayName eq \(SCIMFilter.literal(profile.name))")
            if let existing = matches.first, let existingID = existing.id,
                existing.externalId == resource.externalId, resource.externalId != nil, existing.displayName == profile.name
            {
                uniqueness.setGroup(existingID, name: existing.displayName)
                let members = (existing.members ?? []).map { IdentityID($0.value) }
                return IdentityGroup(id: IdentityID(existingID), origin: origin, profile: profile, memberIDs: members)
            }
            throw error
        }
    }

    public func updateGroup(_ id: IdentityID, profile: GroupProfile, origin: IdentityOrigin) async throws -> IdentityGroup {
        guard !profile.name.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw IdentityStoreError(.invalidValue, detail: "a group needs a non-empty name")
        }
        let externalID = SCIMOwnership.externalID(for: origin)
        if !checksAgainstLastRead || !uniqueness.holders(ofName: profile.name, except: id.rawValue).isEmpty,
            let holder = try await groupNamed(profile.name), let holderID = holder.id, holderID != id.rawValue
        {
            throw IdentityStoreError(.groupNameInUse, detail: "the group name '\(profile.name)' is already used", identityID: id, conflictingIdentityID: IdentityID(holderID))
        }
        _ = try await writeWithRetry(id.rawValue, collection: "Groups", conflict: .groupNameInUse) { [self] in
            if try await contentsConfig().patch?.supported == true {
                var operations: [[String: Any]] = [["op": "replace", "path": "displayName", "value": profile.name]]
                operations.append(externalID.map { ["op": "replace", "path": "externalId", "value": $0] } ?? ["op": "remove", "path": "externalId"])
                return (.patch, try Self.patch(operations))
            }
            let current = try decode(SCIMGroup.self, try await send(.get, "Groups/\(id.rawValue)"))
            return (.put, try encode(SCIMGroup(id: id.rawValue, externalId: externalID, displayName: profile.name, members: current.members)))
        }
        uniqueness.setGroup(id.rawValue, name: profile.name)
        let current = try decode(SCIMGroup.self, try await send(.get, "Groups/\(id.rawValue)"))
        return IdentityGroup(id: id, origin: origin, profile: profile, memberIDs: (current.members ?? []).map { IdentityID($0.value) })
    }

    public func deleteGroup(_ id: IdentityID) async throws {
        let current = try decode(SCIMGroup.self, try await send(.get, "Groups/\(id.rawValue)"))
        if let members = current.members, !members.isEmpty {
            throw IdentityStoreError(.groupNotEmpty, detail: "group '\(current.displayName)' still has \(members.count) members", identityID: id)
        }
        _ = try await writeWithRetry(id.rawValue, collection: "Groups") { (.delete, nil) }
        etags[id.rawValue] = nil
        uniqueness.removeGroup(id.rawValue)
    }

    public func addMembers(_ userIDs: [IdentityID], to groupID: IdentityID) async throws {
        // No lookup of the group first: the PATCH itself answers 404 for a missing one.
        // SCIM servers may accept unknown member ids: check that every user exists first.
        for id in userIDs where knownUsers[id.rawValue] == nil {
            let user = try decode(SCIMUser.self, try await send(.get, "Users/\(id.rawValue)"))
            knownUsers[id.rawValue] = user
        }
        for start in stride(from: 0, to: userIDs.count, by: max(1, configuration.membershipBatchSize)) {
            let batch = userIDs[start..<min(start + configuration.membershipBatchSize, userIDs.count)]
            let operation: [String: Any] = ["op": "add", "path": "members", "value": batch.map { ["value": $0.rawValue] }]
            _ = try await writeWithRetry(groupID.rawValue, collection: "Groups", attempts: Self.membershipWriteAttempts) { (.patch, try Self.patch([operation])) }
        }
    }

    public func removeMembers(_ userIDs: [IdentityID], from groupID: IdentityID) async throws {
        for start in stride(from: 0, to: userIDs.count, by: max(1, configuration.membershipBatchSize)) {
            let batch = userIDs[start..<min(start + configuration.membershipBatchSize, userIDs.count)]
            let operations: [[String: Any]] = batch.map { ["op": "remove", "path": "members[value eq \(SCIMFilter.literal($0.rawValue))]"] }
            _ = try await writeWithRetry(groupID.rawValue, collection: "Groups", attempts: Self.membershipWriteAttempts) { (.patch, try Self.patch(operations)) }
        }
    }

    // MARK: Uniqueness the server may not keep

    /// Emails and aliases are unique across users, ignoring case — SCIM servers only promise that
    /// for `userName`, so the store checks each address first: on the server, or — within the
    /// window after a full read — against that read, asking the server only about an address the
    /// read gives to another user.
    private func checkAddresses(_ profile: UserProfile, for id: String?, correlating externalID: String?) async throws {
        var keys = profile.addressKeys
        if checksAgainstLastRead { keys = keys.filter { !uniqueness.holders(ofAddress: $0, except: id).isEmpty } }
        for key in keys {
            let holders: [SCIMUser] = try await list("Users", filter: "emails.value eq \(SCIMFilter.literal(key))")
            for holder in holders where holder.id != id && holder.emails?.contains(where: { $0.value.lowercased() == key }) == true {
                // The same identity created earlier (an unacknowledged write) is not a clash.
                if let externalID, holder.externalId == externalID { continue }
                let subject: IdentityID? = id.map { IdentityID($0) }
                let conflicting: IdentityID? = holder.id.map { IdentityID($0) }
                throw IdentityStoreError(.addressInUse, detail: "the address '\(key)' is already used", identityID: subject, conflictingIdentityID: conflicting)
            }
        }
    }

    /// The group holding a name, ignoring case (group names are unique in the store).
    private func groupNamed(_ name: String) async throws -> SCIMGroup? {
        let matches: [SCIMGroup] = try await list("Groups", filter: "displayName eq \(SCIMFilter.literal(name))")
        return matches.first { $0.displayName.lowercased() == name.lowercased() }
    }
}
