import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: sources, credentials and their rules")
struct DirectoryServiceSourceTests {
    @Test("add, list, edit and remove; names and domains normalised")
    func lifecycle() async throws {
        let harness = try await ServiceHarness()
        let service = harness.service
        let contoso = try await service.addSource(name: "  Contoso EU ", domain: "Contoso.COM.", description: "main tenant")
        #expect(contoso.id == "contoso-eu")
        #expect(contoso.name == "Contoso EU")
        #expect(contoso.domain == "contoso.com")
        #expect(contoso.state == .off)
        _ = try await service.addSource(name: "Alpha", domain: "alpha.example")
        #expect(await service.allSources().map(\.name) == ["Alpha", "Contoso EU"])
        let edited = try await service.editSource(contoso.id, description: "renamed")
        #expect(edited.description == "renamed")
        #expect(try await service.source(named: "contoso eu").id == contoso.id)
        try await service.removeSource(contoso.id)
        #expect(await service.allSources().map(\.name) == ["Alpha"])
    }

    @Test("the rules: limit, duplicate names and domains, on-premises domains, domain syntax")
    func rules() async throws {
        let harness = try await ServiceHarness(configuration: .init(maximumSources: 2, onPremisesDomains: ["corp.contoso.com"]))
        let service = harness.service
        _ = try await service.addSource(name: "Contoso", domain: "contoso.com")
        await expectCode(.duplicateName) { _ = try await service.addSource(name: "CONTOSO", domain: "other.com") }
        await expectCode(.duplicateDomain) { _ = try await service.addSource(name: "Second", domain: "CONTOSO.com.") }
        await expectCode(.onPremisesDomain) { _ = try await service.addSource(name: "Corp", domain: "Corp.Contoso.com") }
        for bad in ["", "contoso", "con toso.com", "-contoso.com", "contoso..com", "contoso.com/x", "cöntoso.com", "contoso.123", String(repeating: "a", count: 64) + ".com"] {
            await expectCode(.invalidInput) { _ = try await service.addSource(name: "Bad \(bad.count)", domain: bad) }
        }
        // A different name whose identifier would be the same is a duplicate too, on adding and on renaming.
        await expectCode(.duplicateName) { _ = try await service.addSource(name: "Contoso!", domain: "other.com") }
        let fabrikam = try await service.addSource(name: "Fabrikam", domain: "fabrikam.com")
        await expectCode(.duplicateName) { _ = try await service.editSource(fabrikam.id, name: "contoso?") }
        await expectCode(.tooManySources) { _ = try await service.addSource(name: "Third", domain: "third.com") }
    }

    @Test("a description has at most 1,000 characters, on adding and on editing; the error names the limit")
    func descriptionLimit() async throws {
        let service = try await ServiceHarness().service
        let longest = String(repeating: "d", count: DirectoryService.maximumDescriptionLength)
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com", description: longest)
        #expect(source.description == longest)
        let added = await #expect(throws: DirectoryServiceError.self) { _ = try await service.addSource(name: "Big", domain: "big.com", description: String(repeating: "x", count: 100_000)) }
        #expect(added?.code == .invalidInput)
        #expect(added?.detail == "A source's description can have at most 1000 characters; this one has 100000")
        #expect(await service.allSources().count == 1)
        let edited = await #expect(throws: DirectoryServiceError.self) { _ = try await service.editSource(source.id, description: longest + "d") }
        #expect(edited?.code == .invalidInput)
        #expect(try await service.source(source.id).description == longest, "nothing changed")
    }

    @Test("credentials: the secret goes to the secret store only; tests on unsaved and saved credentials; turning on needs a passed test")
    func credentials() async throws {
        let harness = try await ServiceHarness()
        let service = harness.service
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        await expectCode(.credentialsNotTested) { try await service.turnOn(source.id) }

        let wrong = await service.testConnection(domain: "contoso.com", credentials: harness.credentials("contoso.com"), secret: Secret("wrong"))
        #expect(!wrong.isSuccessful)
        #expect(wrong.errorCode == "wrongSecret")
        let right = await service.testConnection(domain: "contoso.com", credentials: harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        #expect(right.isSuccessful)

        try await service.setCredentials(source.id, harness.credentials("contoso.com"), secret: Secret(ServiceHarness.secret))
        #expect(try await harness.secrets.secret(for: .clientSecret(source.id))?.reveal() == ServiceHarness.secret)
        await expectCode(.credentialsNotTested) { try await service.turnOn(source.id) }
        #expect(try await service.testConnection(source.id).isSuccessful)
        try await service.turnOn(source.id)
        #expect(try await service.source(source.id).state == .on)
        // While on, credentials are tested before they replace the ones in use (DirectoryServiceCredentialRotationTests).
        try await service.setCredentials(source.id, harness.credentials("contoso.com"), secret: nil)
        #expect(try await service.source(source.id).state == .on)
        await expectCode(.sourceIsOn) { _ = try await service.editSource(source.id, domain: "elsewhere.com") }
        await expectCode(.sourceIsOn) { try await service.removeSource(source.id) }
        try await service.turnOff(source.id)
        _ = try await service.editSource(source.id, domain: "elsewhere.com")
        await expectCode(.credentialsNotTested) { try await service.turnOn(source.id) }

        let state = harness.state as! InMemorySyncStateStore
        for key in [StateKey.service("sources")] {
            let data = try #require(try await state.data(for: key))
            #expect(!String(decoding: data, as: UTF8.self).contains(ServiceHarness.secret))
        }
    }

    @Test("a failed test leaves the source unable to turn on; changed credentials must be tested again")
    func retest() async throws {
        let harness = try await ServiceHarness()
        let service = harness.service
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, SourceCredentials(clientID: "11111111-1111-4111-8111-111111111111", tenant: "contoso.com"), secret: Secret(ServiceHarness.secret))
        let result = try await service.testConnection(source.id)
        #expect(result.errorCode == "unknownApplication")
        await expectCode(.credentialsNotTested) { try await service.turnOn(source.id) }
        await expectCode(.missingSecret) {
            let other = try await service.addSource(name: "Other", domain: "other.com")
            try await service.setCredentials(other.id, harness.credentials("other.com"), secret: nil)
        }
    }

    @Test("filters and schedules are validated by their own types")
    func filtersAndSchedules() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.service.addSource(name: "Contoso", domain: "contoso.com")
        let conditions = (0..<11).map { "department eq 'D\($0)'" }.joined(separator: " or ")
        await #expect(throws: FilterError.self) { try await harness.service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: conditions))) }
        try await harness.service.setFilter(source.id, .usersByUser(try FilterExpression(parsing: "department eq 'Sales'")))
        let schedule = try SyncSchedule.hourly(every: 6, startingAt: LocalTime(hour: 2, minute: 0), timeZone: "Europe/Oslo")
        try await harness.service.setSchedule(source.id, schedule)
        #expect(try await harness.service.source(source.id).schedule == schedule)
        #expect(throws: ScheduleError.self) { try SyncSchedule.hourly(every: 5, startingAt: LocalTime(hour: 2, minute: 0), timeZone: "Europe/Oslo") }
    }

    @Test("a removal that fails half way leaves the source listed, off; removing it again finishes, and a source added with its name starts empty")
    func removalThatFailsHalfWay() async throws {
        let state = FailingStateStore()
        let harness = try await ServiceHarness(state: state)
        let source = try await harness.readySource()
        _ = try await harness.service.synchronize(source.id)
        try await harness.service.turnOff(source.id)
        state.failing.withLock { $0 = ["history"] }
        await #expect(throws: SyncStateError.self) { try await harness.service.removeSource(source.id) }
        #expect(try await harness.service.source(source.id).state == .off, "still listed")
        let reopened = try await DirectoryService.open(
            store: harness.store, state: state, secrets: harness.secrets, connector: harness.connector, clock: harness.clock.syncClock)
        #expect(try await reopened.source(source.id).state == .off, "still saved")

        state.failing.withLock { $0 = [] }
        try await harness.service.removeSource(source.id)
        await expectCode(.unknownSource) { _ = try await harness.service.source(source.id) }
        for name in ["history", "tracking", "mirror", "pending-removals", "preview"] {
            #expect(try await state.base.data(for: StateKey(source.id, name)) == nil, "\(name) is left")
        }
        #expect(try await harness.secrets.secret(for: source.secretKey) == nil)
        let again = try await harness.service.addSource(name: source.name, domain: "contoso.com")
        #expect(again.id == source.id)
        #expect(try await harness.service.history(again.id).isEmpty, "nothing of the removed source")
    }

    @Test("a source cannot be changed, turned on or added again under its name while its removal goes on")
    func removalTakesTheSourceAway() async throws {
        let state = GatedStateStore()
        let harness = try await ServiceHarness(state: state)
        let source = try await harness.readySource()
        try await harness.service.turnOff(source.id)
        // The removal waits while it reads the run reports it removes.
        let gate = state.holdNextRead(of: "reports")
        let removal = Task { try await harness.service.removeSource(source.id) }
        while gate.arrived == 0 { try? await Task.sleep(for: .milliseconds(2)) }
        await expectCode(.unknownSource) { try await harness.service.turnOn(source.id) }
        await expectCode(.duplicateName) { _ = try await harness.service.addSource(name: source.name, domain: "contoso.com") }
        gate.open()
        try await removal.value
        #expect(try await harness.service.addSource(name: source.name, domain: "contoso.com").id == source.id)
    }
}

func expectCode(_ code: DirectoryServiceError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
        try await body()
        Issue.record("expected \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as DirectoryServiceError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
    }
}
