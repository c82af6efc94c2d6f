@testable import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Planner: a user's addresses kept together")
struct UserAddressesTests {
    @Test("primary, aliases and their keys read back as worked out, keys kept only where they differ (seeded)")
    func readsBack() {
        var random = SeededRandomNumberGenerator(seed: 2_611_306)
        let pieces = ["a", "B", "k", "\u{212A}", "é", "E\u{301}", "@", ".", "x.example", "SMTP:", "smtp:", " "]
        func address() -> String { (0..<Int.random(in: 1...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() }
        for _ in 0..<2_000 {
            let proxies = (0..<Int.random(in: 0...4, using: &random)).map { _ in (random.chance(0.5) ? "smtp:" : "SMTP:") + address() }
            let worked = DirectoryUser.emailAddresses(mail: random.chance(0.7) ? address() : nil, proxyAddresses: proxies)
            let kept = UserAddresses(worked)
            #expect(kept.primary == worked.primary && kept.primaryKey == worked.primaryKey)
            #expect(kept.aliases == worked.aliases && kept.aliasKeys == worked.aliasKeys && kept.aliasCount == worked.aliases.count)
            // Byte for byte, not only as `String` compares them: keys are interned and compared as bytes.
            #expect(kept.primaryKey.map { Array($0.utf8) } == worked.primaryKey.map { Array($0.utf8) })
            #expect(kept.aliasKeys.map { Array($0.utf8) } == worked.aliasKeys.map { Array($0.utf8) })
        }
    }
}
