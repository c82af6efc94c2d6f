/// The users and groups a filter selects from a snapshot, with each selected group's members
/// flattened to the selected users among its transitive members (cycle-safe).
///
/// Objects are numbered, not copied. Each user and group has a *position*: its place in the
/// snapshot's objects sorted by id (of several with one id, the last listed counts); the snapshot's
/// arrays stay as they are, and ``userIndex(_:)`` maps a position to the snapshot's index (the
/// identity when the snapshot lists objects sorted, as providers do). A selected user's *scope
/// number* is its place among the selected users.
struct DirectoryScope {
    /// The snapshot's users, as listed.
    let snapshotUsers: [DirectoryUser]
    /// The snapshot's groups, as listed.
    let snapshotGroups: [DirectoryGroup]
    /// The selected users' positions, ascending (so sorted by object id).
    let userIndices: [Int32]
    /// The selected groups' positions, ascending.
    let groupIndices: [Int32]
    /// For each user position, its scope number, or -1 when it is not selected.
    let userScopeNumbers: [Int32]
    /// For each group position, its place in ``groupIndices``, or -1.
    let groupScopeNumbers: [Int32]
    /// For each selected group (same index as ``groupIndices``), the scope numbers of its members, ascending.
    let members: [[Int32]]
    /// Snapshot indices by position; empty when they are the same.
    let userOrder: [Int32]
    let groupOrder: [Int32]

    /// Each object's position by its id's key. The scope needs the tables only to number its
    /// members, and a plan only to link the store's identities, so the scope does not keep them:
    /// at a million users they take 48 MB, freed before the plan's peak.
    struct Positions {
        let users: ObjectKeyTable
        let groups: ObjectKeyTable
    }

    /// The users and groups the filter selects from the snapshot.
    init(snapshot: DirectorySnapshot, filter: SyncFilter) { self = Self.make(snapshot: snapshot, filter: filter).scope }

    /// The scope, and the positions it was numbered with (``Positions``).
    static func make(snapshot: DirectorySnapshot, filter: SyncFilter) -> (scope: DirectoryScope, positions: Positions) {
        let (userOrder, userPositions) = order(snapshot.users)
        let (groupOrder, groupPositions) = order(snapshot.groups)
        let positions = Positions(users: userPositions, groups: groupPositions)
        return (DirectoryScope(snapshot: snapshot, filter: filter, userOrder: userOrder, groupOrder: groupOrder, positions: positions), positions)
    }

    /// The scope of objects already ordered and numbered (``make(snapshot:filter:)``).
    private init(snapshot: DirectorySnapshot, filter: SyncFilter, userOrder: [Int32], groupOrder: [Int32], positions: Positions) {
        snapshotUsers = snapshot.users
        snapshotGroups = snapshot.groups
        self.userOrder = userOrder
        self.groupOrder = groupOrder
        let userCount = userOrder.isEmpty ? snapshot.users.count : userOrder.count
        let groupCount = groupOrder.isEmpty ? snapshot.groups.count : groupOrder.count
        let (userPositions, groupPositions) = (positions.users, positions.groups)
        func group(_ position: Int) -> DirectoryGroup { snapshot.groups[groupOrder.isEmpty ? position : Int(groupOrder[position])] }
        func user(_ position: Int) -> DirectoryUser { snapshot.users[userOrder.isEmpty ? position : Int(userOrder[position])] }
        let snapshotGroups = snapshot.groups
        let closure = TransitiveMembers(
            directUsers: ParallelChunks.map(groupCount, chunkSize: 64) {
                userPositions.values(for: snapshotGroups[groupOrder.isEmpty ? $0 : Int(groupOrder[$0])].memberUserIDs)
            },
            directGroups: (0..<groupCount).map { groupPositions.values(for: group($0).memberGroupIDs) })

        // The groups a group filter selects: only theirs of the closures below are needed.
        let matched: [Bool]? = if case .usersByGroup(let expression) = filter { (0..<groupCount).map { expression.matches(group($0)) } } else { nil }
        // Every needed group's transitive members, in parallel (a group's walk reads only the graph).
        let closures = ParallelChunks.map(groupCount, chunkSize: 32) { matched?[$0] == false ? [] : closure.members(of: $0) }
        var userSelected: [Bool]
        var groupSelected: [Bool]
        var selectedMembers: [[Int32]]? = nil
        switch filter {
        case .all:
            userSelected = Array(repeating: true, count: userCount)
            groupSelected = Array(repeating: true, count: groupCount)
        case .usersByGroup:
            userSelected = Array(repeating: false, count: userCount)
            groupSelected = matched ?? []
            for index in 0..<groupCount where groupSelected[index] {
                for member in closures[index] { userSelected[Int(member)] = true }
            }
        case .usersByUser(let expression):
            userSelected = (0..<userCount).map { expression.matches(user($0)) }
            let selected = userSelected
            let members = ParallelChunks.map(groupCount, chunkSize: 32) { closures[$0].filter { selected[Int($0)] } }
            groupSelected = members.map { !$0.isEmpty }
            selectedMembers = members
        }

        var scopeNumbers = [Int32](repeating: -1, count: userCount)
        var users: [Int32] = []
        users.reserveCapacity(userCount)
        for index in 0..<userCount where userSelected[index] {
            scopeNumbers[index] = Int32(users.count)
            users.append(Int32(index))
        }
        var groupNumbers = [Int32](repeating: -1, count: groupCount)
        var groups: [Int32] = []
        for index in 0..<groupCount where groupSelected[index] {
            groupNumbers[index] = Int32(groups.count)
            groups.append(Int32(index))
        }
        let (numbers, chosen, memberLists) = (scopeNumbers, groups, selectedMembers ?? closures)
        let members = ParallelChunks.map(groups.count, chunkSize: 32) { memberLists[Int(chosen[$0])].compactMap { numbers[Int($0)] >= 0 ? numbers[Int($0)] : nil } }
        userIndices = users
        groupIndices = groups
        userScopeNumbers = scopeNumbers
        groupScopeNumbers = groupNumbers
        self.members = members
    }

    /// The number of selected users.
    var userCount: Int { userIndices.count }

    /// The number of users in the snapshot (without repeats): the size of tables by user position.
    var userPositionCount: Int { userScopeNumbers.count }

    /// The number of groups in the snapshot (without repeats).
    var groupPositionCount: Int { groupScopeNumbers.count }

    /// The snapshot index of the user at `position`.
    func userIndex(_ position: Int) -> Int { userOrder.isEmpty ? position : Int(userOrder[position]) }

    /// The snapshot index of the group at `position`.
    func groupIndex(_ position: Int) -> Int { groupOrder.isEmpty ? position : Int(groupOrder[position]) }

    /// The snapshot index of the selected user with this scope number.
    func snapshotIndex(ofUser number: Int) -> Int { userIndex(Int(userIndices[number])) }

    /// The object id of the selected user with this scope number.
    func userID(_ number: Int) -> String { snapshotUsers[snapshotIndex(ofUser: number)].id }

    /// The selected group at this place of ``groupIndices``.
    func group(_ number: Int) -> DirectoryGroup { snapshotGroups[groupIndex(Int(groupIndices[number]))] }

    /// The selected users as values, sorted by object id (tests read them; the planner reads by number).
    var users: [DirectoryUser] { userIndices.map { snapshotUsers[userIndex(Int($0))] } }

    /// The selected groups as values, sorted by object id.
    var groups: [DirectoryGroup] { groupIndices.indices.map(group) }

    /// Snapshot indices in the order of their ids (of several with one id, the last listed) —
    /// empty when the items are listed sorted already — and each one's position by key.
    private static func order<T: KeyedDirectoryObject>(_ items: [T]) -> ([Int32], ObjectKeyTable) {
        var positions = ObjectKeyTable(capacity: items.count)
        // Every id's first byte of a chunk read before any is parsed: the reads overlap, where one after another each waits.
        let keys = ParallelChunks.map(items.count, readAhead: { range in keepReads(range.reduce(UInt8(0)) { $0 &+ items[$1].leadingByte }) }) { items[$0].objectKey }
        func ordered(_ a: Int, _ b: Int) -> Bool {
            // A lower-case GUID's key orders as its text does (hexadecimal digits of one length).
            if case .guid(let x) = keys[a], case .guid(let y) = keys[b] { return x < y }
            return items[a].id < items[b].id
        }
        // Providers usually list objects sorted by id already: then there is nothing to reorder.
        if items.indices.dropFirst().allSatisfy({ ordered($0 - 1, $0) }) {
            positions.set(keys.enumerated().map { (Int32($0), $1) })
            return ([], positions)
        }
        let sorted: [Int]
        if keys.allSatisfy({ if case .guid = $0 { true } else { false } }) {
            // Packed GUIDs (every id Graph sends): sort the integers, not the texts.
            sorted = sortedByGUID(keys)
        } else {
            sorted = items.indices.sorted { a, b in ordered(a, b) || (!ordered(b, a) && a < b) }
        }
        var order: [Int32] = []
        order.reserveCapacity(items.count)
        for (place, index) in sorted.enumerated() {
            if place + 1 < sorted.count, keys[sorted[place + 1]] == keys[index] { continue }
            order.append(Int32(index))
        }
        positions.set(order.enumerated().map { (Int32($0), keys[Int($1)]) })
        return (order, positions)
    }
}

/// The positions of packed GUID keys in the order of the keys (of equal keys, the earlier position
/// first): distributed into buckets by their top bits — GUIDs spread evenly, so a few keys each —
/// and each bucket sorted, in linear time where a comparison sort of a million keys is not. Every
/// key must be a packed GUID.
func sortedByGUID(_ keys: [ObjectKey]) -> [Int] {
    let bits = min(16, max(1, keys.count.bitWidth - keys.count.leadingZeroBitCount - 4))
    var starts = [Int](repeating: 0, count: (1 << bits) + 1)
    func bucket(_ high: UInt64) -> Int { Int(truncatingIfNeeded: high >> UInt64(64 - bits)) }
    for key in keys {
        guard case .guid(let guid) = key else { continue }
        starts[bucket(guid.high) + 1] += 1
    }
    for index in 1..<starts.count { starts[index] += starts[index - 1] }
    var next = starts
    var entries = [(high: UInt64, low: UInt64, position: Int)](repeating: (0, 0, 0), count: keys.count)
    for (position, key) in keys.enumerated() {
        guard case .guid(let guid) = key else { continue }
        let place = next[bucket(guid.high)]
        entries[place] = (guid.high, guid.low, position)
        next[bucket(guid.high)] = place + 1
    }
    entries.withUnsafeMutableBufferPointer { entries in
        for index in 0..<(starts.count - 1) where starts[index + 1] - starts[index] > 1 {
            entries[starts[index]..<starts[index + 1]].sort { $0 < $1 }
        }
    }
    return entries.map(\.position)
}

/// Transitive user members of groups: a walk over nested groups that visits each group once, so
/// cycles end and deep nesting needs no recursion.
struct TransitiveMembers {
    private let directUsers: [[Int32]]
    private let directGroups: [[Int32]]

    /// Members by position in `users` and `groups` (of several users or groups with one id, the last).
    init(users: [DirectoryUser], groups: [DirectoryGroup]) {
        var userPositions = ObjectKeyTable(capacity: users.count)
        for (index, user) in users.enumerated() { userPositions.set(Int32(index), for: user.objectKey) }
        var groupPositions = ObjectKeyTable(capacity: groups.count)
        for (index, group) in groups.enumerated() { groupPositions.set(Int32(index), for: ObjectKey(group.id)) }
        self.init(
            directUsers: groups.map { userPositions.values(for: $0.memberUserIDs) },
            directGroups: groups.map { groupPositions.values(for: $0.memberGroupIDs) })
    }

    /// Members given as each group's direct member users and groups, by position.
    init(directUsers: [[Int32]], directGroups: [[Int32]]) {
        self.directUsers = directUsers
        self.directGroups = directGroups
    }

    /// Positions of the users reachable from the group, ascending and without duplicates.
    func users(of group: Int) -> [Int] { members(of: group).map(Int.init) }

    /// ``users(of:)``, as the planner's 32-bit positions.
    func members(of group: Int) -> [Int32] {
        var members: [Int32] = []
        if directGroups[group].isEmpty {
            members = directUsers[group]
        } else {
            var visited: Set<Int32> = [Int32(group)]
            var queue = [Int32(group)]
            while let next = queue.popLast() {
                members.append(contentsOf: directUsers[Int(next)])
                for nested in directGroups[Int(next)] where visited.insert(nested).inserted { queue.append(nested) }
            }
        }
        members.sortAndRemoveDuplicates()
        return members
    }
}
