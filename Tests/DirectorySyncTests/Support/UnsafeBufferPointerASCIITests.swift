@testable import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Bytes read eight at a time")
struct UnsafeBufferPointerASCIITests {
    @Test("upper-case and non-ASCII bytes found eight at a time as byte by byte, at every place and length (seeded)")
    func asciiCases() {
        var random = SeededRandomNumberGenerator(seed: 41_957)
        // The edges of `A`–`Z` and of ASCII, bytes whose low seven bits are upper-case letters, and any byte.
        let edges: [UInt8] = [0x00, 0x40, 0x41, 0x4D, 0x5A, 0x5B, 0x60, 0x61, 0x7A, 0x7F, 0x80, 0xC1, 0xDA, 0xDB, 0xFF]
        var (upper, nonASCII) = (0, 0)
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...40, using: &random)
            let bytes = (0..<count).map { _ in random.chance(0.9) ? UInt8.random(in: 0x61...0x7A, using: &random) : random.chance(0.5) ? edges.randomElement(using: &random)! : UInt8.random(in: 0...255, using: &random) }
            let expected = (upper: bytes.contains { (0x41...0x5A).contains($0) }, ascii: bytes.allSatisfy { $0 < 0x80 })
            // At any place in memory, between bytes that would change the answer if they were read.
            let offset = Int.random(in: 0..<8, using: &random)
            let padded = Array(repeating: 0xC1, count: offset) + bytes + Array(repeating: 0x41, count: 8)
            let found = padded.withUnsafeBufferPointer { UnsafeBufferPointer(rebasing: $0[offset..<offset + count]).asciiCases }
            #expect(found == expected, "\(bytes) at \(offset)")
            upper += expected.upper ? 1 : 0
            nonASCII += expected.ascii ? 0 : 1
        }
        // Both were met often, and often not.
        #expect((3_000..<17_000).contains(upper) && (3_000..<17_000).contains(nonASCII), "\(upper) with upper-case, \(nonASCII) beyond ASCII")
    }
}
