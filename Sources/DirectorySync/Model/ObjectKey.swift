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
        guard id.utf8.count == 36 else { return nil }
        return id.utf8.withContiguousStorageIfAvailable { bytes -> (UInt64, UInt64)? in
            guard bytes[8] == 0x2D, bytes[13] == 0x2D, bytes[18] == 0x2D, bytes[23] == 0x2D else { return nil }
            // Sixteen digits each: bytes 0–7, 9–12, 14–17, and 19–22, 24–35.
            var high: UInt64 = 0
            var low: UInt64 = 0
            var valid: UInt8 = 0
            for index in 0..<18 where index != 8 && index != 13 {
                let (value, bad) = digit(bytes[index])
                high = high << 4 | value
                valid |= bad
            }
            for index in 19..<36 where index != 23 {
                let (value, bad) = digit(bytes[index])
                low = low << 4 | value
                valid |= bad
            }
            return valid == 0 ? (high, low) : nil
        } ?? nil
    }

    /// A lower-case hexadecimal digit's value, and 1 when the byte is none.
    @inline(__always)
    private static func digit(_ byte: UInt8) -> (UInt64, UInt8) {
        let number = byte &- UInt8(ascii: "0")
        let letter = byte &- UInt8(ascii: "a")
        if number < 10 { return (UInt64(number), 0) }
        return letter < 6 ? (UInt64(letter) + 10, 0) : (0, 1)
    }
}
