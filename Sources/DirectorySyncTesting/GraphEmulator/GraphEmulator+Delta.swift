import DirectorySync
import DirectorySyncHTTP
import Foundation

extension GraphEmulator {
    /// The state a delta link or a delta page's next link carries (opaque to clients).
    struct DeltaState: Codable {
        /// Changes after this version are reported; `nil` for the initial round.
        var since: Int?
        /// The version the round reports up to; the next delta link starts here.
        var upTo: Int
        /// The last object id already returned in this round.
        var after: String?
        /// `$select`, fixed by the first request.
        var select: String?
        /// When the delta link was issued (seconds since 1970).
        var issued: Double
    }

    /// A delta page: what it reports is decided under the emulator's lock, its members and JSON
    /// made after it is released (``Answer/page(_:)``).
    func delta(_ isGroups: Bool, _ state: TenantState, _ request: HTTPRequest, _ query: [String: String]) -> Answer {
        let kind = isGroups ? "groups" : "users"
        let origin = Self.origin(of: request.url)
        let path = "\(origin)/v1.0/\(kind)/delta"
        for unsupported in ["$top", "$orderby", "$expand", "$search"] where query[unsupported] != nil {
            return .ready(graphError(400, "Request_UnsupportedQuery", "The query parameter '\(unsupported)' is not supported with delta."))
        }
        var delta: DeltaState
        if let token = query["$deltatoken"] ?? query["$skiptoken"] {
            if token == "latest" {
                let latest = DeltaState(since: state.version, upTo: state.version, select: query["$select"], issued: clock.now.timeIntervalSince1970)
                return .ready(deltaPage([], latest, state, request, path: path, isGroups: isGroups, done: true, now: clock.now))
            }
            guard let data = Data(base64URL: token), let decoded = try? JSONDecoder().decode(DeltaState.self, from: data) else {
                return .ready(graphError(400, "Request_BadRequest", "Invalid delta or skip token."))
            }
            delta = decoded
            if query["$deltatoken"] != nil {
                if deltaResetMode {
                    var select = ""
                    if let fields = delta.select { select = "?$select=\(fields)" }
                    return .ready(graphError(410, "resyncRequired", "The delta token is no longer valid; start a new round.", headers: ["Location": "\(path)\(select)"]))
                }
                let issued = Date(timeIntervalSince1970: delta.issued)
                if clock.now.timeIntervalSince(issued) > configuration.deltaLinkLifetime || issued < state.deltaValidFrom {
                    return .ready(graphError(400, "syncStateNotFound", "The sync state generation is not valid; the delta token has expired."))
                }
                delta.after = nil
                delta.upTo = state.version
            }
        } else {
            if let filter = query["$filter"], !filter.lowercased().hasPrefix("id eq") {
                return .ready(graphError(400, "Request_UnsupportedQuery", "Only 'id eq' filters are supported with delta."))
            }
            delta = DeltaState(since: nil, upTo: state.version, select: query["$select"], issued: clock.now.timeIntervalSince1970)
        }
        let known = isGroups ? Self.groupProperties : Self.userProperties
        let select = delta.select.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
            ?? (isGroups ? Self.groupDefaultProperties : Self.userDefaultProperties)
        if let unknown = select.first(where: { !known.contains($0) }) {
            return .ready(graphError(400, "Request_BadRequest", "Could not find a property named '\(unknown)' on type 'microsoft.graph.\(isGroups ? "group" : "user")'."))
        }

        // The objects the round reports, by id: current state, or removal with its reason.
        var ids: [String]
        // For updates: the properties changed in this round (`nil` = send the whole object).
        var changedProperties: [String: Set<String>?] = [:]
        var memberChanges: [String: [(id: String, type: String, added: Bool)]] = [:]
        if let since = delta.since {
            let round = state.changes.filter { $0.isGroup == isGroups && $0.version > since && $0.version <= delta.upTo }
            var changed = Set(round.map(\.id))
            if configuration.deltaReportsChangedPropertiesOnly {
                for change in round {
                    let sofar = changedProperties[change.id, default: Set<String>()]
                    changedProperties[change.id] = change.properties.flatMap { properties in sofar.map { $0.union(properties) } }
                }
            }
            if isGroups {
                var latest: [String: MembershipChange] = [:]
                for change in state.membershipChanges where change.version > since && change.version <= delta.upTo {
                    latest["\(change.groupID)/\(change.memberID)"] = change
                }
                for change in latest.values {
                    if configuration.deltaReportsChangedPropertiesOnly, changedProperties[change.groupID] == nil, !changed.contains(change.groupID) {
                        changedProperties[change.groupID] = Set<String>()
                    }
                    changed.insert(change.groupID)
                    memberChanges[change.groupID, default: []].append((change.memberID, change.memberType, change.added))
                }
            }
            ids = changed.sorted()
        } else {
            ids = isGroups ? sortedGroups(state).map(\.group.id) : sortedUsers(state).map(\.id)
        }
        if let after = delta.after { ids = ids.filter { $0 > after } }
        let pageIDs = Array(ids.prefix(configuration.deltaPageSize))
        var next = delta
        next.after = pageIDs.last
        let done = pageIDs.count == ids.count
        let replay = faults.replayNextDeltaPage && !pageIDs.isEmpty
        if replay { faults.replayNextDeltaPage = false }
        let now = clock.now
        return .page { [self, delta, next, changes = memberChanges, changedProperties] in
            var memberChanges = changes
            if isGroups && delta.since == nil {
                // A first round reports every current member, for this page's groups only.
                for id in pageIDs {
                    guard let record = state.groups[id] else { continue }
                    memberChanges[id] = record.group.memberUserIDs.map { ($0, "user", true) } + record.group.memberGroupIDs.map { ($0, "group", true) }
                        + record.others.map { ($0.id, $0.type, true) }
                }
            }
            var entries: [(id: String, members: ArraySlice<(id: String, type: String, added: Bool)>?)] = []
            let withMembers = isGroups && select.contains("members")
            for id in pageIDs {
                let members = (memberChanges[id] ?? []).sorted { $0.id < $1.id }
                if withMembers && members.count > configuration.membersPerDeltaEntry {
                    for start in stride(from: 0, to: members.count, by: configuration.membersPerDeltaEntry) {
                        entries.append((id, members[start..<min(start + configuration.membersPerDeltaEntry, members.count)]))
                    }
                } else {
                    entries.append((id, withMembers ? members[...] : nil))
                }
            }
            return deltaPage(
                entries, next, state, request, path: path, isGroups: isGroups, done: done, now: now, replay: replay, select: select,
                changed: changedProperties)
        }
    }

    private func deltaPage(
        _ entries: [(id: String, members: ArraySlice<(id: String, type: String, added: Bool)>?)],
        _ delta: DeltaState, _ state: TenantState, _ request: HTTPRequest, path: String, isGroups: Bool, done: Bool, now: Date, replay: Bool = false,
        select: [String] = [], changed: [String: Set<String>?] = [:]
    ) -> HTTPResponse {
        func properties(_ id: String) -> [String] {
            guard let entry = changed[id], let names = entry else { return select }
            return select.filter { $0 == "id" || names.contains($0) }
        }
        let synchronized = state.tenant.synchronizedDomainSet
        var entries = entries
        if replay { entries += entries.prefix(max(1, entries.count / 2)) }
        var json = JSONBytes()
        json.beginObject()
        json.field("@odata.context", "\(Self.origin(of: request.url))/v1.0/$metadata#\(isGroups ? "groups" : "users")")
        var link = delta
        if done {
            link = DeltaState(since: delta.upTo, upTo: delta.upTo, after: nil, select: delta.select, issued: now.timeIntervalSince1970)
        }
        let token = (try? JSONEncoder.sorted.encode(link))?.base64URL ?? ""
        json.field(done ? "@odata.deltaLink" : "@odata.nextLink", "\(path)?\(done ? "$deltatoken" : "$skiptoken")=\(token)")
        json.key("value")
        json.beginArray()
        for entry in entries {
            if isGroups {
                if let record = state.groups[entry.id] {
                    Self.write(record.group, properties: properties(entry.id), to: &json) { json in
                        guard let members = entry.members else { return }
                        json.key("members@delta")
                        json.beginArray()
                        for member in members {
                            json.beginObject()
                            json.field("@odata.type", "#microsoft.graph.\(member.type)")
                            json.field("id", member.id)
                            if !member.added {
                                json.key("@removed")
                                json.beginObject()
                                json.field("reason", "deleted")
                                json.endObject()
                            }
                            json.endObject()
                        }
                        json.endArray()
                    }
                } else {
                    removed(entry.id, reason: state.deletedGroups[entry.id] == nil ? "deleted" : "changed", &json)
                }
            } else if let user = state.users[entry.id] {
                Self.write(user, properties: properties(entry.id), to: &json, synchronized: synchronized)
            } else {
                removed(entry.id, reason: state.deletedUsers[entry.id] == nil ? "deleted" : "changed", &json)
            }
        }
        json.endArray()
        json.endObject()
        return Self.json(200, json.data)
    }

    private func removed(_ id: String, reason: String, _ json: inout JSONBytes) {
        json.beginObject()
        json.field("id", id)
        json.key("@removed")
        json.beginObject()
        json.field("reason", reason)
        json.endObject()
        json.endObject()
    }
}
