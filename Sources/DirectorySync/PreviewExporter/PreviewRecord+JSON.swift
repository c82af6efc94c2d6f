import Foundation

extension PreviewRecord {
    /// What a run's report adds to a record, in its sorted place.
    struct ReportFields {
        var outcome: String
        var errorCode: String?
        var error: String?
    }

    /// Appends the record as compact JSON with sorted keys — the same bytes `JSONEncoder` with
    /// `.sortedKeys` and `.withoutEscapingSlashes` writes, several times faster, which matters
    /// for million-record exports.
    /// - Parameters:
    ///   - output: Where to append.
    ///   - extra: A run report's fields, written among the record's in sorted order.
    func appendJSON(to output: inout [UInt8], extra: ReportFields? = nil) {
        output.append(UInt8(ascii: "{"))
        var first = true
        func key(_ name: StaticString) {
            if !first { output.append(UInt8(ascii: ",")) }
            first = false
            output.append(UInt8(ascii: "\""))
            output.append(contentsOf: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
            output.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ name: StaticString, _ value: String?) {
            guard let value else { return }
            key(name)
            Self.appendString(value, to: &output)
        }
        string("action", action.rawValue)
        key("attributes")
        output.append(UInt8(ascii: "{"))
        for (index, entry) in attributes.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            Self.appendString(entry.key, to: &output)
            output.append(UInt8(ascii: ":"))
            Self.appendString(entry.value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
        key("changes")
        output.append(UInt8(ascii: "["))
        for (index, change) in changes.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            output.append(contentsOf: Array("{\"field\":".utf8))
            Self.appendString(change.field, to: &output)
            if let new = change.new {
                output.append(contentsOf: Array(",\"new\":".utf8))
                Self.appendString(new, to: &output)
            }
            if let old = change.old {
                output.append(contentsOf: Array(",\"old\":".utf8))
                Self.appendString(old, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
        output.append(UInt8(ascii: "]"))
        string("code", code)
        string("error", extra?.error)
        string("errorCode", extra?.errorCode)
        string("externalID", externalID)
        string("group", group)
        string("groupID", groupID?.rawValue)
        string("identityID", identityID?.rawValue)
        string("objectKind", objectKind.rawValue)
        string("outcome", extra?.outcome)
        string("reason", reason)
        string("removalPendingUntil", removalPendingUntil.map(Self.dateText))
        string("subject", subject)
        output.append(UInt8(ascii: "}"))
    }

    static func appendString(_ value: String, to output: inout [UInt8]) { JSONString.append(value, to: &output) }

    /// A date as exports write it (`JSONEncoder`'s `.iso8601`): `2026-03-08T08:00:00Z`.
    static func dateText(_ date: Date) -> String { date.formatted(Date.ISO8601FormatStyle()) }
}

/// JSON string literals written straight into bytes: quotes, backslashes and control characters
/// escaped exactly as `JSONEncoder` escapes them, everything else as UTF-8. Shared by the preview
/// exporters and the Graph emulator.
package enum JSONString {
    package static func append(_ value: String, to output: inout [UInt8]) {
        if value.utf8.withContiguousStorageIfAvailable({ append($0, to: &output) }) == nil {
            Array(value.utf8).withUnsafeBufferPointer { append($0, to: &output) }
        }
    }

    /// ``append(_:to:)-(String,_)`` of a string's UTF-8 bytes.
    package static func append(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        if !utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            output.append(contentsOf: utf8)
            output.append(UInt8(ascii: "\""))
            return
        }
        for byte in utf8 {
            switch byte {
            case 0x22: output.append(contentsOf: [0x5C, 0x22])
            case 0x5C: output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x08: output.append(contentsOf: [0x5C, UInt8(ascii: "b")])
            case 0x0C: output.append(contentsOf: [0x5C, UInt8(ascii: "f")])
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }
}
