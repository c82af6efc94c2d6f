import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("TenantGenerator")
struct TenantGeneratorTests {
    @Test("the same seed gives the same tenant; another seed another")
    func reproducible() {
        let config = TenantGenerator.Configuration(users: 500, groups: 40, seed: 11)
        #expect(TenantGenerator(configuration: config).generate() == TenantGenerator(configuration: config).generate())
        var other = config
        other.seed = 12
        #expect(TenantGenerator(configuration: config).generate() != TenantGenerator(configuration: other).generate())
    }

    @Test("tenants have the realistic features the planner must handle")
    func features() {
        let tenant = TenantGenerator(configuration: .init(users: 3_000, groups: 120, seed: 3, duplicateEmailPairs: 2)).generate()
        let users = tenant.users
        #expect(users.count == 3_000)
        #expect(tenant.groups.count == 120)
        #expect(Set(users.map(\.id)).count == users.count, "object ids are unique")
        #expect(Set(users.map { $0.userPrincipalName.lowercased() }).count == users.count, "UPNs are unique")
        #expect(users.contains { $0.userType == "Guest" && $0.userPrincipalName.contains("#EXT#") })
        #expect(users.contains { !$0.accountEnabled })
        #expect(users.contains { $0.primaryEmail == nil })
        #expect(users.contains { $0.mail == nil && $0.primaryEmail != nil }, "some users have only an SMTP proxy address")
        #expect(users.contains { !$0.emailAliases.isEmpty })
        #expect(users.contains { $0.onPremisesSamAccountName != nil && $0.logins.count == 2 })
        #expect(Set(tenant.groups.map(\.kind)) == Set(DirectoryGroup.Kind.allCases))
        #expect(tenant.groups.contains { !$0.memberGroupIDs.isEmpty })
        let byID = Dictionary(uniqueKeysWithValues: tenant.groups.map { ($0.id, $0) })
        #expect(byID[tenant.groups[0].memberGroupIDs.last!]?.memberGroupIDs.contains(tenant.groups[0].id) == true, "a nesting cycle")
        let emails = users.compactMap { $0.primaryEmail?.lowercased() }
        #expect(emails.count - Set(emails).count == 2, "two planted duplicate emails")
        let perUser = Double(tenant.membershipCount) / Double(users.count)
        #expect(perUser > 2 && perUser < 4, "about three memberships per user, got \(perUser)")
    }

    @Test("large tenants generate (the benchmarks go to 1,000,000 users)")
    func large() {
        let tenant = TenantGenerator(configuration: .init(users: 100_000, groups: 1_000, seed: 1, membershipsPerUser: 1)).generate()
        #expect(tenant.users.count == 100_000)
        #expect(tenant.users.last?.userPrincipalName.contains("99999@") == true)
    }

    @Test("manual users match by email, by login, or not at all, as asked")
    func manualUsers() throws {
        let tenant = TenantGenerator(configuration: .init(users: 200, groups: 10, seed: 4)).generate()
        let manual = tenant.manualUsers(matchingByEmail: 5, matchingByLogin: 4, unmatched: 3)
        #expect(manual.count == 12)
        let emails = Set(tenant.users.compactMap { $0.primaryEmail?.lowercased() })
        let logins = Set(tenant.users.flatMap { $0.loginMatchKeys })
        #expect(manual.prefix(5).allSatisfy { emails.contains($0.email!.lowercased()) })
        #expect(manual.dropFirst(5).prefix(4).allSatisfy { !emails.contains($0.email!.lowercased()) && logins.contains($0.logins[0].lowercased()) })
        #expect(manual.suffix(3).allSatisfy { !emails.contains($0.email!) && !logins.contains($0.logins[0].lowercased()) })
    }
}

@Suite("SeededRandomNumberGenerator")
struct SeededRandomNumberGeneratorTests {
    @Test("equal seeds give equal sequences; GUIDs are well formed")
    func sequences() {
        var a = SeededRandomNumberGenerator(seed: 9)
        var b = SeededRandomNumberGenerator(seed: 9)
        #expect((0..<100).map { _ in a.next() } == (0..<100).map { _ in b.next() })
        let guid = a.guid()
        #expect(guid.split(separator: "-").map(\.count) == [8, 4, 4, 4, 12])
        #expect(guid.allSatisfy { $0.isHexDigit || $0 == "-" })
        var c = SeededRandomNumberGenerator(seed: 1)
        let heads = (0..<10_000).count { _ in c.chance(0.25) }
        #expect(heads > 2_200 && heads < 2_800)
    }
}
