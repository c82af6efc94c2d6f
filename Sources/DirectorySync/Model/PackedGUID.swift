/// A lower-case GUID, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, as the two numbers its 32 digits
/// spell: the first 16 digits and the last 16.
///
/// Two packed GUIDs order as their strings do: lower-case hexadecimal digits of one length sort as
/// the numbers they spell.
package struct PackedGUID: Hashable, Comparable, Sendable {
    /// The first 16 digits.
    var high: UInt64
    /// The last 16 digits.
    var low: UInt64

    init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The GUID that `id` spells, or `nil` for an id that is not a lower-case GUID.
    package init?(_ id: String) {
        guard let guid = id.utf8.withContiguousStorageIfAvailable(PackedGUID.init(utf8:)) ?? Self.packedGUID(copying: id) else { return nil }
        self = guid
    }

    /// The GUID of an id whose bytes are not contiguous (a string bridged from `NSString` on
    /// Apple platforms), read from a contiguous copy: one id has one GUID however it is held.
    private static func packedGUID(copying id: String) -> PackedGUID? {
        guard id.utf8.count == length else { return nil }
        var copy = id
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable(PackedGUID.init(utf8:)) ?? nil
    }

    /// The GUID that these UTF-8 bytes spell, or `nil` for bytes that are not a lower-case GUID.
    init?(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        guard bytes.count == Self.length, bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"), bytes[18] == UInt8(ascii: "-"),
            bytes[23] == UInt8(ascii: "-")
        else { return nil }
        // Sixteen digits each: 8 + 4 + 4, then 4 + 12. A digit's value has its high bits clear;
        // anything else has them set, so one test at the end says whether all were digits.
        var invalid: UInt8 = 0
        func digits(_ range: Range<Int>, into value: inout UInt64) {
            for offset in range {
                let digit = Self.hexDigits[Int(bytes[offset])]
                invalid |= digit
                value = value << 4 | UInt64(digit & 0x0F)
            }
        }
        var (high, low): (UInt64, UInt64) = (0, 0)
        digits(0..<8, into: &high)
        digits(9..<13, into: &high)
        digits(14..<18, into: &high)
        digits(19..<23, into: &low)
        digits(24..<36, into: &low)
        guard invalid & 0xF0 == 0 else { return nil }
        (self.high, self.low) = (high, low)
    }

    /// Each byte's value as a lower-case hexadecimal digit, 0xF0 for a byte that is none.
    private static let hexDigits: [UInt8] = (0...255).map { byte -> UInt8 in
        switch byte {
        case 0x30...0x39: UInt8(byte - 0x30)
        case 0x61...0x66: UInt8(byte - 0x61 + 10)
        default: 0xF0
        }
    }

    package static func < (a: PackedGUID, b: PackedGUID) -> Bool { (a.high, a.low) < (b.high, b.low) }

    /// The GUID's string.
    var id: String { String(unsafeUninitializedCapacity: Self.length) { write(to: $0) } }

    /// The number of bytes of a GUID's string.
    static let length = 36

    /// Writes the GUID's string's 36 bytes at the start of `buffer` and returns 36.
    @discardableResult
    func write(to buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let digits: StaticString = "0123456789abcdef"
        var position = 0
        func put(_ value: UInt64, digits count: Int, from shift: Int) {
            for index in 0..<count {
                buffer[position] = digits.utf8Start[Int(truncatingIfNeeded: (value >> UInt64(shift - 4 * index)) & 0xF)]
                position += 1
            }
        }
        func dash() {
            buffer[position] = UInt8(ascii: "-")
            position += 1
        }
        put(high, digits: 8, from: 60)
        dash()
        put(high, digits: 4, from: 28)
        dash()
        put(high, digits: 4, from: 12)
        dash()
        put(low, digits: 4, from: 60)
        dash()
        put(low, digits: 12, from: 44)
        return Self.length
    }
}
