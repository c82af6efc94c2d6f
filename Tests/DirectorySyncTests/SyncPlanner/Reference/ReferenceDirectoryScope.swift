// The planner before issue 20, kept verbatim (types renamed) until the new one has proven equal
// (ReferencePlannerDifferentialTests); remove it with that test.
@testable import DirectorySync
import Foundation

/// The users and groups a filter selects from a snapshot, with each selected group's members
/// flattened to the selected users among its transitive members (cycle-safe).
struct ReferenceDirectoryScope {
    /// Selected users, sorted by object id.
    let users: [DirectoryUser]
    /// Selected groups, sorted by object id.
    let groups: [DirectoryGroup]
    /// For each selected group (same index), indices into ``users`` of its members, ascending.
    let members: [[Int]]
    /// Every group of the snapshot, selected or not.
    let allGroupIDs: [ObjectKey]

    init(snapshot: DirectorySnapshot, filter: SyncFilter) {
        let allUsers = Self.unique(snapshot.users)
        let allGroups = Self.unique(snapshot.groups)
        let closure = ReferenceTransitiveMembers(users: allUsers, groups: allGroups)

        var userSelected: [Bool]
        var groupSelected: [Bool]
        var closures = [[Int]?](repeating: nil, count: allGroups.count)
        switch filter {
        case .all:
            userSelected = Array(repeating: true, count: allUsers.count)
            groupSelected = Array(repeating: true, count: allGroups.count)
        case .usersByGroup(let expression):
            userSelected = Array(repeating: false, count: allUsers.count)
            groupSelected = allGroups.map(expression.matches)
            for index in allGroups.indices where groupSelected[index] {
                let members = closure.users(of: index)
                closures[index] = members
                for member in members { userSelected[member] = true }
            }
        case .usersByUser(let expression):
            userSelected = allUsers.map(expression.matches)
            groupSelected = Array(repeating: false, count: allGroups.count)
            for index in allGroups.indices {
                let members = closure.users(of: index).filter { userSelected[$0] }
                closures[index] = members
                groupSelected[index] = !members.isEmpty
            }
        }

        var newIndex = [Int](repeating: -1, count: allUsers.count)
        var users: [DirectoryUser] = []
        for index in allUsers.indices where userSelected[index] {
            newIndex[index] = users.count
            users.append(allUsers[index])
        }
        var groups: [DirectoryGroup] = []
        var members: [[Int]] = []
        for index in allGroups.indices where groupSelected[index] {
            groups.append(allGroups[index])
            let all = closures[index] ?? closure.users(of: index)
            members.append(all.compactMap { newIndex[$0] >= 0 ? newIndex[$0] : nil })
        }
        self.users = users
        self.groups = groups
        self.members = members
        allGroupIDs = allGroups.map { ObjectKey($0.id) }
    }

    /// The items sorted by id; of several with one id, the last listed.
    private static func unique<T: Identifiable>(_ items: [T]) -> [T] where T.ID == String {
        // Providers usually list objects sorted by id already: then there is nothing to do.
        if zip(items, items.dropFirst()).allSatisfy({ $0.id < $1.id }) { return items }
        let order = items.indices.sorted { items[$0].id < items[$1].id || (items[$0].id == items[$1].id && $0 < $1) }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for (position, index) in order.enumerated() {
            if position + 1 < order.count, items[order[position + 1]].id == items[index].id { continue }
            result.append(items[index])
        }
        return result
    }
}

/// Transitive user members of groups: a breadth-first walk over nested groups that visits each
/// group once, so cycles end and deep nesting needs no recursion.
struct ReferenceTransitiveMembers {
    private let directUsers: [[Int]]
    private let directGroups: [[Int]]

    init(users: [DirectoryUser], groups: [DirectoryGroup]) {
        var userIndex: [ObjectKey: Int] = [:]
        userIndex.reserveCapacity(users.count)
        for (index, user) in users.enumerated() { userIndex[ObjectKey(user.id)] = index }
        var groupIndex: [ObjectKey: Int] = [:]
        groupIndex.reserveCapacity(groups.count)
        for (index, group) in groups.enumerated() { groupIndex[ObjectKey(group.id)] = index }
        directUsers = groups.map { $0.memberUserIDs.compactMap { userIndex[ObjectKey($0)] } }
        directGroups = groups.map { $0.memberGroupIDs.compactMap { groupIndex[ObjectKey($0)] } }
    }

    /// Indices of the users reachable from the group, ascending and without duplicates.
    func users(of group: Int) -> [Int] {
        if directGroups[group].isEmpty { return Array(Set(directUsers[group])).sorted() }
        var visited: Set<Int> = [group]
        var queue = [group]
        var members: Set<Int> = []
        while let next = queue.popLast() {
            members.formUnion(directUsers[next])
            for nested in directGroups[next] where visited.insert(nested).inserted { queue.append(nested) }
        }
        return members.sorted()
    }
}
