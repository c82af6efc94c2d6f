import DirectorySync
import DirectorySyncHTTP
@testable import DirectorySyncTesting
import Foundation
import Testing

extension EmulatorHarness {
    /// An emulator loaded with the given tenant, answering lookups from its indexes or by scanning.
    init(tenant: GeneratedTenant, indexed: Bool) {
        clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        emulator = GraphEmulator(clock: clock)
        emulator.answersFromIndexes = indexed
        self.tenant = tenant
        credentials = emulator.load(tenant)
    }
}

@Suite("Graph emulator: lookups answered from indexes equal the scan's answers")
struct EmulatorLookupIndexTests {
    static func literal(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "''") + "'" }

    static func encoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")) ?? text
    }

    /// The filter `GraphDirectoryProvider.lookUp` sends for a user key.
    static func userFilter(_ key: String) -> String {
        var clauses = ["userPrincipalName eq \(literal(key))", "mail eq \(literal(key))", "proxyAddresses/any(p:p eq \(literal("smtp:" + key)))"]
        if let slash = key.firstIndex(of: "\\") { clauses.append("onPremisesSamAccountName eq \(literal(String(key[key.index(after: slash)...])))") }
        return clauses.joined(separator: " or ")
    }

    /// A key in random case.
    static func scramble(_ key: String, _ random: inout SeededRandomNumberGenerator) -> String {
        String(key.map { Bool.random(using: &random) ? Character($0.uppercased()) : Character($0.lowercased()) })
    }

    /// Every page of a request, answered by both emulators: status and bytes must be equal.
    func compare(_ path: String, advanced: Bool, _ pair: (indexed: EmulatorHarness, scanned: EmulatorHarness), tokens: (String, String)) -> Int {
        let headers: HTTPHeaders = advanced ? ["ConsistencyLevel": "eventual"] : [:]
        var next: String? = path
        var pages = 0
        while let link = next, pages < 50 {
            let a = pair.indexed.get(link, token: tokens.0, headers: headers)
            let b = pair.scanned.get(link, token: tokens.1, headers: headers)
            #expect(a.status == b.status, "\(path)")
            #expect(a.body == b.body, "\(path): \(String(decoding: a.body.prefix(400), as: UTF8.self)) vs \(String(decoding: b.body.prefix(400), as: UTF8.self))")
            next = json(a)["@odata.nextLink"] as? String
            pages += 1
        }
        return pages
    }

    @Test("users by UPN, mail, proxy address and login, groups by name, objects by id or UPN in any case: the same bytes, page by page", arguments: [1, 2, 3] as [UInt64])
    func sameAnswers(seed: UInt64) throws {
        let tenant = TenantGenerator(
            configuration: .init(users: 400, groups: 50, seed: seed, proxyOnlyEmailShare: 0.1, aliasShare: 0.5, onPremisesShare: 0.5, nestedGroupShare: 0.4, duplicateEmailPairs: 5)
        ).generate()
        let pair = (indexed: EmulatorHarness(tenant: tenant, indexed: true), scanned: EmulatorHarness(tenant: tenant, indexed: false))
        let t = pair.indexed.credentials.tenantID
        var random = SeededRandomNumberGenerator(seed: seed)
        // Values shared by several objects in other case: one user's mail is another's UPN, two groups share a name.
        let (a, b) = (tenant.users[3], tenant.users[4])
        let shared = DirectoryUser(id: "ffffffff-0000-4000-8000-000000000001", userPrincipalName: "shared.\(seed)@contoso.com", mail: a.userPrincipalName.uppercased(), proxyAddresses: ["smtp:\(b.userPrincipalName)"])
        let twin = DirectoryGroup(id: "00000000-ffff-4000-8000-000000000001", displayName: tenant.groups[2].displayName.uppercased(), memberUserIDs: [a.id])
        for harness in [pair.indexed, pair.scanned] {
            harness.emulator.upsertUser(shared, tenant: t)
            harness.emulator.upsertGroup(twin, tenant: t)
        }
        let tokens = (pair.indexed.token(), pair.scanned.token())
        let select = "$select=id,userPrincipalName,mail,proxyAddresses,onPremisesSamAccountName"

        for round in 0..<2 {
            // a's and b's addresses name two users each (with `$top=1`, two pages).
            var keys = [a.userPrincipalName.lowercased(), b.userPrincipalName, "nobody@contoso.com", "x' or userPrincipalName ne '", "", "CORP\\nobody", shared.userPrincipalName.uppercased()]
            for _ in 0..<25 {
                let user = tenant.users.randomElement(using: &random)!
                keys.append(Self.scramble(user.userPrincipalName, &random))
                if let mail = user.mail { keys.append(Self.scramble(mail, &random)) }
                if let proxy = user.proxyAddresses.randomElement(using: &random) { keys.append(Self.scramble(String(proxy.drop { $0 != ":" }.dropFirst()), &random)) }
                if let sam = user.onPremisesSamAccountName { keys.append("CORP\\" + Self.scramble(sam, &random)) }
            }
            keys += tenant.users.filter { $0.userPrincipalName.contains("'") }.prefix(3).map(\.userPrincipalName)
            var pagesSeen = 0
            for key in keys {
                let top = keys.firstIndex(of: key)! < 2 ? 1 : [1, 2, 999].randomElement(using: &random)!
                pagesSeen += compare("/v1.0/users?\(select)&$filter=\(Self.encoded(Self.userFilter(key)))&$count=true&$top=\(top)", advanced: true, pair, tokens: tokens)
                _ = compare("/v1.0/users/\(Self.encoded(key))?\(select)", advanced: false, pair, tokens: tokens)
                _ = compare("/v1.0/users/\(Self.encoded(key))/memberOf/microsoft.graph.group?$select=id,displayName&$top=2", advanced: false, pair, tokens: tokens)
            }
            #expect(pagesSeen > keys.count, "some answers span pages")
            for user in tenant.users.shuffled(using: &random).prefix(10) {
                _ = compare("/v1.0/users/\(user.id.uppercased())?$select=id,mail", advanced: false, pair, tokens: tokens)
            }

            var names = [twin.displayName.lowercased(), "No such group", "x' or displayName ne '"]
            names += tenant.groups.shuffled(using: &random).prefix(20).map { Self.scramble($0.displayName, &random) }
            for name in names {
                _ = compare("/v1.0/groups?$select=id,displayName&$filter=\(Self.encoded("displayName eq \(Self.literal(name))"))&$top=1", advanced: false, pair, tokens: tokens)
            }
            for first in stride(from: 0, to: names.count, by: 15) {
                let batch = names[first..<min(first + 15, names.count)].map(Self.literal).joined(separator: ",")
                _ = compare("/v1.0/groups?$select=id,displayName&$filter=\(Self.encoded("displayName in (\(batch))"))&$top=2", advanced: false, pair, tokens: tokens)
            }
            for group in tenant.groups.shuffled(using: &random).prefix(10) {
                _ = compare("/v1.0/groups/\(group.id.uppercased())?$select=id,displayName", advanced: false, pair, tokens: tokens)
                _ = compare("/v1.0/groups/\(group.id.uppercased())/memberOf/microsoft.graph.group?$select=id", advanced: false, pair, tokens: tokens)
                _ = compare("/v1.0/groups/\(group.id.uppercased())/transitiveMembers/microsoft.graph.user?$select=id,mail&$count=true&$top=3", advanced: true, pair, tokens: tokens)
            }
            // Filters the index does not answer are scanned, with the same result.
            for filter in ["startsWith(userPrincipalName,'a')", "mail eq null", "userPrincipalName eq \(Self.literal(a.userPrincipalName)) or accountEnabled eq false",
                           "id eq \(Self.literal(a.id.uppercased())) and accountEnabled eq true", "proxyAddresses/any(p:startsWith(p,'SMTP:'))"] {
                _ = compare("/v1.0/users?$select=id&$filter=\(Self.encoded(filter))&$count=true&$top=50", advanced: true, pair, tokens: tokens)
            }

            // Then the tenant changes: the indexes follow the new version.
            if round == 0 {
                for harness in [pair.indexed, pair.scanned] {
                    harness.emulator.modifyUser(id: a.id, tenant: t) { $0.mail = b.userPrincipalName.lowercased() }
                    harness.emulator.modifyGroup(id: tenant.groups[5].id, tenant: t) { $0.displayName = twin.displayName }
                    harness.emulator.softDeleteUser(id: b.id, tenant: t)
                }
            }
        }
    }

    @Test("the lookup filters are answered from the index; other filters fall back to the scan")
    func whichFiltersAreIndexed() throws {
        let harness = EmulatorHarness(users: 50, groups: 5)
        let emulator = harness.emulator
        func users(_ text: String) throws -> Bool {
            let filter = try ODataFilter.parse(text)
            return emulator.withState { emulator.indexedUsers(filter, emulator.tenants[harness.credentials.tenantID]!) } != nil
        }
        func groups(_ text: String) throws -> Bool {
            let filter = try ODataFilter.parse(text)
            return emulator.withState { emulator.indexedGroups(filter, emulator.tenants[harness.credentials.tenantID]!) } != nil
        }
        #expect(try users(Self.userFilter("someone@contoso.com")))
        #expect(try users(Self.userFilter("CORP\\someone")))
        #expect(try users("id in ('a','b') or otherMails/any(x:x eq 'c')"))
        #expect(try users("mail eq 'a' and startsWith(displayName,'b')"))
        #expect(try groups("displayName eq 'Sales'") && groups("displayName in ('a','b')") && groups("id eq 'x'"))
        for text in ["mail ne 'a'", "not(mail eq 'a')", "mail eq null", "startsWith(mail,'a')", "displayName eq 'a'", "mail eq 'a' or accountEnabled eq true",
                     "proxyAddresses/any(p:startsWith(p,'smtp:'))", "proxyAddresses/any(p:p ne 'smtp:a')"] {
            #expect(try !users(text), "\(text)")
        }
        #expect(try !groups("startsWith(displayName,'a')") && !groups("securityEnabled eq true"))
    }
}
