import Foundation

/// The framing of a file of records that can prove its own integrity: every record is written as
///
///     <length: 8 hex digits> <checksum: 8 hex digits> <payload>\n
///
/// where the checksum is the CRC-32 of the previous record's checksum (four bytes, big-endian; 0
/// before the first record) followed by the payload. A reader therefore detects damage instead of
/// parsing around it — a changed byte, and also a record dropped, repeated or moved. A record cut
/// short by a crash while it was appended (the file ends inside it and no record follows), or a
/// tail of zero bytes (what a power loss can leave after an append), is *torn*; anything else that
/// does not check out is *damage*. Payloads hold no newline byte (JSON as `JSONEncoder` writes it
/// without pretty printing), which is what tells a torn last record from a damaged one.
package enum RecordFile {
    /// The longest payload a record may declare; a larger length is damage.
    package static let maximumPayload = 256 * 1024 * 1024
    private static let headerLength = 18
    /// The bytes a record adds to its payload: the header and the closing newline.
    package static let overhead = headerLength + 1

    /// How a scan ended.
    package enum End: Equatable, Sendable {
        /// Every byte belongs to a whole record.
        case clean
        /// The last record was cut short at this byte offset (a crash while appending).
        case torn(offset: Int)
        /// The record starting at this offset (numbered from 0) is damaged.
        case damaged(offset: Int, record: Int, reason: String)
    }

    /// The records found, and how the scan ended.
    package struct Scan: Sendable {
        /// The payloads of the whole records before the end, in order.
        package var payloads: [Data]
        /// How the scan ended.
        package var end: End
        /// The byte offset where whole records end.
        package var validLength: Int
        /// The checksum of the last whole record (0 when there is none): the next record chains to it.
        package var lastChecksum: UInt32
    }

    /// The checksum of a record that follows one whose checksum is `previous`.
    package static func checksum(_ payload: some Collection<UInt8>, after previous: UInt32) -> UInt32 {
        var crc = CRC32()
        crc.update([UInt8(previous >> 24), UInt8(previous >> 16 & 0xFF), UInt8(previous >> 8 & 0xFF), UInt8(previous & 0xFF)])
        crc.update(payload)
        return crc.value
    }

    /// One record, framed to follow a record whose checksum is `previous`.
    /// - Returns: The record's bytes and its checksum (for the record after it).
    package static func frame(_ payload: Data, after previous: UInt32) -> (bytes: Data, checksum: UInt32) {
        let checksum = checksum(payload, after: previous)
        var record = Data(hex(UInt32(payload.count)).utf8)
        record.append(0x20)
        record.append(contentsOf: hex(checksum).utf8)
        record.append(0x20)
        record.append(payload)
        record.append(0x0A)
        return (record, checksum)
    }

    /// Records framed one after the other, from the start of a file.
    package static func frame(_ payloads: [Data]) -> Data {
        var data = Data()
        var previous: UInt32 = 0
        for payload in payloads {
            let record = frame(payload, after: previous)
            data.append(record.bytes)
            previous = record.checksum
        }
        return data
    }

    /// Reads every record of `data`.
    package static func scan(_ data: Data) -> Scan {
        let bytes = [UInt8](data)
        var payloads: [Data] = []
        var offset = 0
        var previous: UInt32 = 0
        let lastNewline = bytes.lastIndex(of: 0x0A) ?? -1
        let lastNonZero = bytes.lastIndex { $0 != 0 } ?? -1
        func ended(_ end: End) -> Scan { Scan(payloads: payloads, end: end, validLength: offset, lastChecksum: previous) }
        while offset < bytes.count {
            if lastNonZero < offset { return ended(.torn(offset: offset)) }
            // A torn record is a prefix of one: nothing after it, so no newline in what is left.
            let isLast = lastNewline < offset
            guard bytes.count - offset >= headerLength else {
                return ended(isLast && isHeaderPrefix(bytes[offset...]) ? .torn(offset: offset) : .damaged(offset: offset, record: payloads.count, reason: "a record header is cut short"))
            }
            guard let length = number(bytes[offset..<offset + 8]), bytes[offset + 8] == 0x20,
                let checksum = number(bytes[offset + 9..<offset + 17]), bytes[offset + 17] == 0x20, Int(length) <= maximumPayload
            else {
                return ended(.damaged(offset: offset, record: payloads.count, reason: "the record header is not '<length> <checksum> '"))
            }
            let start = offset + headerLength
            let end = start + Int(length)
            guard end < bytes.count else {
                return ended(isLast ? .torn(offset: offset) : .damaged(offset: offset, record: payloads.count, reason: "the record is longer than what follows it"))
            }
            guard bytes[end] == 0x0A else {
                return ended(.damaged(offset: offset, record: payloads.count, reason: "the record does not end where its length says"))
            }
            guard Self.checksum(bytes[start..<end], after: previous) == checksum else {
                return ended(.damaged(offset: offset, record: payloads.count, reason: "the record's checksum does not match its contents or its place"))
            }
            payloads.append(Data(bytes[start..<end]))
            previous = checksum
            offset = end + 1
        }
        return ended(.clean)
    }

    private static func hex(_ value: UInt32) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }

    private static func number(_ digits: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        for digit in digits {
            guard let nibble = nibble(digit) else { return nil }
            value = value << 4 | nibble
        }
        return value
    }

    private static func nibble(_ digit: UInt8) -> UInt32? {
        switch digit {
        case 0x30...0x39: UInt32(digit - 0x30)
        case 0x61...0x66: UInt32(digit - 0x61 + 10)
        default: nil
        }
    }

    private static func isHeaderPrefix(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.enumerated().allSatisfy { index, byte in index == 8 || index == 17 ? byte == 0x20 : nibble(byte) != nil }
    }
}
