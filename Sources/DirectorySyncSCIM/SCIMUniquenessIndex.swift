/// Who holds the values a SCIM server does not keep unique itself — users' emails and aliases,
/// groups' names, ignoring case — as the store's last full read found them, kept current by the
/// store's own writes since.
///
/// The store uses it to skip the lookup before a write whose values nobody held at that read:
/// the planner planned from the same read, so a clash can only come from another client writing
/// since, which a lookup just before the write would not close either (it races the write). A
/// value the index says someone else holds is still looked up on the server, so a clash is
/// confirmed — or found gone — there. It is trusted for
/// ``SCIMIdentityStore/Configuration/uniquenessWindow`` after the read; before any read, or
/// after the window, the store looks every value up as a fresh store must. Held as actor state.
struct SCIMUniquenessIndex {
    /// When the full read happened (the store clock's monotonic time); `nil` before any.
    private var readAt: Duration?
    /// Address key → the users holding it (several when the server already held a duplicate).
    private var addressHolders: [String: [String]] = [:]
    /// User id → its address keys, to take them back when it changes or goes.
    private var addressesOfUser: [String: [String]] = [:]
    /// Lower-cased group name → the groups holding it.
    private var nameHolders: [String: [String]] = [:]
    /// Group id → its lower-cased name.
    private var nameOfGroup: [String: String] = [:]

    /// Replaces everything with a full read made at `time`.
    mutating func replace(users: [(id: String, keys: [String])], groups: [(id: String, name: String)], at time: Duration) {
        self = SCIMUniquenessIndex()
        readAt = time
        for user in users { setUser(user.id, keys: user.keys) }
        for group in groups { setGroup(group.id, name: group.name) }
    }

    /// Whether the read is recent enough to check against: made, and at most `window` seconds before `now`.
    func isCurrent(at now: Duration, window: Double) -> Bool {
        guard let readAt, window > 0 else { return false }
        return now - readAt <= .seconds(window)
    }

    /// The users other than `id` that hold `key`.
    func holders(ofAddress key: String, except id: String?) -> [String] { (addressHolders[key] ?? []).filter { $0 != id } }

    /// The groups other than `id` that hold `name` (ignoring case).
    func holders(ofName name: String, except id: String?) -> [String] { (nameHolders[name.lowercased()] ?? []).filter { $0 != id } }

    /// Records that user `id` now holds exactly `keys`.
    mutating func setUser(_ id: String, keys: [String]) {
        removeUser(id)
        addressesOfUser[id] = keys
        for key in keys where !(addressHolders[key] ?? []).contains(id) { addressHolders[key, default: []].append(id) }
    }

    /// Records that user `id` is gone.
    mutating func removeUser(_ id: String) {
        for key in addressesOfUser.removeValue(forKey: id) ?? [] {
            addressHolders[key]?.removeAll { $0 == id }
            if addressHolders[key]?.isEmpty == true { addressHolders[key] = nil }
        }
    }

    /// Records that group `id` is now named `name`.
    mutating func setGroup(_ id: String, name: String) {
        removeGroup(id)
        let key = name.lowercased()
        nameOfGroup[id] = key
        nameHolders[key, default: []].append(id)
    }

    /// Records that group `id` is gone.
    mutating func removeGroup(_ id: String) {
        guard let key = nameOfGroup.removeValue(forKey: id) else { return }
        nameHolders[key]?.removeAll { $0 == id }
        if nameHolders[key]?.isEmpty == true { nameHolders[key] = nil }
    }
}
