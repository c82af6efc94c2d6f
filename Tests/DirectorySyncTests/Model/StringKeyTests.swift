@testable import DirectorySync
import DirectorySyncTesting
import Testing

/// The fast paths of the string helpers the planner uses on every address must give exactly what
/// the plain definitions give.
@Suite("String keys: fast paths equal their definitions")
struct StringKeyTests {
    static let pieces = [
        "a", "Z", "m", "S", "M", "T", "P", "s", "t", "p", ":", "smtp:", "SMTP:", "SmTp:", "@", ".", "0", " ", "\t", "\n", "\r\n", "\u{A0}",
        "\u{2003}", "é", "E\u{301}", "İ", "\u{212A}", "ſ", "ß", "Σ", "中", "😀", "\u{1A}", "\u{7F}", "\u{301}", "\u{600}",
    ]

    /// The definitions the fast paths replace.
    static func referenceTrimmed(_ string: String) -> String {
        var slice = Substring(string)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }

    static func referenceSMTP(_ entry: String) -> (address: String, isPrimary: Bool)? {
        guard entry.count > 5, entry.prefix(5).lowercased() == "smtp:" else { return nil }
        let address = referenceTrimmed(String(entry.dropFirst(5)))
        return address.isEmpty ? nil : (address, entry.hasPrefix("SMTP:"))
    }

    @Test("lowercasedKey, trimmed and the SMTP parser agree with their definitions on random strings", arguments: [1, 2, 3] as [UInt64])
    func agree(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        for _ in 0..<20_000 {
            let string = (0..<Int.random(in: 0...9, using: &random)).map { _ in Self.pieces.randomElement(using: &random)! }.joined()
            #expect(Array(string.lowercasedKey.utf8) == Array(string.lowercased().utf8), "\(string.debugDescription)")
            #expect(Array(string.trimmed.utf8) == Array(Self.referenceTrimmed(string).utf8), "\(string.debugDescription)")
            let fast = DirectoryUser.smtpAddress(string)
            let reference = Self.referenceSMTP(string)
            #expect(fast?.address == reference?.address && fast?.isPrimary == reference?.isPrimary, "\(string.debugDescription)")
        }
    }
}
