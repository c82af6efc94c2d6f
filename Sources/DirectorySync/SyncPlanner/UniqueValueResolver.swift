/// Decides which unique values (a user's email and aliases, a group's name) each planned identity
/// may take, given who holds each value in the store now.
///
/// A value held by another identity is *released* when that identity is itself planned (and will
/// no longer want the value) or is removed in this run; such a value is taken in a later phase.
/// Otherwise the holder *keeps* it: a primary value (email, group name) then makes the claimant a
/// conflict, and a secondary value (alias) is dropped. A claimant that becomes a conflict keeps its
/// own current values in turn, which can block others; the resolver follows that chain to the end.
///
/// Values are interned keys and identities are store slots, so resolving a million claimants
/// touches no string; and only values another identity holds are listed.
struct UniqueValueResolver {
    struct Value {
        /// The interned key of the lower-cased value.
        var key: Int32
        /// The slot of the identity holding the value now (never the claimant's own target).
        var holder: Int32
        var isPrimary: Bool
    }

    /// The claimants by number: the identity each becomes (a slot, or -1 when it is created) and
    /// whether it claims at all (an object already left untouched does not, and has no outcome).
    var targets: [Int32]
    var active: [Bool]
    /// The values a claimant claims that another identity holds now, in the claimant's order.
    /// Values nobody else holds decide nothing, so they are not listed: most claimants list none.
    var values: [Int: [Value]] = [:]

    /// `count` claimants, none active yet: the planner sets each one's target and activity.
    init(count: Int) {
        targets = Array(repeating: -1, count: count)
        active = Array(repeating: false, count: count)
    }

    /// Adds a claimant's values held by others (``values``).
    mutating func claim(_ claimant: Int, _ held: [Value]) {
        if !held.isEmpty { values[claimant] = held }
    }

    /// What the resolver decided; claimants not named in it proceed with nothing dropped or deferred.
    struct Resolution {
        /// Claimants blocked by a primary value an identity keeps: the value's key and its holder.
        var blocked: [Int: (key: Int32, holder: Int32)] = [:]
        /// Secondary values held by identities that keep them, per claimant, in the claimant's order.
        var dropped: [Int: [(key: Int32, holder: Int32)]] = [:]
        /// Keys a claimant takes only after their holder released them.
        var deferred: [Int: [Int32]] = [:]
        /// Claimants whose current values others take.
        var releasers: Set<Int> = []

        func isDeferred(_ claimant: Int) -> Bool { deferred[claimant] != nil }
    }

    /// - Parameters:
    ///   - slots: The number of store slots (targets and holders are below it).
    ///   - released: Whether an identity is removed in this run.
    /// - Returns: The resolution.
    func resolve(slots: Int, released: (Int32) -> Bool) -> Resolution {
        var active = self.active
        var owner = [Int32](repeating: -1, count: slots)
        for index in targets.indices where self.active[index] && targets[index] >= 0 { owner[Int(targets[index])] = Int32(index) }
        let claimants = values.keys.filter { self.active[$0] }.sorted()
        var wanters: [Int32: [Int]] = [:]
        for index in claimants {
            for value in values[index]! where value.isPrimary { wanters[value.holder, default: []].append(index) }
        }
        func releases(_ holder: Int32) -> Bool {
            let index = owner[Int(holder)]
            if index >= 0, active[Int(index)] { return true }
            return released(holder)
        }

        // A claimant whose primary value is kept by its holder is blocked; it then keeps its own
        // values, which may block those that wanted them in turn.
        var resolution = Resolution()
        var queue = Array(claimants.reversed())
        while let index = queue.popLast() {
            guard active[index], let held = values[index] else { continue }
            for value in held where value.isPrimary {
                guard !releases(value.holder) else { continue }
                active[index] = false
                resolution.blocked[index] = (value.key, value.holder)
                if targets[index] >= 0 { queue.append(contentsOf: wanters[targets[index]] ?? []) }
                break
            }
        }

        for index in claimants where resolution.blocked[index] == nil {
            for value in values[index]! {
                if releases(value.holder) {
                    resolution.deferred[index, default: []].append(value.key)
                    let other = owner[Int(value.holder)]
                    if other >= 0 { resolution.releasers.insert(Int(other)) }
                } else {
                    resolution.dropped[index, default: []].append((value.key, value.holder))
                }
            }
        }
        return resolution
    }
}
