/// A user's addresses as a plan keeps them (``PlanBuilder/userAddresses``): the primary email, the
/// aliases and their keys, in one allocation (``PackedStrings``) instead of four strings and two
/// arrays. A key is kept only where its bytes differ from its address's: most addresses are
/// lower-case already, and their keys are the addresses themselves.
struct UserAddresses: Sendable {
    /// What is kept, in order.
    enum Slot: Int, CaseIterable, PackedSlot {
        case primary, primaryKey, aliases, aliasKeys

        /// Whether the slot holds a list of strings (else one optional string).
        var isList: Bool { self == .aliases || self == .aliasKeys }

        /// Every slot in order (without the array `allCases` makes).
        static let all = allCases
    }

    private let fields: PackedStrings<Slot>

    /// The addresses worked out from a directory user.
    init(_ addresses: DirectoryUser.EmailAddresses) {
        func same(_ a: String?, _ b: String?) -> Bool {
            guard let a, let b else { return a == nil && b == nil }
            return a.utf8.elementsEqual(b.utf8)
        }
        let primaryKey = same(addresses.primary, addresses.primaryKey) ? nil : addresses.primaryKey
        let aliasKeys = zip(addresses.aliases, addresses.aliasKeys).allSatisfy { same($0, $1) } ? [] : addresses.aliasKeys
        fields = PackedStrings([.string(addresses.primary), .string(primaryKey), .list(addresses.aliases), .list(aliasKeys)])
    }

    /// The primary email.
    var primary: String? { fields.string(.primary) }
    /// The primary email lower-cased.
    var primaryKey: String? { fields.string(.primaryKey) ?? primary }
    /// The aliases.
    var aliases: [String] { fields.strings(.aliases) }
    /// The aliases lower-cased, in the same order.
    var aliasKeys: [String] { fields.count(.aliasKeys) > 0 ? fields.strings(.aliasKeys) : aliases }
    /// How many aliases there are.
    var aliasCount: Int { fields.count(.aliases) }
}
