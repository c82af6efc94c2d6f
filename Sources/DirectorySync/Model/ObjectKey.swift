/// A directory object id as a dictionary key: a lower-case GUID — the form Graph uses — packed
/// into 16 bytes, any other id kept as it is. Two keys are equal exactly when their ids are, but
/// hashing and comparing a packed GUID never touches string storage, which matters when a read or
/// a plan looks up a million member ids.
package enum ObjectKey: Hashable, Sendable {
    case guid(UInt64, UInt64)
    case other(String)

    /// The key of an id.
    package init(_ id: String) {
        if let (high, low) = id.utf8.withContiguousStorageIfAvailable(Self.packedGUID) ?? Self.packedGUID(copying: id) {
            self = .guid(high, low)
        } else {
            self = .other(id)
        }
    }

    /// The GUID of an id whose bytes are not contiguous (a string bridged from `NSString` on
    /// Apple platforms), read from a contiguous copy: one id has one key however it is held.
    private static func packedGUID(copying id: String) -> (UInt64, UInt64)? {
        guard id.utf8.count == 36 else { return nil }
        var copy = id
        copy.makeContiguousUTF8()
        return copy.utf8.withContiguousStorageIfAvailable(packedGUID) ?? nil
    }

    /// The key of the id with these UTF-8 bytes.
    init(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        if let (high, low) = Self.packedGUID(bytes) { self = .guid(high, low) } else { self = .other(String(decoding: bytes, as: UTF8.self)) }
    }

    /// `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` in lower-case hexadecimal, as two integers.
    private static func packedGUID(_ bytes: UnsafeBufferPointer<UInt8>) -> (UInt64, UInt64)? {
        guard bytes.count == 36, bytes[8] == UInt8(ascii: "-"), bytes[13] == UInt8(ascii: "-"), bytes[18] == UInt8(ascii: "-"),
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
        var high: UInt64 = 0
        var low: UInt64 = 0
        digits(0..<8, into: &high)
        digits(9..<13, into: &high)
        digits(14..<18, into: &high)
        digits(19..<23, into: &low)
        digits(24..<36, into: &low)
        return invalid & 0xF0 == 0 ? (high, low) : nil
    }

    /// Each byte's value as a lower-case hexadecimal digit, 0xF0 for a byte that is none.
    private static let hexDigits: [UInt8] = (0...255).map { byte -> UInt8 in
        switch byte {
        case 0x30...0x39: UInt8(byte - 0x30)
        case 0x61...0x66: UInt8(byte - 0x61 + 10)
        default: 0xF0
        }
    }
}

/// A user or group that a plan finds by the key of its id.
package protocol KeyedDirectoryObject: Identifiable, Sendable where ID == String {
    /// The key of ``id``, made without copying it.
    var objectKey: ObjectKey { get }
    /// A byte of the object's storage, read ahead so that it is in the cache when the key is made.
    var leadingByte: UInt8 { get }
}

extension DirectoryUser: KeyedDirectoryObject {
    /// The key of ``id``, read in place.
    package var objectKey: ObjectKey { fields.withBytes(.id) { ObjectKey(utf8: $0!) } }
    /// The first byte of the user's strings.
    package var leadingByte: UInt8 { fields.firstByte }
}

extension DirectoryGroup: KeyedDirectoryObject {
    /// The key of ``id``.
    package var objectKey: ObjectKey { ObjectKey(id) }
    /// The first byte of the id.
    package var leadingByte: UInt8 { id.utf8.first ?? 0 }
}
