#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The properties a ``PackedStrings`` keeps, in the order it keeps them.
protocol PackedSlot: RawRepresentable, Sendable where RawValue == Int {
    /// Whether the slot holds a list of strings (else one optional string).
    var isList: Bool { get }
    /// Every slot in order, numbered from 0 (without the array `allCases` makes). The first is a
    /// single value that tells values apart (an id, a name): the hash is made of it.
    static var all: [Self] { get }
}

/// A value's string properties, one after another in one allocation.
///
/// A tenant of a million users held as twenty `String` properties each made about ten
/// allocations and 300 bytes of inline storage per user, wherever the allocator put them; a
/// planner reading each user's mail, names and logins waited for memory at every one. Here
/// each property is a length and its UTF-8 bytes, in `Slot` order:
/// - a single value: a length `n + 1` (`0` for `nil`), then `n` bytes;
/// - a list: the number of entries, then each entry's length `n` and `n` bytes;
///
/// lengths as LEB128 (one byte under 128). Reading a property walks the lengths before it.
/// ``DirectoryUser``, ``UserProfile`` and a plan's `UserAddresses` keep their strings so.
struct PackedStrings<Slot: PackedSlot>: Hashable, Sendable {
    /// The encoding.
    private(set) var bytes: [UInt8]

    /// A slot's value while a value is made.
    enum Value {
        case string(String?)
        case list([String])
        /// A single value given as its UTF-8 bytes (valid UTF-8), `nil` for none.
        case bytes(UnsafeBufferPointer<UInt8>?)
        /// A list given as its entries' UTF-8 bytes (valid UTF-8).
        case byteList([UnsafeBufferPointer<UInt8>])

        var isList: Bool {
            switch self {
            case .list, .byteList: true
            case .string, .bytes: false
            }
        }
    }

    /// The encoding of these values, one per `Slot` in order.
    init(_ values: [Value]) {
        assert(values.count == Slot.all.count, "one value per slot")
        let size = values.reduce(0) { $0 + Self.size(of: $1) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(size)
        for (slot, value) in zip(Slot.all, values) {
            assert(value.isList == slot.isList, "a list for a list slot, a string for a single-value slot")
            Self.append(value, to: &bytes)
        }
        self.bytes = bytes
    }

    // MARK: Reading

    /// The slot's string, `nil` when it has none.
    func string(_ slot: Slot) -> String? {
        withBytes(slot) { $0.map { String(decoding: $0, as: UTF8.self) } }
    }

    /// The slot's list.
    func strings(_ slot: Slot) -> [String] {
        var result: [String] = []
        result.reserveCapacity(count(slot))
        forEachEntry(slot) { result.append(String(decoding: $0, as: UTF8.self)) }
        return result
    }

    /// The bytes of a single-value slot (`nil` for none), without a copy.
    func withBytes<R>(_ slot: Slot, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        assert(!slot.isList, "a single-value slot")
        return try bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer, at: slot)
            let header = cursor.length()
            return try body(header > 0 ? cursor.take(header - 1) : nil)
        }
    }

    /// Calls `body` with a reader of the slots in order, for several slots read in one pass.
    func read<R>(_ body: (inout Reader) throws -> R) rethrows -> R {
        try bytes.withUnsafeBufferPointer { buffer in
            var reader = Reader(cursor: Cursor(buffer))
            return try body(&reader)
        }
    }

    /// Reads slots in `Slot` order, moving past the slots between.
    struct Reader {
        fileprivate var cursor: Cursor
        private var next = 0

        fileprivate init(cursor: Cursor) { self.cursor = cursor }

        /// The bytes of `slot` (`nil` for none); `slot` must not come before one read already.
        mutating func bytes(_ slot: Slot) -> UnsafeBufferPointer<UInt8>? {
            precondition(!slot.isList, "a single-value slot")
            move(to: slot)
            let header = cursor.length()
            return header > 0 ? cursor.take(header - 1) : nil
        }

        /// Calls `body` with each entry's bytes of list `slot`, in order; `slot` must not come
        /// before one read already.
        mutating func forEachEntry(_ slot: Slot, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
            precondition(slot.isList, "a list slot")
            move(to: slot)
            for _ in 0..<cursor.length() { try body(cursor.take(cursor.length())) }
        }

        /// Moves past the slots before `slot`.
        private mutating func move(to slot: Slot) {
            precondition(slot.rawValue >= next, "slots are read in order")
            while next < slot.rawValue {
                cursor.skip(Slot(rawValue: next)!)
                next += 1
            }
            next += 1
        }
    }

    /// How many entries a list slot has.
    func count(_ slot: Slot) -> Int {
        assert(slot.isList, "a list slot")
        return bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer, at: slot)
            return cursor.length()
        }
    }

    /// Calls `body` with each entry's bytes of a list slot, in order.
    func forEachEntry(_ slot: Slot, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) rethrows {
        assert(slot.isList, "a list slot")
        try bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer, at: slot)
            for _ in 0..<cursor.length() { try body(cursor.take(cursor.length())) }
        }
    }

    /// The first byte, read so that the value's storage is in the cache when it is needed.
    var firstByte: UInt8 { bytes.first ?? 0 }

    // MARK: Changing

    /// Replaces one slot's value; the other slots' bytes are copied as they are.
    mutating func replace(_ slot: Slot, with value: Value) {
        let range = bytes.withUnsafeBufferPointer { buffer in
            var cursor = Cursor(buffer, at: slot)
            let start = cursor.offset
            cursor.skip(slot)
            return start..<cursor.offset
        }
        var replaced: [UInt8] = []
        replaced.reserveCapacity(bytes.count - range.count + Self.size(of: value))
        replaced.append(contentsOf: bytes[..<range.lowerBound])
        Self.append(value, to: &replaced)
        replaced.append(contentsOf: bytes[range.upperBound...])
        bytes = replaced
    }

    // MARK: Comparing

    /// Whether every slot holds an equal value as `String` compares them (canonical
    /// equivalence): bytes that differ are compared as strings unless both are ASCII.
    func isEquivalent(to other: PackedStrings) -> Bool {
        if bytes == other.bytes { return true }
        return bytes.withUnsafeBufferPointer { left in
            other.bytes.withUnsafeBufferPointer { right in
                var (a, b) = (Cursor(left), Cursor(right))
                for slot in Slot.all {
                    let (countA, countB) = (a.length(), b.length())
                    if slot.isList {
                        guard countA == countB else { return false }
                        for _ in 0..<countA {
                            let (lengthA, lengthB) = (a.length(), b.length())
                            guard Self.equivalent(a.take(lengthA), b.take(lengthB)) else { return false }
                        }
                    } else {
                        guard (countA == 0) == (countB == 0) else { return false }
                        guard countA == 0 || Self.equivalent(a.take(countA - 1), b.take(countB - 1)) else { return false }
                    }
                }
                return true
            }
        }
    }

    /// Whether two strings' bytes are equal as `String`s.
    static func equivalent(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        if same(a, b) { return true }
        if isASCII(a) && isASCII(b) { return false }
        return String(decoding: a, as: UTF8.self) == String(decoding: b, as: UTF8.self)
    }

    /// Whether two optional strings' bytes are equal as `String?`s.
    static func equivalent(_ a: UnsafeBufferPointer<UInt8>?, _ b: UnsafeBufferPointer<UInt8>?) -> Bool {
        guard let a, let b else { return a == nil && b == nil }
        return equivalent(a, b)
    }

    /// Whether the bytes hold `string`'s value as `String` compares them.
    static func equivalent(_ bytes: UnsafeBufferPointer<UInt8>?, _ string: String?) -> Bool {
        guard let bytes, let string else { return bytes == nil && string == nil }
        return string.utf8.withContiguousStorageIfAvailable { equivalent(bytes, $0) } ?? (String(decoding: bytes, as: UTF8.self) == string)
    }

    /// Whether the slot's value, or one of a list slot's entries, lower-cased as
    /// `lowercasedKey` does, is `key` (a lower-cased key's bytes, which `lowercasedKey` leaves as
    /// they are), read where it lies.
    func hasKey(_ key: UnsafeBufferPointer<UInt8>, in slot: Slot) -> Bool {
        let asciiKey = Self.isASCII(key)
        func isKey(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
            // The usual value: the key's own bytes (a lower-cased key lower-cases to itself).
            if Self.same(bytes, key) { return true }
            // ASCII lower-cases byte for byte. Other strings are compared as `String`s: some
            // lower-case to ASCII (the Kelvin sign), some are equivalent to it (the Greek question
            // mark to `;`).
            guard asciiKey && Self.isASCII(bytes) else {
                return Self.equivalent(key, String(decoding: bytes, as: UTF8.self).lowercasedKey)
            }
            return bytes.count == key.count
                && zip(bytes, key).allSatisfy { byte, keyByte in
                    (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) ? byte | 0x20 == keyByte : byte == keyByte
                }
        }
        guard slot.isList else { return withBytes(slot) { $0.map(isKey) ?? false } }
        var found = false
        forEachEntry(slot) { entry in found = found || isKey(entry) }
        return found
    }

    /// Whether a string is empty or white space only (what `trimmed` leaves empty), decided
    /// from its bytes when printable ASCII at both ends says it is not.
    static func isBlank(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = bytes.first, let last = bytes.last else { return true }
        if (0x21..<0x7F).contains(first) && (0x21..<0x7F).contains(last) { return false }
        return String(decoding: bytes, as: UTF8.self).trimmed.isEmpty
    }

    /// Whether two buffers hold the same bytes.
    @inline(__always)
    static func same(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        a.count == b.count && (a.isEmpty || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }

    static func isASCII(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool { bytes.asciiCases.ascii }

    static func == (a: PackedStrings, b: PackedStrings) -> Bool { a.isEquivalent(to: b) }

    /// Hashes what canonical equivalence leaves as it is: the first slot's value (a single
    /// value: the user's id, the profile's name), which values are absent, and the lists'
    /// lengths (equal values hash alike; the bytes of equal strings may differ).
    func hash(into hasher: inout Hasher) {
        hasher.combine(string(Slot.all[0]))
        for slot in Slot.all.dropFirst() {
            if slot.isList { hasher.combine(count(slot)) } else { hasher.combine(withBytes(slot) { $0 == nil }) }
        }
    }

    // MARK: Encoding

    private static func size(of value: Value) -> Int {
        switch value {
        case .string(nil): return 1
        case .string(let string?):
            let count = string.utf8.count
            return lengthSize(count + 1) + count
        case .list(let list):
            return list.reduce(lengthSize(list.count)) { size, entry in
                let count = entry.utf8.count
                return size + lengthSize(count) + count
            }
        case .bytes(nil): return 1
        case .bytes(let bytes?): return lengthSize(bytes.count + 1) + bytes.count
        case .byteList(let list): return list.reduce(lengthSize(list.count)) { $0 + lengthSize($1.count) + $1.count }
        }
    }

    private static func append(_ value: Value, to bytes: inout [UInt8]) {
        switch value {
        case .string(nil): bytes.append(0)
        case .string(let string?):
            appendLength(string.utf8.count + 1, to: &bytes)
            bytes.append(contentsOf: string.utf8)
        case .list(let list):
            appendLength(list.count, to: &bytes)
            for entry in list {
                appendLength(entry.utf8.count, to: &bytes)
                bytes.append(contentsOf: entry.utf8)
            }
        case .bytes(nil): bytes.append(0)
        case .bytes(let value?):
            appendLength(value.count + 1, to: &bytes)
            bytes.append(contentsOf: value)
        case .byteList(let list):
            appendLength(list.count, to: &bytes)
            for entry in list {
                appendLength(entry.count, to: &bytes)
                bytes.append(contentsOf: entry)
            }
        }
    }

    private static func lengthSize(_ length: Int) -> Int {
        var (size, rest) = (1, length >> 7)
        while rest > 0 { (size, rest) = (size + 1, rest >> 7) }
        return size
    }

    private static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
        var rest = length
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// A position in the encoding.
    fileprivate struct Cursor {
        let buffer: UnsafeBufferPointer<UInt8>
        var offset = 0

        /// A cursor at the start of `slot`.
        init(_ buffer: UnsafeBufferPointer<UInt8>, at slot: Slot? = nil) {
            self.buffer = buffer
            for earlier in 0..<(slot?.rawValue ?? 0) { skip(Slot(rawValue: earlier)!) }
        }

        /// Reads a length.
        mutating func length() -> Int {
            var (value, shift) = (0, 0)
            while true {
                let byte = buffer[offset]
                offset += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }

        /// The next `count` bytes, moving past them.
        mutating func take(_ count: Int) -> UnsafeBufferPointer<UInt8> {
            defer { offset += count }
            return UnsafeBufferPointer(rebasing: buffer[offset..<offset + count])
        }

        /// Moves past one slot.
        mutating func skip(_ slot: Slot) {
            let header = length()
            if !slot.isList {
                offset += max(header - 1, 0)
                return
            }
            for _ in 0..<header { offset += length() }
        }
    }
}
