import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: one source per tenant, and the on-premises Active Directory rule")
struct DirectoryServiceTenantTests {
    static let tenantID = "0b5e6c1d-2f3a-4b4c-8d5e-6f7a8b9c0d1e"

    /// A service whose connector also knows a tenant `northwind` verified in two domains.
    func harness(synchronizedDomains: [String] = [], state: any SyncStateStore = InMemorySyncStateStore()) async throws -> ServiceHarness {
        let harness = try await ServiceHarness(tenants: ["contoso.com"], users: 10, state: state)
        let tenant = TenantGenerator(configuration: .init(users: 10, groups: 2, seed: 9, domain: "northwind.com")).generate()
        harness.connector.register(
            tenant: "northwind.com", clientID: ServiceHarness.clientID("northwind"), secret: ServiceHarness.secret,
            domains: ["northwind.com", "northwind.net"], directory: InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups),
            id: Self.tenantID, synchronizedDomains: synchronizedDomains)
        return harness
    }

    func credentials(_ tenant: String = "northwind.com") -> SourceCredentials { SourceCredentials(clientID: ServiceHarness.clientID("northwind"), tenant: tenant) }

    /// Adds a source and saves credentials naming the tenant by `tenant`.
    func source(_ harness: ServiceHarness, _ name: String, domain: String, tenant: String = "northwind.com") async throws -> Source {
        let source = try await harness.service.addSource(name: name, domain: domain)
        try await harness.service.setCredentials(source.id, credentials(tenant), secret: Secret(ServiceHarness.secret))
        return source
    }

    @Test("a passed test keeps the tenant's id and verified domains; a second source by another verified domain is refused, naming the first")
    func anotherVerifiedDomain() async throws {
        let harness = try await harness()
        let first = try await source(harness, "Northwind", domain: "northwind.com")
        let result = try await harness.service.testConnection(first.id)
        #expect(result.isSuccessful, "\(result)")
        #expect(result.steps.map(\.name) == [.cloud, .token, .domain, .onPremises, .tenant])
        #expect(result.tenant == TenantIdentity(id: Self.tenantID, verifiedDomains: ["northwind.com", "northwind.net"]))
        #expect(try await harness.service.source(first.id).tenant == result.tenant)

        let error = await #expect(throws: DirectoryServiceError.self) { _ = try await harness.service.addSource(name: "Northwind NET", domain: "Northwind.NET.") }
        #expect(error?.code == .duplicateTenant)
        #expect(error?.description.contains("The source 'Northwind' already synchronizes tenant \(Self.tenantID)") == true, "\(String(describing: error))")
        #expect(error?.fix == "Synchronize the tenant through 'Northwind' (its filter can select users of every verified domain), or remove 'Northwind' first.")
        // Another tenant's domain is fine.
        _ = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        // Changing a domain follows the same rule.
        let contoso = try await harness.service.source(named: "Contoso")
        let edit = await #expect(throws: DirectoryServiceError.self) { _ = try await harness.service.editSource(contoso.id, domain: "northwind.net") }
        #expect(edit?.code == .duplicateTenant)
        #expect(try await harness.service.source(contoso.id).domain == "contoso.com", "nothing changed")
    }

    @Test("the tenant id typed instead of a domain, or a test that finds a tenant another source knows: the tenant step fails and the test does not count")
    func tenantIDInsteadOfDomain() async throws {
        let harness = try await harness()
        let first = try await source(harness, "Northwind", domain: "northwind.com")
        // Added before the first source's test: nothing told the two apart yet.
        let second = try await source(harness, "Northwind NET", domain: "northwind.net", tenant: Self.tenantID.uppercased())
        #expect(try await harness.service.testConnection(first.id).isSuccessful)

        let refused = try await harness.service.testConnection(second.id)
        #expect(!refused.isSuccessful)
        #expect(refused.failure?.name == .tenant)
        #expect(refused.errorCode == DirectoryServiceError.Code.duplicateTenant.rawValue)
        #expect(refused.failure?.detail.contains("'Northwind'") == true)
        #expect(refused.tenant?.id == Self.tenantID, "the result still says which tenant was found")
        #expect(try await harness.service.source(second.id).credentialsTestedAt == nil)
        #expect(try await harness.service.source(second.id).tenant == nil)
        let turnOn = await #expect(throws: DirectoryServiceError.self) { try await harness.service.turnOn(second.id) }
        #expect(turnOn?.code == .credentialsNotTested)
    }

    @Test("a source being removed still holds its tenant: no other source takes it while the removal may still fail and bring it back")
    func tenantHeldWhileRemoving() async throws {
        let state = GatedStateStore()
        let harness = try await harness(state: state)
        let first = try await source(harness, "Northwind", domain: "northwind.com")
        // Added before the first source's test: nothing told the two apart yet.
        let second = try await source(harness, "Northwind NET", domain: "northwind.net")
        #expect(try await harness.service.testConnection(first.id).isSuccessful)
        // The removal waits while it reads the run reports it removes.
        let gate = state.holdNextRead(of: "reports")
        let removal = Task { try await harness.service.removeSource(first.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        let refused = try await harness.service.testConnection(second.id)
        #expect(refused.errorCode == DirectoryServiceError.Code.duplicateTenant.rawValue, "\(refused)")
        gate.open()
        try await removal.value
        #expect(try await harness.service.testConnection(second.id).isSuccessful, "once removed, the tenant is free")
    }

    @Test("whichever is tested first keeps the tenant: the other's test is refused, naming it")
    func firstTestedWins() async throws {
        let harness = try await harness()
        let a = try await source(harness, "A", domain: "northwind.com")
        let b = try await source(harness, "B", domain: "northwind.net")
        #expect(try await harness.service.testConnection(b.id).isSuccessful)
        let refused = try await harness.service.testConnection(a.id)
        #expect(refused.errorCode == "duplicateTenant")
        #expect(refused.failure?.detail.contains("'B'") == true)
        try await harness.service.turnOn(b.id)
    }

    @Test("sources saved before the tenant was kept still load; turning one on is refused while another names the same tenant")
    func savedWithoutTenant() async throws {
        let state = InMemorySyncStateStore()
        let savedCredentials = #"{"clientID": "\#(ServiceHarness.clientID("northwind"))", "tenant": "northwind.com"}"#
        let guardJSON = #"{"users": {"maximumCount": 500, "maximumPercentage": 20, "percentageAppliesFrom": 10}, "groups": {"maximumCount": 100, "maximumPercentage": 20, "percentageAppliesFrom": 10}, "memberships": {"maximumCount": 5000, "maximumPercentage": 30, "percentageAppliesFrom": 10}}"#
        func saved(_ id: String, _ domain: String) -> String {
            #"{"id": "\#(id)", "name": "\#(id)", "description": "", "domain": "\#(domain)", "state": "off", "schedule": {"kind": "none", "timeZone": "UTC"}, "#
                + #""settings": {"filter": {"mode": "all"}, "missingEmail": "syncWithWarning", "outOfScope": "remove", "deletionGuard": \#(guardJSON)}, "#
                + #""credentials": \#(savedCredentials), "credentialsTestedAt": "2026-01-01T00:00:00Z"}"#
        }
        let document = "[\(saved("one", "northwind.com")), \(saved("two", "northwind.net"))]"
        let sources = try JSONDecoder.deterministic().decode([Source].self, from: Data(document.utf8))
        #expect(sources.map(\.tenant) == [nil, nil], "a source saved without the field decodes")
        try await state.save(sources, for: .service("sources"))
        let harness = try await harness(state: state)
        #expect(await harness.service.allSources().count == 2)
        let error = await #expect(throws: DirectoryServiceError.self) { try await harness.service.turnOn("two") }
        #expect(error?.code == .duplicateTenant, "both passed a test naming the tenant 'northwind.com' as their credentials' tenant")
        #expect(error?.detail.contains("'one'") == true)

        // Once one source knows its tenant, the field is saved, and reads back.
        try await harness.service.removeSource("two")
        try await harness.service.setCredentials("one", credentials(), secret: Secret(ServiceHarness.secret))
        #expect(try await harness.service.testConnection("one").isSuccessful)
        let text = String(decoding: try JSONEncoder.deterministic().encode(try await harness.service.source("one")), as: UTF8.self)
        #expect(text.contains(#""tenant":{"id":"\#(Self.tenantID)","verifiedDomains":["northwind.com","northwind.net"]}"#), "\(text)")
        let reloaded = try await DirectoryService.open(store: harness.store, state: state, secrets: harness.secrets, connector: harness.connector)
        #expect(try await reloaded.source("one").tenant?.id == Self.tenantID)
    }

    @Test("new credentials keep the tenant the source holds until they pass their own test (no second source can take it meanwhile)")
    func credentialsChangeKeepsTenantUntilTested() async throws {
        let harness = try await harness()
        let source = try await source(harness, "Northwind", domain: "northwind.com")
        // A draft for another verified domain, added before any test told the two apart.
        let other = try await self.source(harness, "Other", domain: "northwind.net", tenant: Self.tenantID)
        let tested = try await harness.service.testConnection(source.id)
        #expect(tested.isSuccessful)
        // The same values saved again with the secret (`credentials set` while off), then others.
        try await harness.service.setCredentials(source.id, credentials(), secret: Secret(ServiceHarness.secret))
        try await harness.service.setCredentials(source.id, credentials(Self.tenantID), secret: Secret(ServiceHarness.secret))
        let saved = try await harness.service.source(source.id)
        #expect(saved.credentialsTestedAt == nil, "the new credentials need their own test")
        #expect(saved.tenant == tested.tenant, "the tenant stays held")
        // The draft that reaches the tenant fails its tenant step.
        let refused = try await harness.service.testConnection(other.id)
        #expect(refused.failure?.name == .tenant)
        #expect(refused.errorCode == DirectoryServiceError.Code.duplicateTenant.rawValue)
        // Another verified domain of the tenant is still refused too, naming the source that holds it.
        try await harness.service.removeSource(other.id)
        let error = await #expect(throws: DirectoryServiceError.self) { _ = try await harness.service.addSource(name: "NET", domain: "northwind.net") }
        #expect(error?.code == .duplicateTenant)
        #expect(error?.detail.contains("'Northwind'") == true)
        // The holder's own new credentials pass their test; the tenant they reached is kept.
        #expect(try await harness.service.testConnection(source.id).isSuccessful)
        #expect(try await harness.service.source(source.id).tenant?.id == Self.tenantID)
        try await harness.service.turnOn(source.id)
    }

    @Test("the on-premises rule: a configured domain is refused when added; a domain the directory reports as synchronized fails the test")
    func onPremises() async throws {
        let configured = try await ServiceHarness(users: 5, configuration: .init(onPremisesDomains: ["northwind.com"]))
        let error = await #expect(throws: DirectoryServiceError.self) { _ = try await configured.service.addSource(name: "N", domain: "northwind.com") }
        #expect(error?.code == .onPremisesDomain)

        let harness = try await harness(synchronizedDomains: ["northwind.com"])
        let synced = try await source(harness, "Northwind", domain: "northwind.com")
        let result = try await harness.service.testConnection(synced.id)
        #expect(result.failure?.name == .onPremises)
        #expect(result.errorCode == "onPremisesDomain")
        #expect(result.steps.map(\.status) == [.passed, .passed, .passed, .failed, .skipped])
        let cloud = try await source(harness, "Northwind NET", domain: "northwind.net")
        #expect(try await harness.service.testConnection(cloud.id).isSuccessful)
    }

    @Test("a test of unsaved credentials reports the tenant, without the service's tenant step")
    func unsavedTest() async throws {
        let harness = try await harness()
        let result = await harness.service.testConnection(domain: "northwind.net", credentials: credentials("northwind.com"), secret: Secret(ServiceHarness.secret))
        #expect(result.isSuccessful)
        #expect(result.tenant?.id == Self.tenantID)
        #expect(!result.steps.contains { $0.name == .tenant })
    }

    @Test("TenantIdentity: normalised names, designed JSON")
    func identity() throws {
        let identity = TenantIdentity(id: " 0B5E6C1D-2F3A-4B4C-8D5E-6F7A8B9C0D1E ", verifiedDomains: ["Northwind.com.", "northwind.com", "", "NORTHWIND.net"])
        #expect(identity.id == Self.tenantID)
        #expect(identity.verifiedDomains == ["northwind.com", "northwind.net"])
        #expect(identity.isNamed(by: "NorthWind.NET") && identity.isNamed(by: Self.tenantID.uppercased()) && !identity.isNamed(by: "") && !identity.isNamed(by: "contoso.com"))
        let text = String(decoding: try JSONEncoder.deterministic().encode(identity), as: UTF8.self)
        #expect(text == #"{"id":"\#(Self.tenantID)","verifiedDomains":["northwind.com","northwind.net"]}"#)
        #expect(try JSONDecoder.deterministic().decode(TenantIdentity.self, from: Data(text.utf8)) == identity)
        #expect("\(identity)" == "tenant \(Self.tenantID) (northwind.com, northwind.net)")
    }
}
