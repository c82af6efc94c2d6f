extension DirectoryExcerpt {
    /// Adds another lookup's objects: users once, groups once with their member lists joined.
    mutating func merge(_ other: DirectoryExcerpt) {
        var known = Set(users.map { $0.objectKey })
        for user in other.users where known.insert(user.objectKey).inserted { users.append(user) }
        var position: [ObjectKey: Int] = [:]
        for (index, group) in groups.enumerated() { position[ObjectKey(group.id)] = index }
        for group in other.groups {
            guard let index = position[ObjectKey(group.id)] else {
                position[ObjectKey(group.id)] = groups.count
                groups.append(group)
                continue
            }
            groups[index].memberUserIDs.join(group.memberUserIDs)
            groups[index].memberGroupIDs.join(group.memberGroupIDs)
        }
        statistics.requests += other.statistics.requests
        statistics.pages += other.statistics.pages
        statistics.resourceUnits += other.statistics.resourceUnits
        statistics.ignoredMembers += other.statistics.ignoredMembers
        isComplete = isComplete && other.isComplete
    }
}
