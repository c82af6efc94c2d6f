import DirectorySync
import Foundation

/// A fast, append-only JSON writer over bytes, for emulator pages.
struct JSONBytes {
    var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]

    init(capacity: Int = 1_024) { bytes.reserveCapacity(capacity) }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
    }

    mutating func beginObject() {
        separator()
        bytes.append(UInt8(ascii: "{"))
        needsComma.append(false)
    }

    mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma.removeLast()
    }

    mutating func beginArray() {
        separator()
        bytes.append(UInt8(ascii: "["))
        needsComma.append(false)
    }

    mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma.removeLast()
    }

    /// A key; the next value written is its value.
    mutating func key(_ name: String) {
        separator()
        Self.appendString(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        needsComma[needsComma.count - 1] = false
    }

    mutating func string(_ value: String?) {
        separator()
        if let value { Self.appendString(value, to: &bytes) } else { bytes.append(contentsOf: Array("null".utf8)) }
    }

    mutating func bool(_ value: Bool?) {
        separator()
        bytes.append(contentsOf: Array((value.map { $0 ? "true" : "false" } ?? "null").utf8))
    }

    mutating func int(_ value: Int) {
        separator()
        bytes.append(contentsOf: Array(String(value).utf8))
    }

    mutating func strings(_ values: [String]) {
        beginArray()
        for value in values { string(value) }
        endArray()
    }

    /// A value written straight into the buffer by `body` (which must write exactly one JSON value).
    mutating func value(_ body: (inout [UInt8]) -> Void) {
        separator()
        body(&bytes)
    }

    /// Raw JSON, already encoded.
    mutating func raw(_ json: [UInt8]) {
        separator()
        bytes.append(contentsOf: json)
    }

    mutating func field(_ name: String, _ value: String?) {
        key(name)
        string(value)
    }

    var data: Data { Data(bytes) }

    static func appendString(_ value: String, to output: inout [UInt8]) { JSONString.append(value, to: &output) }
}

extension Data {
    /// base64url without padding.
    var base64URL: String {
        base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes base64url with or without padding.
    init?(base64URL text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while base64.count % 4 != 0 { base64 += "=" }
        self.init(base64Encoded: base64)
    }
}
