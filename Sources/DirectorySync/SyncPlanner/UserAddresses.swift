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

    /// A copy of a plain user's addresses (``withPlainBytes(of:_:)``), as they lie in its bytes:
    /// each is its own key.
    init(plainPrimary primary: UnsafeBufferPointer<UInt8>?, aliases: [UnsafeBufferPointer<UInt8>]) {
        fields = PackedStrings([.bytes(primary), .bytes(nil), .byteList(aliases), .byteList([])])
    }

    /// Calls `body` with the addresses of a *plain* user — one whose `mail` and SMTP addresses are
    /// their own keys (``isOwnKey(_:)``) and whose proxy addresses start with ASCII — where they
    /// lie in its bytes: what ``DirectoryUser/emailAddresses(mail:proxyAddresses:)`` works out,
    /// without making a string (most users with aliases). `body` gets the primary email, whether
    /// that is the user's `mail` (else its first `SMTP:` address), and the aliases, each its own
    /// key; its result is returned. `nil` for any other user, whose strings decide, without
    /// calling `body`. The planner reads a plain user's addresses in place when its `mail` is the
    /// primary, and copies the others (``init(plainPrimary:aliases:)``).
    static func withPlainBytes<R>(
        of user: DirectoryUser.Fields,
        _ body: (_ primary: UnsafeBufferPointer<UInt8>?, _ primaryIsMail: Bool, _ aliases: [UnsafeBufferPointer<UInt8>]) -> R
    ) -> R? {
        // One pass over the user's bytes (`mail` comes before `proxyAddresses`), every buffer used within it.
        user.read { user -> R? in
            let mail = user.bytes(.mail).flatMap { $0.isEmpty ? nil : $0 }
            if let mail, !Self.isOwnKey(mail) { return nil }
            // The SMTP addresses in order; the first `SMTP:` one is the primary when `mail` is empty.
            var addresses: [UnsafeBufferPointer<UInt8>] = []
            var primary = mail
            var plain = true
            user.forEachEntry(.proxyAddresses) { entry in
                guard plain, entry.count > 5 else { return }
                // Entries whose first five bytes are five characters, as `DirectoryUser.smtpAddress`
                // reads them: ASCII, and a sixth that starts a character of its own.
                guard entry.prefix(5).allSatisfy({ $0 < 0x80 }), entry[5] < 0x80 || Self.startsCharacter(UnsafeBufferPointer(rebasing: entry[5...])) else {
                    return plain = false
                }
                // `smtp:` in any case, and an address.
                guard zip(entry, "smtp:".utf8).allSatisfy({ $1 == UInt8(ascii: ":") ? $0 == $1 : $0 | 0x20 == $1 }) else { return }
                let address = UnsafeBufferPointer(rebasing: entry[5...])
                guard Self.isOwnKey(address) else { return plain = false }
                if primary == nil, entry.starts(with: "SMTP:".utf8) { primary = address }
                addresses.append(address)
            }
            // Long lists are left to the strings, which find repeats with a set.
            guard plain, addresses.count <= 16 else { return nil }
            // The aliases: the other addresses, each once (each is its own key; keys are compared
            // as strings).
            typealias Bytes = PackedStrings<Slot>
            var aliases: [UnsafeBufferPointer<UInt8>] = []
            for address in addresses where !(primary.map { Bytes.equivalent($0, address) } ?? false) {
                if !aliases.contains(where: { Bytes.equivalent($0, address) }) { aliases.append(address) }
            }
            return body(primary, mail != nil, aliases)
        }
    }

    /// Whether an address (valid UTF-8) is its own key as it is: it starts with a character of its
    /// own that is no white space (``startsCharacter(_:)``) and ends with printable ASCII (`trimmed`
    /// leaves it as it is), and no scalar changes when lower-cased (`lowercasedKey` leaves it as it is).
    static func isOwnKey(_ address: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let last = address.last, (0x21..<0x7F).contains(last), startsCharacter(address) else { return false }
        let (upper, ascii) = address.asciiCases
        if upper { return false }
        if ascii { return true }
        var (bytes, decoder) = (address.makeIterator(), UTF8())
        while true {
            switch decoder.decode(&bytes) {
            case .scalarValue(let scalar): if !scalar.isASCII && scalar.properties.changesWhenLowercased { return false }
            case .emptyInput: return true
            case .error: return false
            }
        }
    }

    /// Whether the bytes (valid UTF-8) start with a scalar that no mark can join to what comes
    /// before it and that is no white space: printable ASCII, or a Latin letter from U+00C0 to
    /// U+024F (`å`, `ø`, `é`; `×` and `÷` among them), as names in addresses start.
    static func startsCharacter(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first else { return false }
        if first < 0x80 { return (0x21..<0x7F).contains(first) }
        var (iterator, decoder) = (bytes.makeIterator(), UTF8())
        guard case .scalarValue(let scalar) = decoder.decode(&iterator) else { return false }
        return (0xC0...0x24F).contains(scalar.value)
    }

    /// Calls `body` with the bytes of the primary email and its key, and of the aliases and their
    /// keys in the same order, read where they lie.
    func withBytes<R>(
        _ body: (_ primary: UnsafeBufferPointer<UInt8>?, _ primaryKey: UnsafeBufferPointer<UInt8>?, _ aliases: [UnsafeBufferPointer<UInt8>], _ aliasKeys: [UnsafeBufferPointer<UInt8>]) throws -> R
    ) rethrows -> R {
        try fields.read { reader in
            let primary = reader.bytes(.primary)
            let primaryKey = reader.bytes(.primaryKey) ?? primary
            var aliases: [UnsafeBufferPointer<UInt8>] = []
            reader.forEachEntry(.aliases) { aliases.append($0) }
            var keys: [UnsafeBufferPointer<UInt8>] = []
            reader.forEachEntry(.aliasKeys) { keys.append($0) }
            return try body(primary, primaryKey, aliases, keys.isEmpty ? aliases : keys)
        }
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
