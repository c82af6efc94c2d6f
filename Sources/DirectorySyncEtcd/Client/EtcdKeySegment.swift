/// One segment of a key the SDK builds (a source id, a document's or a lock's name, a replica's
/// name): letters, digits, `-` and `_` as they are, every other byte as `%XX`, so no segment holds
/// a `/` and keys of different segments never run into each other.
enum EtcdKeySegment {
    static func encode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            let isPlain = (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
            if isPlain {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                let hex = String(byte, radix: 16, uppercase: true)
                result += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return result.isEmpty ? "%" : result
    }

    /// A number as a fixed-width decimal, so keys sort in numeric order (`%012d`).
    static func padded(_ value: Int64, width: Int = 12) -> String {
        let digits = String(max(0, value))
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }
}
