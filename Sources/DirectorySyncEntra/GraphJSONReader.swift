import Foundation

/// Why a Graph page could not be read: where, and what was expected there.
struct GraphJSONError: Error, CustomStringConvertible {
    /// Byte offset in the page.
    var offset: Int
    var expected: String
    var description: String { "at byte \(offset): expected \(expected)" }
}

/// A strict (RFC 8259) pull reader over one JSON document, for the Graph page shapes the provider
/// reads: the models read the fields they know and skip (still validating) the rest.
///
/// It exists because `JSONDecoder` costs several times the transfer of a page (profile in
/// `Documentation/Performance.md`); results equal `JSONDecoder`'s on every valid document
/// (differential tests), including its rules: the first of duplicate keys wins, `null` is absent,
/// a value of the wrong type is an error. It accepts no more than `JSONDecoder` does, and less: no
/// comments, trailing commas, bad numbers or invalid UTF-8 anywhere; nesting at most 512 deep; a
/// leading byte order mark is allowed.
struct GraphJSONReader {
    /// An object key as it appears in the document.
    struct Key {
        fileprivate let bytes: UnsafeRawBufferPointer
        fileprivate let decoded: [UInt8]?

        /// Whether the key is exactly `name` (ASCII).
        func `is`(_ name: StaticString) -> Bool {
            let length = name.utf8CodeUnitCount
            if let decoded {
                return decoded.count == length && decoded.withUnsafeBytes { memcmp($0.baseAddress!, name.utf8Start, length) == 0 }
            }
            return bytes.count == length && (length == 0 || memcmp(bytes.baseAddress!, name.utf8Start, length) == 0)
        }
    }

    /// The keys an object shape knows, found by position: Graph writes every object of a page with
    /// its keys in the same order, so the key after the one found last is tried first — one
    /// comparison per key instead of one per known name.
    struct KeyTable: Sendable {
        private let names: [StaticString]

        /// The known keys (ASCII); a key's position here is what ``position(of:after:)`` returns.
        init(_ names: [StaticString]) { self.names = names }

        /// The position of `key` among the known names, or `nil` for another key.
        /// - Parameter previous: The position found for the object's previous key (-1 before the
        ///   first); updated when `key` is known.
        func position(of key: Key, after previous: inout Int) -> Int? {
            let expected = previous + 1
            if expected < names.count, key.is(names[expected]) {
                previous = expected
                return expected
            }
            for (position, name) in names.enumerated() where position != expected && key.is(name) {
                previous = position
                return position
            }
            return nil
        }
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0
    private var depth = 0
    static let maximumDepth = 512

    /// Reads `data` as one JSON value with `body`, then requires the end of the document.
    static func read<T>(_ data: Data, _ body: (inout GraphJSONReader) throws -> T) throws -> T {
        try data.withUnsafeBytes { buffer in
            var reader = GraphJSONReader(bytes: buffer)
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
            let value = try body(&reader)
            reader.skipWhitespace()
            guard reader.index == buffer.count else { throw reader.error("the end of the document") }
            return value
        }
    }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// A page's `@odata.nextLink` — its first occurrence, as reading the whole page finds it —
    /// without reading the page: Graph writes the link before `value`, so only the members before
    /// it are looked at (a page that has its link after `value` is skipped through once). `nil`
    /// when the page has no next link, or is not a JSON object (reading it says why).
    static func nextLink(in data: Data) -> String? {
        data.withUnsafeBytes { buffer in
            var reader = GraphJSONReader(bytes: buffer)
            if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { reader.index = 3 }
            return try? reader.firstMember("@odata.nextLink")
        }
    }

    /// The string value of the first member named `name` of the object at the reader (`nil` for
    /// `null` or no such member), reading no further than that member.
    private mutating func firstMember(_ name: StaticString) throws -> String? {
        try consume(UInt8(ascii: "{"), "an object")
        try enter()
        if next() == UInt8(ascii: "}") { return nil }
        while true {
            guard next() == UInt8(ascii: "\"") else { throw error("a key") }
            let key = try readKey()
            try consume(UInt8(ascii: ":"), "':' after a key")
            if key.is(name) { return try readOptionalString() }
            try skipValue()
            switch next() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"): return nil
            default: throw error("',' or '}' in an object")
            }
        }
    }

    func error(_ expected: String) -> GraphJSONError { GraphJSONError(offset: index, expected: expected) }

    /// The byte at the reader, or 0 at the end (no token starts with 0).
    private func peek() -> UInt8 { index < bytes.count ? bytes[index] : 0 }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    /// The next byte after whitespace (0 at the end), not consumed.
    private mutating func next() -> UInt8 {
        skipWhitespace()
        return peek()
    }

    private mutating func consume(_ byte: UInt8, _ expected: String) throws {
        guard next() == byte else { throw error(expected) }
        index += 1
    }

    // MARK: Values

    /// Reads `null` if it is next.
    mutating func readNull() -> Bool {
        guard next() == UInt8(ascii: "n"), literal("null") else { return false }
        return true
    }

    private mutating func literal(_ word: StaticString) -> Bool {
        let length = word.utf8CodeUnitCount
        guard bytes.count - index >= length, memcmp(bytes.baseAddress! + index, word.utf8Start, length) == 0 else { return false }
        index += length
        return true
    }

    /// A string, or `nil` for `null`.
    mutating func readOptionalString() throws -> String? {
        if readNull() { return nil }
        return try readString()
    }

    /// A string, or `nil` for `null`; when it equals one of `constants`, that constant (so values
    /// repeated a million times, such as `@odata.type`, share one string instead of allocating).
    mutating func readOptionalString(sharing constants: [String]) throws -> String? {
        if readNull() { return nil }
        guard next() == UInt8(ascii: "\"") else { throw error("a string") }
        let start = index
        let scanned = try scanString()
        if scanned.decoded == nil, scanned.ascii {
            let raw = UnsafeRawBufferPointer(rebasing: bytes[scanned.range])
            let equal = { (constant: String) -> Bool in
                constant.utf8.withContiguousStorageIfAvailable { $0.count == raw.count && memcmp($0.baseAddress!, raw.baseAddress!, raw.count) == 0 }
                    ?? constant.utf8.elementsEqual(raw)
            }
            if raw.count > 0, let constant = constants.first(where: equal) { return constant }
        }
        index = start
        return try readString()
    }

    /// A boolean, or `nil` for `null`.
    mutating func readOptionalBool() throws -> Bool? {
        switch next() {
        case UInt8(ascii: "t") where literal("true"): return true
        case UInt8(ascii: "f") where literal("false"): return false
        case UInt8(ascii: "n") where literal("null"): return nil
        default: throw error("true, false or null")
        }
    }

    /// An array of strings, or `nil` for `null`.
    mutating func readOptionalStrings() throws -> [String]? {
        if readNull() { return nil }
        var strings: [String] = []
        try readArray { reader in strings.append(try reader.readString()) }
        return strings
    }

    /// Calls `element` for each element of an array (the reader is at the element).
    mutating func readArray(_ element: (inout GraphJSONReader) throws -> Void) throws {
        try readContainer(UInt8(ascii: "["), UInt8(ascii: "]"), "an array", element)
    }

    /// Calls `member` for each key of an object, with the reader at its value; `member` must read
    /// or skip the value.
    mutating func readObject(_ member: (inout GraphJSONReader, Key) throws -> Void) throws {
        try readContainer(UInt8(ascii: "{"), UInt8(ascii: "}"), "an object") { reader in
            guard reader.next() == UInt8(ascii: "\"") else { throw reader.error("a key") }
            let key = try reader.readKey()
            try reader.consume(UInt8(ascii: ":"), "':' after a key")
            try member(&reader, key)
        }
    }

    /// Reads `open`, then items separated by commas up to `close`.
    private mutating func readContainer(_ open: UInt8, _ close: UInt8, _ what: String, _ item: (inout GraphJSONReader) throws -> Void) throws {
        try consume(open, what)
        try enter()
        defer { depth -= 1 }
        if next() == close {
            index += 1
            return
        }
        while true {
            try item(&self)
            switch next() {
            case UInt8(ascii: ","): index += 1
            case close:
                index += 1
                return
            default: throw error("',' or '\(Character(Unicode.Scalar(close)))' in \(what)")
            }
        }
    }

    private mutating func enter() throws {
        depth += 1
        guard depth <= Self.maximumDepth else { throw error("at most \(Self.maximumDepth) levels of nesting") }
    }

    /// Skips any value, checking that it is well formed.
    mutating func skipValue() throws {
        switch next() {
        case UInt8(ascii: "\""): try validate(try scanString())
        case UInt8(ascii: "{"): try readObject { reader, _ in try reader.skipValue() }
        case UInt8(ascii: "["): try readArray { reader in try reader.skipValue() }
        case UInt8(ascii: "t") where literal("true"): return
        case UInt8(ascii: "f") where literal("false"): return
        case UInt8(ascii: "n") where literal("null"): return
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try skipNumber()
        default: throw error("a value")
        }
    }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`
    private mutating func skipNumber() throws {
        if peek() == UInt8(ascii: "-") { index += 1 }
        switch peek() {
        case UInt8(ascii: "0"): index += 1
        case UInt8(ascii: "1")...UInt8(ascii: "9"): skipDigits()
        default: throw error("a digit")
        }
        if peek() == UInt8(ascii: ".") {
            index += 1
            guard try digitsFollow() else { throw error("a digit after '.'") }
        }
        if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
            index += 1
            if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
            guard try digitsFollow() else { throw error("a digit in the exponent") }
        }
    }

    private mutating func digitsFollow() throws -> Bool {
        let start = index
        skipDigits()
        return index > start
    }

    private mutating func skipDigits() {
        while case UInt8(ascii: "0")...UInt8(ascii: "9") = peek() { index += 1 }
    }

    // MARK: Strings

    /// A string value.
    mutating func readString() throws -> String {
        guard next() == UInt8(ascii: "\"") else { throw error("a string") }
        let scanned = try scanString()
        if let decoded = scanned.decoded { return try makeString(decoded) }
        let raw = UnsafeRawBufferPointer(rebasing: bytes[scanned.range])
        return scanned.ascii ? String(decoding: raw, as: UTF8.self) : try makeString(raw)
    }

    private mutating func readKey() throws -> Key {
        let scanned = try scanString()
        try validate(scanned)
        return Key(bytes: UnsafeRawBufferPointer(rebasing: bytes[scanned.range]), decoded: scanned.decoded)
    }

    /// Requires a scanned string (a key, or a value skipped) to be valid UTF-8.
    private func validate(_ scanned: (range: Range<Int>, decoded: [UInt8]?, ascii: Bool)) throws {
        guard !scanned.ascii else { return }
        let valid = scanned.decoded.map { String(validating: $0, as: UTF8.self) != nil }
            ?? (String(validating: UnsafeRawBufferPointer(rebasing: bytes[scanned.range]), as: UTF8.self) != nil)
        guard valid else { throw GraphJSONError(offset: scanned.range.lowerBound, expected: "valid UTF-8 in a string") }
    }

    private func makeString(_ utf8: some Collection<UInt8>) throws -> String {
        guard let string = String(validating: utf8, as: UTF8.self) else { throw error("valid UTF-8 in a string") }
        return string
    }

    /// Scans a string from its opening quote: its raw bytes when it has no escapes, else the
    /// unescaped bytes; whether every byte is ASCII.
    private mutating func scanString() throws -> (range: Range<Int>, decoded: [UInt8]?, ascii: Bool) {
        index += 1
        let start = index
        var high: UInt8 = 0
        // Eight bytes at a time while none of them ends the string, starts an escape or is a
        // control character (the bytewise loop below finds which one does).
        var highBits: UInt64 = 0
        while bytes.count - index >= 8 {
            let word = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self))
            guard !Self.hasQuoteBackslashOrControl(word) else { break }
            highBits |= word
            index += 8
        }
        if highBits & 0x8080_8080_8080_8080 != 0 { high = 0x80 }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return (start..<index - 1, nil, high < 0x80)
            }
            if byte == UInt8(ascii: "\\") { break }
            guard byte >= 0x20 else { throw error("no control characters in a string (escape them)") }
            high |= byte
            index += 1
        }
        guard index < bytes.count else { throw error("the end of a string") }
        var decoded = Array(bytes[start..<index])
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return (start..<index - 1, decoded, false)
            case UInt8(ascii: "\\"):
                try unescape(into: &decoded)
            case ..<0x20:
                throw error("no control characters in a string (escape them)")
            default:
                decoded.append(byte)
                index += 1
            }
        }
        throw error("the end of a string")
    }

    /// Whether any byte of `word` is `"`, `\\` or below 0x20 (exact: no false answers either way).
    @inline(__always)
    private static func hasQuoteBackslashOrControl(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        // A byte is zero exactly when its low seven bits plus 0x7F do not carry into its high bit
        // and its own high bit is clear — computed per byte, so no borrow crosses bytes.
        func zeroBytes(_ x: UInt64) -> UInt64 { ~(((x & ~highs) &+ ~highs) | x) & highs }
        let quote = zeroBytes(word ^ (ones &* 0x22))
        let backslash = zeroBytes(word ^ (ones &* 0x5C))
        // Below 0x20: the top three bits are clear.
        let control = zeroBytes(word & (ones &* 0xE0))
        return quote | backslash | control != 0
    }

    private mutating func unescape(into decoded: inout [UInt8]) throws {
        index += 1
        guard index < bytes.count else { throw error("an escape") }
        let byte = bytes[index]
        index += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): decoded.append(byte)
        case UInt8(ascii: "b"): decoded.append(0x08)
        case UInt8(ascii: "f"): decoded.append(0x0C)
        case UInt8(ascii: "n"): decoded.append(0x0A)
        case UInt8(ascii: "r"): decoded.append(0x0D)
        case UInt8(ascii: "t"): decoded.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800..<0xDC00).contains(scalar) {
                guard literal("\\u") else { throw error("the low half of a surrogate pair") }
                let low = try hex4()
                guard (0xDC00..<0xE000).contains(low) else { throw error("the low half of a surrogate pair") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw error("a Unicode scalar, not a lone surrogate") }
            decoded.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw error("a valid escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX)")
        }
    }

    private mutating func hex4() throws -> UInt32 {
        guard bytes.count - index >= 4 else { throw error("four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("four hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }
}
