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

    @Test("object keys are equal exactly when their ids are: lower-case GUIDs packed, anything else as it is", arguments: [1, 2] as [UInt64])
    func objectKeys(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        func guid() -> String {
            let hex = Array("0123456789abcdef")
            var text = String((0..<32).map { _ in hex[Int.random(in: 0..<16, using: &random)] })
            for offset in [8, 13, 18, 23] { text.insert("-", at: text.index(text.startIndex, offsetBy: offset)) }
            return text
        }
        var ids: [String] = []
        for _ in 0..<2_000 {
            let base = guid()
            ids.append(base)
            switch Int.random(in: 0..<6, using: &random) {
            case 0: ids.append(base.uppercased())
            case 1: ids.append(String(base.dropLast()))
            case 2: ids.append(String(base.map { $0 == "-" ? "0" : $0 }))
            case 3: ids.append(base + "0")
            case 4: ids.append(String(base.dropLast()) + "g")
            default: ids.append(base)
            }
        }
        ids += ["", "42", "-", "user-1", "ffffffff-ffff-ffff-ffff-ffffffffffff", "00000000-0000-0000-0000-000000000000"]
        let keys = ids.map(ObjectKey.init)
        for _ in 0..<20_000 {
            let (a, b) = (Int.random(in: 0..<ids.count, using: &random), Int.random(in: 0..<ids.count, using: &random))
            #expect((keys[a] == keys[b]) == (ids[a] == ids[b]), "\(ids[a]) / \(ids[b])")
        }
        #expect(Set(keys).count == Set(ids).count)
        #expect(ObjectKey("ffffffff-ffff-ffff-ffff-ffffffffffff") == .guid(.max, .max))
        #expect(ObjectKey("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF") == .other("FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF"))
    }
}
