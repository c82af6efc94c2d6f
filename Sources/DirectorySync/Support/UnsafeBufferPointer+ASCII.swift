/// Bytes read a word at a time: the keys of addresses and logins.
extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes hold an ASCII upper-case letter (`A`–`Z`), and whether they are all ASCII,
    /// read eight bytes at a time: a plan reads a million users' addresses this way.
    var asciiCases: (upper: Bool, ascii: Bool) {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs = ones &* 0x80
        var (upper, nonASCII): (UInt64, UInt64) = (0, 0)
        // A byte's seven low bits plus 0x3F reach 0x80 from `A` on, plus 0x25 from `[` on, and
        // never carry into the next byte; bytes from 0x80 on are left out by their own high bit.
        func scan(_ word: UInt64) {
            let low = word & ~highs
            upper |= (low &+ ones &* 0x3F) & ~(low &+ ones &* 0x25) & ~word & highs
            nonASCII |= word & highs
        }
        let raw = UnsafeRawBufferPointer(self)
        var offset = 0
        while offset + 8 <= raw.count {
            scan(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            offset += 8
        }
        if offset < raw.count {
            // The last bytes, the rest of the word zero (neither upper-case nor beyond ASCII).
            var tail: UInt64 = 0
            withUnsafeMutableBytes(of: &tail) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset...])) }
            scan(tail)
        }
        return (upper != 0, nonASCII == 0)
    }
}
