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
            kept.withBytes { primary, primaryKey, aliases, aliasKeys in
                #expect(primary.map(Array.init) == worked.primary.map { Array($0.utf8) } && primaryKey.map(Array.init) == worked.primaryKey.map { Array($0.utf8) })
                #expect(aliases.map(Array.init) == worked.aliases.map { Array($0.utf8) } && aliasKeys.map(Array.init) == worked.aliasKeys.map { Array($0.utf8) })
            }
        }
    }

    @Test("read from a plain user's bytes: what the strings give, byte for byte; any other user is left to the strings (seeded)", arguments: [1, 2, 3] as [UInt64])
    func plainUsers(seed: UInt64) {
        var random = SeededRandomNumberGenerator(seed: seed)
        // Mostly pieces that are their own keys, so that most users are read from their bytes
        // (among them two spellings of one string: "é" and "e\u{301}"), and the ones that are not.
        let plain = ["a", "k", "0", "-", "@", ".", "x.example", "b@c.example", "é", "e\u{301}", "ø", "中"]
        let other = ["B", "\u{212A}", "É", " ", "\t", "\u{301}", "Ø", "\u{903}", "\u{600}", "\r\n"]
        func address() -> String {
            (0..<Int.random(in: 0...5, using: &random)).map { _ in (random.chance(0.9) ? plain : other).randomElement(using: &random)! }.joined()
                + (random.chance(0.5) ? "a" : "")
        }
        var (read, left) = (0, 0)
        for _ in 0..<5_000 {
            let prefixes = ["SMTP:", "smtp:", "SmTp:", "x500:", "sip:", "smtp", ""]
            let proxies = (0..<Int.random(in: 0...5, using: &random)).map { _ in prefixes.randomElement(using: &random)! + address() }
            let mail: String? = random.chance(0.2) ? nil : random.chance(0.1) ? "" : address()
            let user = DirectoryUser(id: "1", userPrincipalName: "u@x.example", mail: mail, proxyAddresses: proxies)
            let worked = user.emailAddresses()
            // Starts with printable ASCII or a Latin letter (U+00C0–U+024F).
            let startsPlainly = { (text: String) in
                text.unicodeScalars.first.map { (0x21..<0x7F).contains($0.value) || (0xC0...0x24F).contains($0.value) } ?? false
            }
            // Its own key: printable ASCII at the end, and lower-casing changes no byte.
            let isOwnKey = { (text: String) in
                guard let last = text.utf8.last else { return false }
                return startsPlainly(text) && (0x21..<0x7F).contains(last) && Array(text.lowercased().utf8) == Array(text.utf8)
            }
            let long = proxies.filter { $0.utf8.count > 5 }
            let rest = { (entry: String) in String(decoding: entry.utf8.dropFirst(5), as: UTF8.self) }
            let smtp = long.compactMap { $0.utf8.prefix(5).map { $0 | 0x20 } == Array("smtp:".utf8).map { $0 | 0x20 } ? rest($0) : nil }
            let expectPlain = (mail.map { $0.isEmpty || isOwnKey($0) } ?? true)
                && long.allSatisfy { $0.utf8.prefix(5).allSatisfy { $0 < 0x80 } && (Array($0.utf8)[5] < 0x80 || startsPlainly(rest($0))) }
                && smtp.allSatisfy(isOwnKey)
            guard let kept = plainCopy(user.fields) else {
                left += 1
                #expect(!expectPlain, "\(mail ?? "-") \(proxies)")
                continue
            }
            read += 1
            #expect(expectPlain, "\(mail ?? "-") \(proxies)")
            #expect(kept.primary.map { Array($0.utf8) } == worked.primary.map { Array($0.utf8) }, "\(mail ?? "-") \(proxies)")
            #expect(kept.primaryKey.map { Array($0.utf8) } == worked.primaryKey.map { Array($0.utf8) })
            #expect(kept.aliases.map { Array($0.utf8) } == worked.aliases.map { Array($0.utf8) }, "\(mail ?? "-") \(proxies)")
            #expect(kept.aliasKeys.map { Array($0.utf8) } == worked.aliasKeys.map { Array($0.utf8) })
            kept.withBytes { primary, primaryKey, aliases, aliasKeys in
                #expect(primary.map(Array.init) == worked.primary.map { Array($0.utf8) } && primaryKey.map(Array.init) == worked.primaryKey.map { Array($0.utf8) })
                #expect(aliases.map(Array.init) == worked.aliases.map { Array($0.utf8) } && aliasKeys.map(Array.init) == worked.aliasKeys.map { Array($0.utf8) })
            }
        }
        // Both kinds were met often.
        #expect(read > 1_000 && left > 1_000, "\(read) read from bytes, \(left) left to the strings")
        // More than 16 addresses are left to the strings (which find repeats with a set).
        let many = (0..<17).map { "smtp:a\($0)@x.example" }
        #expect(plainCopy(DirectoryUser(id: "1", userPrincipalName: "u@x.example", proxyAddresses: Array(many.prefix(16))).fields) != nil)
        #expect(plainCopy(DirectoryUser(id: "1", userPrincipalName: "u@x.example", proxyAddresses: many).fields) == nil)
    }

    @Test("a user's facts count its aliases, in sixteen bytes; plain aliases are read in place, others kept; a count too large for the facts is read from the addresses")
    func factsCountAliases() throws {
        let plain = DirectoryUser(id: "1", userPrincipalName: "a@x.example", mail: "a@x.example", proxyAddresses: ["SMTP:a@x.example", "smtp:b@x.example", "smtp:c@x.example"])
        let capitals = DirectoryUser(id: "2", userPrincipalName: "d@x.example", mail: "D@x.example", proxyAddresses: (0..<40).map { "smtp:D\($0)@x.example" })
        let none = DirectoryUser(id: "3", userPrincipalName: "e@x.example", mail: "e@x.example")
        var builder = PlanBuilder(SyncPlanRequest(sourceID: "contoso", directory: snapshot([plain, capitals, none]), store: IdentityStoreContents(), settings: SyncSettings()))
        (builder.userFacts, builder.userAddresses) = builder.workOutUserFacts()
        let byID = Dictionary(uniqueKeysWithValues: (0..<3).map { (builder.scope.userID($0), $0) })
        #expect(byID.mapValues { builder.aliasCount($0) } == ["1": 2, "2": 40, "3": 0])
        #expect(byID.mapValues { builder.userFacts[$0].aliasCount } == ["1": 2, "2": 40, "3": 0])
        // Plain addresses are read in place, when worked out and when asked again; others are kept.
        let plainUser = try #require(byID["1"])
        #expect(builder.userFacts[plainUser].flags.contains(.aliasesInPlace) && builder.userFacts[plainUser].addresses == -1)
        #expect(builder.aliases(plainUser) == ["b@x.example", "c@x.example"] && builder.aliasKeys(plainUser) == ["b@x.example", "c@x.example"])
        #expect(builder.email(plainUser) == "a@x.example" && builder.emailKey(plainUser) == "a@x.example")
        let many = try #require(byID["2"])
        #expect(!builder.userFacts[many].flags.contains(.aliasesInPlace) && builder.userAddresses.count == 1)
        #expect(builder.aliasKeys(many) == (0..<40).map { "d\($0)@x.example" } && builder.emailKey(many) == "d@x.example")
        builder.userFacts[many].aliasCount = UserFacts.manyAliases
        #expect(builder.aliasCount(many) == 40)
        #expect(MemoryLayout<UserFacts>.size == 16)
    }

    @Test("only a user with a plain mail has its aliases read in place; a proxy-only email or a capital keeps a copy; a linked user's facts tell which aliases its identity holds")
    func aliasesInPlaceOrCopied() async throws {
        let plain = DirectoryUser(id: "1", userPrincipalName: "a@x.example", mail: "a@x.example", proxyAddresses: ["SMTP:a@x.example", "smtp:b@x.example", "smtp:c@x.example"])
        let proxyOnly = DirectoryUser(id: "2", userPrincipalName: "f@x.example", proxyAddresses: ["SMTP:f@x.example", "smtp:g@x.example"])
        let capital = DirectoryUser(id: "3", userPrincipalName: "h@x.example", mail: "h@x.example", proxyAddresses: ["SMTP:H@x.example", "smtp:i@x.example"])
        let store = InMemoryIdentityStore()
        try await sync(snapshot([plain, proxyOnly, capital]), store)
        // The plain user's identity loses alias c outside the sync.
        var contents = try await store.contents()
        let synced = try #require(contents.user(externalID: "1"))
        var trimmed = synced.profile
        trimmed.aliases = ["b@x.example"]
        _ = try await store.updateUser(synced.id, profile: trimmed, origin: synced.origin)
        contents = try await store.contents()

        var builder = PlanBuilder(SyncPlanRequest(sourceID: source, directory: snapshot([plain, proxyOnly, capital]), store: contents, settings: SyncSettings()))
        (builder.userFacts, builder.userAddresses) = builder.workOutUserFacts()
        let byID = Dictionary(uniqueKeysWithValues: (0..<3).map { (builder.scope.userID($0), $0) })
        let (first, second, third) = (try #require(byID["1"]), try #require(byID["2"]), try #require(byID["3"]))
        #expect(builder.userFacts[first].flags.contains(.aliasesInPlace) && builder.userFacts[first].linked >= 0)
        #expect(builder.userFacts[first].ownsAliases == 0b01 && builder.userFacts[first].flags.contains(.ownsPrimary))
        #expect(!builder.userFacts[first].flags.contains(.unchanged))
        for index in [second, third] {
            #expect(!builder.userFacts[index].flags.contains(.aliasesInPlace) && builder.userFacts[index].addresses >= 0)
            #expect(builder.userFacts[index].flags.contains(.unchanged) && builder.userFacts[index].ownsAliases == 0b1)
        }
        #expect(builder.email(second) == "f@x.example" && builder.aliases(second) == ["g@x.example"])
        #expect(builder.email(third) == "h@x.example" && builder.aliasKeys(third) == ["i@x.example"])
        // The plan gives the alias back, and the next plan has nothing to do.
        let (plan, report) = try await sync(snapshot([plain, proxyOnly, capital]), store)
        #expect(plan.operations.map(\.action.kind) == [.updateUser] && report.isSuccess)
        #expect(try await store.contents().user(externalID: "1")?.profile.aliases == ["b@x.example", "c@x.example"])
        #expect(try await makePlan(snapshot([plain, proxyOnly, capital]), store).operations.isEmpty)
    }

    /// A plain user's addresses copied as the planner copies them, or `nil` when they are not plain.
    private func plainCopy(_ user: DirectoryUser.Fields) -> UserAddresses? {
        UserAddresses.withPlainBytes(of: user) { primary, _, aliases in UserAddresses(plainPrimary: primary, aliases: aliases) }
    }
}
