@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Staged deletion's promise, checked over seeded random tenants, changes, filters and time steps:
/// no identity is removed before its grace ends, and every one still out of scope once it has
/// ended is removed.
@Suite("Staged deletion properties (seeded)")
struct StagedDeletionPropertyTests {
    static let grace: TimeInterval = 3 * 86_400

    static let filters: [SyncFilter] = [
        .all,
        .usersByUser(.or([.condition(.init(.department, .in, ["Sales", "Engineering", "IT"])), .condition(.init(.city, .equals, "Oslo"))])),
        .usersByGroup(.condition(.init(.displayName, .contains, "North"))),
    ]

    /// A source identity: user or group, and its directory object.
    struct Key: Hashable, CustomStringConvertible {
        var isGroup: Bool
        var externalID: String
        var description: String { "\(isGroup ? "group" : "user") \(externalID)" }
    }

    static func keys(_ contents: IdentityStoreContents) -> [Key: IdentityID] {
        var keys: [Key: IdentityID] = [:]
        for user in contents.users where user.origin.sourceID == source { keys[Key(isGroup: false, externalID: user.origin.externalID!)] = user.id }
        for group in contents.groups where group.origin.sourceID == source { keys[Key(isGroup: true, externalID: group.origin.externalID!)] = group.id }
        return keys
    }

    @Test("no identity is removed before its grace ends; every one still out of scope after it is removed", arguments: Array(UInt64(1)...10))
    func graceKept(seed: UInt64) async throws {
        let tenant = TenantGenerator(configuration: .init(users: 80, groups: 10, seed: seed, withoutEmailShare: 0.05, aliasShare: 0.3)).generate()
        let runs = StagedRuns(.disableThenRemove(after: .seconds(Self.grace)))
        var random = SeededRandomNumberGenerator(seed: seed &* 97)
        var mutator = TenantMutator(tenant)
        // When each identity was first found out of scope, in its current stretch out of scope.
        var outSince: [Key: Date] = [:]
        var checked = (removed: 0, pending: 0, returned: 0)
        for round in 0..<16 {
            if random.chance(0.3) { runs.settings.filter = Self.filters.randomElement(using: &random)! }
            let directory = mutator.tenant.snapshot
            let scope = DirectoryScope(snapshot: directory, filter: runs.settings.filter)
            let inScope = Set(scope.users.map { Key(isGroup: false, externalID: $0.id) } + scope.groups.map { Key(isGroup: true, externalID: $0.id) })
            let before = Self.keys(try await runs.store.contents())
            for key in before.keys {
                if inScope.contains(key) {
                    if outSince.removeValue(forKey: key) != nil { checked.returned += 1 }
                } else if outSince[key] == nil {
                    outSince[key] = runs.now
                }
            }
            let plan = try await runs.run(directory)
            let after = Self.keys(try await runs.store.contents())
            for key in before.keys {
                let removed = after[key] == nil
                guard let since = outSince[key] else {
                    #expect(!removed, "seed \(seed) round \(round): \(key) removed while in scope")
                    continue
                }
                let due = runs.now.timeIntervalSince(since) >= Self.grace
                #expect(removed == due, "seed \(seed) round \(round): \(key) out since \(since), now \(runs.now), removed: \(removed)")
                if removed { checked.removed += 1 } else { checked.pending += 1 }
                if removed { outSince[key] = nil }
            }
            // Every identity kept out of scope is pending with the date it left, and disabled if a user.
            let pending = Dictionary(uniqueKeysWithValues: plan.pendingRemovals.filter { after[Key(isGroup: $0.objectKind == .group, externalID: $0.externalID)] != nil }
                .map { (Key(isGroup: $0.objectKind == .group, externalID: $0.externalID), $0.since) })
            #expect(pending == outSince.filter { after[$0.key] != nil }, "seed \(seed) round \(round)")
            let contents = try await runs.store.contents()
            for user in contents.users where user.origin.sourceID == source && outSince[Key(isGroup: false, externalID: user.origin.externalID!)] != nil {
                #expect(!user.profile.isEnabled, "seed \(seed) round \(round): pending user \(user.origin) is enabled")
            }
            #expect(try await runs.plan(directory).isEmpty, "seed \(seed) round \(round): a second plan at once is empty")
            mutator.apply(steps: 10, using: &random)
            runs.advance(days: Double.random(in: 0...2, using: &random))
        }
        #expect(checked.removed > 0 && checked.pending > 0, "seed \(seed): \(checked)")
    }
}
