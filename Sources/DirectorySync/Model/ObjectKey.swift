/// A directory object id as a dictionary key: a lower-case GUID — the form Graph uses — packed
/// into 16 bytes, any other id kept as it is. Two keys are equal exactly when their ids are, but
/// hashing and comparing a packed GUID never touches string storage, which matters when a read or
/// a plan looks up a million member ids.
package enum ObjectKey: Hashable, Sendable {
    case guid(UInt64, UInt64)
    case other(String)

    /// The key of an id.
    package init(_ id: String) {
        if let (high, low) = Self.packedGUID(id) { self = .guid(high, low) } else { self = .other(id) }
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hexadecimal, as two integers.
    private static func packedGUID(_ id: String) -> (UInt64, UInt64)? {
        id.utf8.withContiguousStorageIfAvailable { bytes -> (UInt64, UInt64)? in
            guard bytes.count == 36 else { return nil }
            var high: UInt64 = 0
            var low: UInt64 = 0
            var digits = 0
            for (offset, byte) in bytes.enumerated() {
                if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                    guard byte == UInt8(ascii: "-") else { return nil }
                    continue
                }
                let value: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): value = byte - UInt8(ascii: "a") + 10
                default: return nil
                }
                if digits < 16 { high = high << 4 | UInt64(value) } else { low = low << 4 | UInt64(value) }
                digits += 1
            }
            return (high, low)
        } ?? nil
    }
}
