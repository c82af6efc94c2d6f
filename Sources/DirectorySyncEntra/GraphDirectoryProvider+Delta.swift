import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphDirectoryProvider {
    /// Reads what changed since `cursor` through `/users/delta` and `/groups/delta` (with
    /// `members@delta`), or everything with fresh delta links when `cursor` is `nil`.
    ///
    /// A full read for tracking reads every user (the filter is not pushed down: delta queries
    /// report the whole directory). Updates that carry only some properties are reported with
    /// those properties; `@removed` `changed` is a soft delete, `deleted` a permanent one. An
    /// expired delta link (400 `syncStateNotFound`) or a reset (410) throws ``DirectorySync/DirectoryTrackingLost``.
    /// Stored links are followed only to the configured Graph host.
    public func readChanges(since cursor: DirectoryCursor?, filter: SyncFilter) async throws -> DirectoryRead {
        guard let cursor else {
            let (snapshot, cursor) = try await readEverything(pushdown: nil, tracking: true)
            return .full(snapshot, cursor: cursor)
        }
        try Self.validate(credentials, secret: secret)
        guard let usersLink = cursor.positions["users"], let groupsLink = cursor.positions["groups"] else {
            throw DirectoryTrackingLost(.reset, detail: "the saved cursor has no users or groups delta link")
        }
        let start = await cost()
        var progress = Progress(pages: 0, users: 0, groups: 0, requests: 0, resourceUnits: 0, start: session.counters.withLock { $0 })
        var changes: [DirectoryChanges.Change] = []
        do {
            let nextUsers = try await readDeltaRound(GraphDeltaUserEntry.self, from: usersLink, counting: \.users, &progress) { entry in
                changes.append(entry.change)
            }
            var ignored = 0
            let nextGroups = try await readDeltaRound(GraphDeltaGroupEntry.self, from: groupsLink, counting: \.groups, &progress) { entry in
                changes += entry.changes(ignored: &ignored)
            }
            var statistics = await cost(since: start)
            statistics.pages = progress.pages
            statistics.ignoredMembers = ignored
            return .changes(DirectoryChanges(changes), cursor: DirectoryCursor(["users": nextUsers, "groups": nextGroups]), statistics: statistics)
        } catch let error as EntraError where error.code == .deltaExpired {
            throw DirectoryTrackingLost(error.status == 410 ? .reset : .expired, detail: error.detail, underlying: error)
        }
    }

    /// Follows a delta round from `link` to its delta link, handing every entry to `body`; a next
    /// link the round already followed stops it with ``EntraError`` (`pagingLoop`).
    private func readDeltaRound<Entry: GraphJSONReadable & Sendable>(
        _ type: Entry.Type, from link: String, counting counter: WritableKeyPath<Progress, Int>, _ progress: inout Progress,
        _ body: (Entry) -> Void
    ) async throws -> String {
        var deltaLink: String?
        let session = self.session
        try await readPages(from: try follow(link)) { response in
            let page = try session.page(Entry.self, response)
            return (page, page.nextLink)
        } consume: { page in
            page.value.forEach(body)
            progress[keyPath: counter] += page.value.count
            report(&progress)
            if page.nextLink == nil {
                guard let link = page.deltaLink else {
                    throw EntraError(.unexpectedResponse, detail: "a delta page has neither a next link nor a delta link")
                }
                deltaLink = link
            }
        }
        guard let deltaLink else { throw EntraError(.unexpectedResponse, detail: "a delta round ended without a delta link") }
        return deltaLink
    }

    /// A delta link that starts tracking now (`$deltatoken=latest`), without reading anything.
    func latestDeltaLink(_ path: String, select: [String]) async throws -> String {
        let response = try await session.get(url(path, [("$select", select.joined(separator: ",")), ("$deltatoken", "latest")]))
        let page = try session.page(GraphMember.self, response)
        guard let link = page.deltaLink else {
            throw EntraError(.unexpectedResponse, detail: "'\(path)?$deltatoken=latest' returned no delta link")
        }
        _ = try follow(link)
        return link
    }
}

/// The removal reason Graph sends: `changed` is a soft delete, anything else a permanent one.
private func removalKind(_ removed: GraphDeltaGroup.Removed) -> DirectoryChanges.Removal.Kind {
    removed.reason == "changed" ? .softDeleted : .deleted
}

/// A `/users/delta` entry: a user with the properties it carries, or a removal.
struct GraphDeltaUserEntry: Decodable {
    var user: GraphUser
    var keys: Set<String>
    var removed: GraphDeltaGroup.Removed?

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyCodingKey.self)
        keys = Set(container.allKeys.map(\.stringValue))
        removed = try container.decodeIfPresent(GraphDeltaGroup.Removed.self, forKey: AnyCodingKey("@removed"))
        user = try GraphUser(from: decoder)
    }

    private static let properties = Set(GraphUser.select).subtracting(["id"])

    var change: DirectoryChanges.Change {
        if let removed { return .userRemoved(.init(id: user.id, kind: removalKind(removed))) }
        let sent = keys.intersection(Self.properties)
        return .user(.init(user: user.directoryUser, properties: sent == Self.properties ? nil : sent))
    }
}

/// A `/groups/delta` entry: a group with the properties it carries and a chunk of member changes, or a removal.
struct GraphDeltaGroupEntry: Decodable {
    var group: GraphDeltaGroup
    var keys: Set<String>

    init(from decoder: any Decoder) throws {
        keys = Set(try decoder.container(keyedBy: AnyCodingKey.self).allKeys.map(\.stringValue))
        group = try GraphDeltaGroup(from: decoder)
    }

    private static let properties = Set(GraphDeltaGroup.select).subtracting(["id", "members"])

    func changes(ignored: inout Int) -> [DirectoryChanges.Change] {
        if let removed = group.removed { return [.groupRemoved(.init(id: group.id, kind: removalKind(removed)))] }
        let sent = keys.intersection(Self.properties)
        var changes: [DirectoryChanges.Change] = [.group(.init(group: group.directoryGroup, properties: sent == Self.properties ? nil : sent))]
        for member in group.members ?? [] {
            let kind: DirectoryChanges.MembershipChange.MemberKind
            switch member.type {
            case "#microsoft.graph.user": kind = .user
            case "#microsoft.graph.group": kind = .group
            default:
                ignored += 1
                continue
            }
            changes.append(.membership(.init(groupID: group.id, memberID: member.id, memberKind: kind, isAdded: member.removed == nil)))
        }
        return changes
    }
}
