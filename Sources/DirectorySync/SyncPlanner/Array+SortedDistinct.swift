extension Array where Element: Comparable {
    /// Sorts the elements and keeps each value once (the planner's lists of numbers: a group's
    /// members, the users whose labels are made at once).
    mutating func sortAndRemoveDuplicates() {
        sort()
        var kept = 0
        for index in indices where index == 0 || self[index] != self[index - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
