import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

/// Model-based proof that incremental synchronization equals a full one: random tenant mutations
/// in the emulator interleaved with runs, token expiry, expired and reset delta links, filter
/// changes and faults in Graph and in the store.
@Suite("Incremental equals full (model-based property)")
struct IncrementalPropertyTests {
    static let filters: [SyncFilter] = [
        .all,
        .usersByUser(try! FilterExpression(parsing: "department eq 'Sales' or department eq 'Engineering'")),
        .usersByGroup(try! FilterExpression(parsing: "displayName contains 'a'")),
    ]

    @Test("after every successful run the store equals a fresh full sync; no run removes what is in scope", arguments: 1...8)
    func incrementalEqualsFull(seed: UInt64) async throws {
        let harness = IncrementalHarness(users: 40, groups: 8, seed: seed, emulator: .init(deltaPageSize: 7, membersPerDeltaEntry: 5, deltaReportsChangedPropertiesOnly: seed % 2 == 0))
        var random = SeededRandomNumberGenerator(seed: seed &* 7_919)
        var mutator = EmulatorMutator(emulator: harness.emulator, tenantID: harness.tenantID, domain: harness.graph.credentials.domain)
        var settings = SyncSettings(deletionGuard: .disabled)
        var runs = (total: 0, incremental: 0, committed: 0)
        for step in 0..<300 {
            guard random.chance(0.25) else {
                mutator.mutate(using: &random)
                continue
            }
            if random.chance(0.1) { settings.filter = Self.filters.randomElement(using: &random)! }
            let fault = RunFault.allCases.randomElement(using: &random)!
            fault.inject(into: harness, using: &random)
            let before = try await harness.store.base.contents()
            let result = try? await harness.synchronizer.synchronize(settings: settings)
            fault.clear(from: harness)
            let expected = try await harness.freshFullSync(settings)
            let after = try await harness.store.base.contents()
            let inScope = Set(expected.users.map(\.origin)).union(expected.groups.map(\.origin))
            let removed = Set(before.users.map(\.origin)).union(before.groups.map(\.origin))
                .subtracting(after.users.map(\.origin)).subtracting(after.groups.map(\.origin))
            #expect(removed.isDisjoint(with: inScope), "seed \(seed) step \(step) (\(fault)): removed in-scope identities \(removed.intersection(inScope))")
            runs.total += 1
            if let result {
                if !result.readKind.isFull { runs.incremental += 1 }
                if result.committed {
                    runs.committed += 1
                    let actual = StoreFingerprint(after)
                    #expect(actual == expected, "seed \(seed) step \(step) (\(fault), \(result.readKind)): \(actual) ≠ \(expected)")
                    if actual != expected { return }
                }
            }
        }
        #expect(runs.incremental > runs.total / 3, "incremental runs: \(runs)")
        #expect(runs.committed > runs.total / 2, "committed runs: \(runs)")
    }
}

/// What can go wrong around one run.
enum RunFault: CaseIterable {
    case none, storeFailsPartWay, graphServerError, graphMalformedPage, graphTruncatedPage, replayedEntries, expiredLinks, resetLinks, tokenExpired

    func inject(into harness: IncrementalHarness, using random: inout SeededRandomNumberGenerator) {
        switch self {
        case .none: break
        case .storeFailsPartWay: harness.store.failWrites(after: Int.random(in: 0..<4, using: &random))
        case .graphServerError: harness.emulator.scheduleFault(.status(503, retryAfter: "1"), times: 2)
        case .graphMalformedPage: harness.emulator.scheduleFault(.malformedBody, pathPrefix: random.chance(0.5) ? "/v1.0/users" : "/v1.0/groups")
        case .graphTruncatedPage: harness.emulator.scheduleFault(.truncatedBody, pathPrefix: "/v1.0/groups")
        case .replayedEntries: harness.emulator.scheduleFault(.replayDeltaEntries, times: 3)
        case .expiredLinks:
            harness.emulator.expireDeltaLinks()
            harness.graph.clock.advance(by: 2)
        case .resetLinks: harness.emulator.setDeltaReset(true)
        case .tokenExpired: harness.graph.clock.advance(by: 4_000)
        }
    }

    func clear(from harness: IncrementalHarness) {
        harness.store.heal()
        harness.emulator.clearFaults()
        harness.emulator.setDeltaReset(false)
    }
}

/// Random changes to an emulated tenant: the kinds of change a real directory sees.
struct EmulatorMutator {
    let emulator: GraphEmulator
    let tenantID: String
    let domain: String
    private var softDeleted: [String] = []
    private var counter = 0

    init(emulator: GraphEmulator, tenantID: String, domain: String) {
        self.emulator = emulator
        self.tenantID = tenantID
        self.domain = domain
    }

    private static let departments = ["Sales", "Engineering", "Finance", "Legal"]

    mutating func mutate(using random: inout SeededRandomNumberGenerator) {
        counter += 1
        let users = emulator.users(tenant: tenantID)
        let groups = emulator.groups(tenant: tenantID)
        guard let user = users.randomElement(using: &random), let group = groups.randomElement(using: &random),
            let other = groups.randomElement(using: &random)
        else {
            addUser(using: &random)
            return
        }
        let number = counter
        switch Int.random(in: 0..<15, using: &random) {
        case 0: addUser(using: &random)
        case 1: emulator.modifyUser(id: user.id, tenant: tenantID) { $0.displayName = "Renamed \(number)" }
        case 2: emulator.modifyUser(id: user.id, tenant: tenantID) { $0.mail = "changed\(number)@\(domain)" }
        case 3: emulator.modifyUser(id: user.id, tenant: tenantID) { $0.accountEnabled.toggle() }
        case 4:
            let department = Self.departments.randomElement(using: &random)
            emulator.modifyUser(id: user.id, tenant: tenantID) { $0.department = department }
        case 5:
            emulator.softDeleteUser(id: user.id, tenant: tenantID)
            softDeleted.append(user.id)
        case 6:
            guard !softDeleted.isEmpty else { return }
            emulator.restoreUser(id: softDeleted.remove(at: Int.random(in: 0..<softDeleted.count, using: &random)), tenant: tenantID)
        case 7:
            if !softDeleted.isEmpty, random.chance(0.5) {
                emulator.hardDeleteUser(id: softDeleted.removeLast(), tenant: tenantID)
            } else {
                emulator.hardDeleteUser(id: user.id, tenant: tenantID)
            }
        case 8, 9: emulator.addMember(user.id, to: group.id, tenant: tenantID)
        case 10:
            guard let member = group.memberUserIDs.randomElement(using: &random) else { return }
            emulator.removeMember(member, from: group.id, tenant: tenantID)
        case 11: if group.id != other.id { emulator.addMember(other.id, type: "group", to: group.id, tenant: tenantID) }
        case 12:
            guard let nested = group.memberGroupIDs.randomElement(using: &random) else { return }
            emulator.removeMember(nested, from: group.id, tenant: tenantID)
        case 13: emulator.modifyGroup(id: group.id, tenant: tenantID) { $0.displayName = "\(random.chance(0.5) ? "Alpha" : "Omega") team \(number)" }
        default:
            if random.chance(0.5) {
                emulator.upsertGroup(DirectoryGroup(id: "group-\(number)", displayName: "New group \(number)", memberUserIDs: [user.id]), tenant: tenantID)
            } else if random.chance(0.5) {
                emulator.softDeleteGroup(id: group.id, tenant: tenantID)
            } else {
                emulator.hardDeleteGroup(id: group.id, tenant: tenantID)
            }
        }
    }

    private mutating func addUser(using random: inout SeededRandomNumberGenerator) {
        let id = random.guid()
        let department = Self.departments.randomElement(using: &random)
        emulator.upsertUser(
            DirectoryUser(id: id, userPrincipalName: "new\(counter)@\(domain)", displayName: "New \(counter)", mail: "new\(counter)@\(domain)", department: department),
            tenant: tenantID)
    }
}
