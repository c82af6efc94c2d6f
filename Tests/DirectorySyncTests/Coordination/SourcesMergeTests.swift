@testable import DirectorySync
import Foundation
import Testing

@Suite("SourcesMerge: the saved sources, merged three ways between replicas")
struct SourcesMergeTests {
    static let base: Source = {
        var source = Source(id: "contoso", name: "Contoso", description: "first", domain: "contoso.com")
        source.credentials = SourceCredentials(clientID: "00000000-0000-4000-8000-000000000001", tenant: "contoso.com")
        source.credentialsTestedAt = Date(timeIntervalSince1970: 1_790_000_000.125)
        source.state = .on
        source.scheduledFrom = Date(timeIntervalSince1970: 1_790_000_000.5)
        return source
    }()

    @Test("a key changed here takes this replica's value; every other key comes from the saved list")
    func perKey() throws {
        var local = Self.base
        local.schedule = try SyncSchedule.hourly(every: 2, startingAt: LocalTime(hour: 0), timeZone: "UTC")
        var stored = Self.base
        stored.description = "changed elsewhere"
        stored.settings.filter = .usersByUser(try FilterExpression(parsing: "department eq 'Sales'"))
        let merged = try #require(try SourcesMerge(baseline: [Self.base], local: [local], stored: [stored]).sources.first)
        #expect(merged.schedule == local.schedule)
        #expect(merged.description == "changed elsewhere")
        #expect(merged.settings == stored.settings)
        #expect(merged.scheduledFrom == Self.base.scheduledFrom, "dates keep their fractional seconds")
    }

    @Test("a key changed on both sides takes this replica's value")
    func bothChanged() throws {
        var local = Self.base
        local.name = "Contoso (here)"
        var stored = Self.base
        stored.name = "Contoso (there)"
        #expect(try SourcesMerge(baseline: [Self.base], local: [local], stored: [stored]).sources.map(\.name) == ["Contoso (here)"])
    }

    @Test("nothing changed elsewhere gives this replica's sources themselves; nothing changed here gives the saved ones")
    func identity() throws {
        var local = Self.base
        local.description = "here"
        #expect(try SourcesMerge(baseline: [Self.base], local: [local], stored: [Self.base]).sources == [local])
        var stored = Self.base
        stored.description = "there"
        #expect(try SourcesMerge(baseline: [Self.base], local: [Self.base], stored: [stored]).sources == [stored])
    }

    @Test("credentials, their test and the secret's generation move together")
    func connectionTogether() throws {
        var local = Self.base
        local.credentials = SourceCredentials(clientID: "00000000-0000-4000-8000-000000000002", tenant: "contoso.com")
        local.secretGeneration = 1
        local.credentialsTestedAt = nil
        var stored = Self.base
        stored.credentialsTestedAt = Date(timeIntervalSince1970: 1_790_100_000)
        stored.tenant = TenantIdentity(id: "11111111-1111-4111-8111-111111111111", verifiedDomains: ["contoso.com"])
        let merged = try #require(try SourcesMerge(baseline: [Self.base], local: [local], stored: [stored]).sources.first)
        #expect(merged.credentials == local.credentials)
        #expect(merged.secretKey == local.secretKey)
        #expect(merged.credentialsTestedAt == nil, "the old credentials' test does not pass for the new ones")
        #expect(merged.tenant == nil)
    }

    @Test("a source added elsewhere appears; one removed elsewhere or here stays removed; one added here stays")
    func additionsAndRemovals() throws {
        let fabrikam = Source(id: "fabrikam", name: "Fabrikam", domain: "fabrikam.com")
        let tailspin = Source(id: "tailspin", name: "Tailspin", domain: "tailspin.com")
        let litware = Source(id: "litware", name: "Litware", domain: "litware.com")
        var local = Self.base
        local.description = "changed here"
        let merged = try SourcesMerge(baseline: [Self.base, fabrikam, litware], local: [local, tailspin, litware], stored: [fabrikam, tailspin.renamed("x"), Self.base.renamed("Contoso")])
        // contoso: kept (changed here, still saved); fabrikam: removed here; litware: removed elsewhere; tailspin: added here.
        #expect(merged.sources.map(\.id) == ["contoso", "tailspin"])
        #expect(merged.sources.first { $0.id == "tailspin" } == tailspin, "added on both sides: this replica's")
        let added = try SourcesMerge(baseline: [Self.base], local: [Self.base], stored: [Self.base, fabrikam])
        #expect(added.sources.map(\.id) == ["contoso", "fabrikam"])
    }

    @Test("off set elsewhere wins over the state a run here ended in, with its quarantine and failures")
    func offWins() throws {
        var running = Self.base
        running.consecutiveFailures = 2
        var local = running
        local.state = .quarantined
        local.quarantine = SourceQuarantine(since: Date(timeIntervalSince1970: 1_790_000_100), reason: "failed", consecutiveFailures: 3)
        local.consecutiveFailures = 3
        var stored = running
        stored.state = .off
        stored.consecutiveFailures = 0
        let merge = try SourcesMerge(baseline: [running], local: [local], stored: [stored])
        let merged = try #require(merge.sources.first)
        #expect(merged.state == .off)
        #expect(merged.quarantine == nil)
        #expect(merged.consecutiveFailures == 0)
        #expect(merge.turnedOffElsewhere == ["contoso"])
        // Turned on here after it was off everywhere: this replica's change wins.
        var off = Self.base
        off.state = .off
        var on = off
        on.state = .on
        #expect(try SourcesMerge(baseline: [off], local: [on], stored: [off]).sources.first?.state == .on)
    }
}

extension Source {
    fileprivate func renamed(_ description: String) -> Source {
        var source = self
        source.description = description
        return source
    }
}
