import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService over the Graph emulator")
struct DirectoryServiceGraphTests {
    @Test("the seed workflow: add, test wrong and right secrets, filter, schedule, on, sync (full then incremental), status, off, preview")
    func workflow() async throws {
        let graph = GraphHarness(users: 120, groups: 10)
        let (service, store, source, credentials) = try await graph.service()

        let wrong = await service.testConnection(domain: source.domain, credentials: credentials, secret: Secret("not-the-secret"))
        #expect(wrong.errorCode == "wrongSecret")
        #expect(!wrong.description.contains("not-the-secret"))
        try await service.setCredentials(source.id, credentials, secret: Secret(graph.credentials.clientSecret))
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.setSchedule(source.id, try SyncSchedule.daily(at: LocalTime(hour: 3), timeZone: "Europe/Oslo"))
        try await service.turnOn(source.id)

        let first = try await service.synchronize(source.id)
        #expect(first.outcome == .succeeded)
        #expect(first.readKind == .full(.firstRun))
        #expect(first.usersSynchronized == 120)
        let user = try #require(graph.emulator.users(tenant: graph.credentials.tenantID).first)
        graph.emulator.modifyUser(id: user.id, tenant: graph.credentials.tenantID) { $0.displayName = "Changed Name" }
        let second = try await service.synchronize(source.id)
        #expect(second.readKind == .incremental(changes: 1))
        #expect(second.succeeded == 1)
        let status = try await service.status(source.id)
        #expect(status.type == "Microsoft Entra ID")
        #expect(status.nextRun != nil)

        try await service.turnOff(source.id)
        try await service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")))
        let preview = try await service.preview(source.id)
        #expect(preview.summary[.remove, default: 0] > 0)
        #expect(try await store.contents().users.count == 120, "a preview changes nothing")
    }

    @Test("one source per tenant, against a tenant with two verified domains: another domain, the tenant id, or a test that finds the same tenant is refused, naming the first source")
    func oneSourcePerTenant() async throws {
        let graph = GraphHarness(tenant: TenantGenerator(configuration: .init(users: 20, groups: 2, seed: 4)).generate(), otherDomains: ["fabrikam.com"])
        let (service, _, contoso, credentials) = try await graph.service()
        let secret = Secret(graph.credentials.clientSecret)
        // Before Contoso's test nothing says fabrikam.com is the same tenant: the source is added
        // (a draft: only a source whose test passed holds a tenant).
        let early = try await service.addSource(name: "Fabrikam", domain: "fabrikam.com")
        try await service.setCredentials(contoso.id, credentials, secret: secret)
        let passed = try await service.testConnection(contoso.id)
        #expect(passed.isSuccessful, "\(passed)")
        #expect(passed.steps.map(\.name) == ConnectionTestResult.Step.Name.entraSteps + [.tenant])
        let known = try #require(try await service.source(contoso.id).tenant, "a passed test keeps the tenant on the source")
        #expect(known.id == graph.credentials.tenantID)
        #expect(known.verifiedDomains.contains("fabrikam.com") && known.verifiedDomains.contains(graph.credentials.domain))

        // Now it does: by another verified domain …
        let error = await #expect(throws: DirectoryServiceError.self) { _ = try await service.addSource(name: "Second", domain: "contoso.onmicrosoft.com") }
        #expect(error?.code == .duplicateTenant)
        #expect(error?.detail.contains("'Contoso'") == true, "names the first source: \(String(describing: error))")
        #expect(error?.fix.contains("remove 'Contoso'") == true)
        let edit = await #expect(throws: DirectoryServiceError.self) { _ = try await service.editSource(early.id, domain: "CONTOSO.onmicrosoft.com.") }
        #expect(edit?.code == .duplicateTenant)

        // … by the tenant id typed instead of a domain: the test finds the same tenant, and fails.
        var byID = credentials
        byID.tenant = graph.credentials.tenantID
        try await service.setCredentials(early.id, byID, secret: secret)
        let refused = try await service.testConnection(early.id)
        #expect(!refused.isSuccessful)
        #expect(refused.failure?.name == .tenant)
        #expect(refused.errorCode == "duplicateTenant")
        #expect(refused.failure?.detail.contains("'Contoso'") == true && refused.failure?.detail.contains(graph.credentials.tenantID) == true)
        #expect(try await service.source(early.id).credentialsTestedAt == nil, "a refused test does not count as passed")
        #expect(try await service.source(early.id).tenant == nil)
        let turnOn = await #expect(throws: DirectoryServiceError.self) { try await service.turnOn(early.id) }
        #expect(turnOn?.code == .credentialsNotTested)

        // The first source is unaffected, and the rule goes away with it.
        try await service.turnOn(contoso.id)
        try await service.turnOff(contoso.id)
        try await service.removeSource(contoso.id)
        let alone = try await service.testConnection(early.id)
        #expect(alone.isSuccessful, "\(alone)")
        #expect(alone.steps.last?.status == .passed && alone.steps.last?.name == .tenant)
        try await service.turnOn(early.id)
    }

    @Test("one source per tenant without Organization.Read.All: the tenant id from the access token refuses a second source, whichever name it typed")
    func oneSourcePerTenantLeastPrivilege() async throws {
        let graph = GraphHarness(
            tenant: TenantGenerator(configuration: .init(users: 20, groups: 2, seed: 4)).generate(), roles: ["User.Read.All", "GroupMember.Read.All"],
            otherDomains: ["fabrikam.com"])
        let (service, _, contoso, credentials) = try await graph.service()
        let secret = Secret(graph.credentials.clientSecret)
        try await service.setCredentials(contoso.id, credentials, secret: secret)
        let passed = try await service.testConnection(contoso.id)
        #expect(passed.isSuccessful, "\(passed)")
        #expect(passed.steps.first { $0.name == .domain }?.status == .warning, "/organization cannot be read")
        #expect(try await service.source(contoso.id).tenant == TenantIdentity(id: graph.credentials.tenantID, verifiedDomains: []))
        try await service.turnOn(contoso.id)

        // Another verified domain, typed as the domain and as the credentials' tenant: no name in
        // common with Contoso's, and /organization cannot say it is the same tenant — the token can.
        let fabrikam = try await service.addSource(name: "Fabrikam", domain: "fabrikam.com")
        for typed in ["fabrikam.com", graph.credentials.tenantID.uppercased()] {
            var other = credentials
            other.tenant = typed
            try await service.setCredentials(fabrikam.id, other, secret: secret)
            let refused = try await service.testConnection(fabrikam.id)
            #expect(refused.failure?.name == .tenant && refused.errorCode == "duplicateTenant", "\(typed): \(refused)")
            #expect(refused.failure?.detail.contains("'Contoso'") == true && refused.failure?.detail.contains(graph.credentials.tenantID) == true)
            #expect(try await service.source(fabrikam.id).credentialsTestedAt == nil, "a refused test does not count as passed")
            let turnOn = await #expect(throws: DirectoryServiceError.self) { try await service.turnOn(fabrikam.id) }
            #expect(turnOn?.code == .credentialsNotTested)
        }
    }

    @Test("a test that reads only the tenant id keeps the verified domains an earlier test of the same tenant found")
    func tenantIDAloneKeepsDomains() async throws {
        let graph = GraphHarness(tenant: TenantGenerator(configuration: .init(users: 20, groups: 2, seed: 4)).generate(), otherDomains: ["fabrikam.com"])
        let (service, _, contoso, credentials) = try await graph.service()
        let secret = Secret(graph.credentials.clientSecret)
        try await service.setCredentials(contoso.id, credentials, secret: secret)
        #expect(try await service.testConnection(contoso.id).isSuccessful)
        let known = try #require(try await service.source(contoso.id).tenant)
        #expect(known.verifiedDomains.contains("fabrikam.com"))
        // Organization.Read.All and Directory.Read.All withdrawn: the next test reads the id alone.
        graph.emulator.addApplication(
            EmulatedApplication(
                clientID: graph.credentials.clientID,
                secrets: [.init(id: graph.credentials.clientSecretID, value: graph.credentials.clientSecret, expires: graph.clock.now.addingTimeInterval(86_400))],
                roles: ["User.Read.All", "GroupMember.Read.All"]),
            tenant: graph.credentials.tenantID)
        let again = try await service.testConnection(contoso.id)
        #expect(again.isSuccessful && again.tenant == TenantIdentity(id: graph.credentials.tenantID, verifiedDomains: []), "\(again)")
        #expect(try await service.source(contoso.id).tenant == known)
        // So fabrikam.com, a domain only /organization named, is still refused for a second source.
        let error = await #expect(throws: DirectoryServiceError.self) { _ = try await service.addSource(name: "Fabrikam", domain: "fabrikam.com") }
        #expect(error?.code == .duplicateTenant)
    }

    @Test("a domain whose users are synchronized from on-premises AD fails the test, and the source cannot be turned on")
    func onPremisesDomain() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 20, groups: 2, seed: 4, onPremisesShare: 0.5)).generate()
        let graph = GraphHarness(tenant: tenant, synchronizedDomains: [tenant.domain])
        let (service, _, source, credentials) = try await graph.service()
        try await service.setCredentials(source.id, credentials, secret: Secret(graph.credentials.clientSecret))
        let result = try await service.testConnection(source.id)
        #expect(result.failure?.name == .onPremises)
        #expect(result.errorCode == "onPremisesDomain")
        #expect(result.steps.last?.name == .tenant && result.steps.last?.status == .skipped)
        await #expect(throws: DirectoryServiceError.self) { try await service.turnOn(source.id) }
    }
}

