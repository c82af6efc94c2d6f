import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

let previewNow = Date(timeIntervalSince1970: 1_790_000_000)

/// A preview of a generated tenant's first synchronization into a store with manual users.
func samplePreview(users: Int = 200, includesUnchanged: Bool = false, seed: UInt64 = 4) async throws -> (Preview, InMemoryIdentityStore, GeneratedTenant) {
    let tenant = TenantGenerator(configuration: .init(users: users, groups: max(2, users / 20), seed: seed, duplicateEmailPairs: 1)).generate()
    let store = InMemoryIdentityStore()
    for profile in tenant.manualUsers(matchingByEmail: 5, matchingByLogin: 3, unmatched: 2, seed: seed) {
        _ = try await store.createUser(profile, origin: .manual)
    }
    let schedule = try SyncSchedule.daily(at: LocalTime(hour: 2), timeZone: "Europe/Oslo")
    let generator = PreviewGenerator(configuration: .init(includesUnchanged: includesUnchanged))
    let preview = try generator.makePreview(
        source: source, directory: tenant.snapshot, store: try await store.contents(), settings: SyncSettings(),
        schedule: schedule, sourceIsOn: false, now: previewNow, id: "preview-1")
    return (preview, store, tenant)
}

@Suite("Preview: generation, validity and the page view")
struct PreviewTests {
    @Test("a preview is the planner's plan, valid for seven days, with one record per operation and issue")
    func generation() async throws {
        let (preview, store, tenant) = try await samplePreview()
        #expect(preview.id == "preview-1")
        #expect(preview.expiresAt == previewNow.addingTimeInterval(7 * 86_400))
        let plan = try StandardSyncPlanner().plan(source: source, directory: tenant.snapshot, store: try await store.contents())
        #expect(preview.plan == plan)
        #expect(preview.records.count == plan.operations.count + plan.issues.count)
        #expect(preview.summary[.create] == plan.summary[.createUser] + plan.summary[.createGroup])
        #expect(preview.summary[.adopt] == plan.summary[.adoptUser] + plan.summary[.adoptGroup])
        #expect(preview.summary[.conflict] == plan.summary.conflicts)
        let adopt = try #require(preview.records.first { $0.action == .adopt })
        #expect(adopt.identityID != nil)
        #expect(!adopt.changes.isEmpty)
        #expect(adopt.attributes["email"] != nil)
        let membership = try #require(preview.records.first { $0.action == .addMember })
        #expect(membership.objectKind == .membership)
        #expect(membership.group != nil)
    }

    @Test("unchanged objects are listed only when asked")
    func unchanged() async throws {
        let (_, store, tenant) = try await samplePreview()
        try await sync(tenant.snapshot, store)
        let generator = PreviewGenerator(configuration: .init(includesUnchanged: true))
        let preview = try generator.makePreview(
            source: source, directory: tenant.snapshot, store: try await store.contents(), settings: SyncSettings(),
            sourceIsOn: false, now: previewNow)
        #expect(preview.plan.operations.isEmpty)
        #expect(preview.summary[.unchanged] == preview.plan.unchangedUsers + preview.plan.unchangedGroups)
        #expect(preview.records.allSatisfy { [.unchanged, .conflict, .warning].contains($0.action) })
        let quiet = try PreviewGenerator().makePreview(
            source: source, directory: tenant.snapshot, store: try await store.contents(), settings: SyncSettings(),
            sourceIsOn: false, now: previewNow)
        #expect(quiet.summary[.unchanged] == nil)
    }

    @Test("a source that is on cannot be previewed")
    func sourceOn() async throws {
        #expect(throws: PreviewError.sourceIsOn) {
            try PreviewGenerator().makePreview(
                source: source, directory: snapshot([]), store: IdentityStoreContents(), settings: SyncSettings(),
                sourceIsOn: true, now: previewNow)
        }
        #expect(PreviewError.sourceIsOn.fix.contains("Turn the source off"))
    }

    @Test("expired previews and previews older than the last synchronization are refused")
    func validity() async throws {
        let (preview, _, _) = try await samplePreview(users: 20)
        try preview.validate(at: previewNow.addingTimeInterval(7 * 86_400 - 1), lastSynchronization: previewNow.addingTimeInterval(-60))
        #expect(throws: PreviewError.expired(at: preview.expiresAt)) {
            try preview.validate(at: previewNow.addingTimeInterval(7 * 86_400), lastSynchronization: nil)
        }
        let later = previewNow.addingTimeInterval(3_600)
        #expect(throws: PreviewError.invalidatedBySynchronization(at: later)) { try preview.validate(at: later, lastSynchronization: later) }
    }

    @Test("the page view pages, filters by action, and refuses previews above the display limit")
    func pages() async throws {
        let (preview, _, _) = try await samplePreview()
        let total = preview.records.count
        let first = try preview.page(offset: 0, limit: 10)
        #expect(first.records.count == 10 && first.total == total && first.hasMore)
        let last = try preview.page(offset: total - 3, limit: 10)
        #expect(last.records.count == 3 && !last.hasMore)
        #expect(Array(preview.records[(total - 3)...]) == last.records)
        let creates = try preview.page(offset: 0, limit: 100_000, action: .create)
        #expect(creates.total == preview.summary[.create])
        #expect(creates.records.allSatisfy { $0.action == .create })
        #expect(try preview.page(offset: total + 5, limit: 5).records.isEmpty)
        #expect(throws: PreviewError.tooManyRecordsToDisplay(count: total, limit: 100)) { try preview.page(displayLimit: 100) }
        #expect(throws: PreviewError.invalidPage(offset: -1, limit: 5)) { try preview.page(offset: -1, limit: 5) }
        #expect(throws: PreviewError.invalidPage(offset: 0, limit: 0)) { try preview.page(offset: 0, limit: 0) }
        #expect(Preview.defaultDisplayLimit == 20_000)
    }
}

@Suite("Preview property: a preview equals what the synchronization applies (seeded)")
struct PreviewPropertyTests {
    @Test("every record of the preview is what applying the plan does to the store", arguments: Array(UInt64(1)...8))
    func previewEqualsApplied(seed: UInt64) async throws {
        let (_, store, tenant) = try await samplePreview(users: 150, seed: seed)
        var random = SeededRandomNumberGenerator(seed: seed)
        var mutator = TenantMutator(tenant)
        try await sync(tenant.snapshot, store)
        mutator.apply(steps: 20, using: &random)
        let before = try await store.contents()
        let next = try PreviewGenerator().makePreview(
            source: source, directory: mutator.tenant.snapshot, store: before, settings: SyncSettings(deletionGuard: .disabled),
            sourceIsOn: false, now: previewNow)
        let report = try await SyncExecutor().apply(next.plan, to: store)
        #expect(report.isSuccess)
        let after = try await store.contents()
        let usersAfter = Dictionary(grouping: after.users) { $0.origin.externalID ?? "" }
        let groupsAfter = Dictionary(grouping: after.groups) { $0.origin.externalID ?? "" }
        let idsAfter = Set(after.users.map(\.id)).union(after.groups.map(\.id))
        var expectedUserCount = before.users.count
        // Two-step changes (stepping aside, then taking a freed value) list both steps; the
        // store shows the last one.
        var final: [String: PreviewRecord] = [:]
        for record in next.records where record.objectKind != .membership && record.externalID != nil {
            final["\(record.objectKind)/\(record.externalID!)"] = record
        }
        for record in final.values {
            switch (record.action, record.objectKind) {
            case (.create, .user), (.adopt, .user), (.update, .user), (.disable, .user):
                let user = try #require(usersAfter[record.externalID!]?.first, "\(record.subject) missing")
                #expect(user.profile.name == record.attributes["name"])
                #expect(user.profile.email == record.attributes["email"])
                #expect(String(user.profile.isEnabled) == record.attributes["enabled"])
            case (.create, .group), (.adopt, .group), (.update, .group):
                #expect(groupsAfter[record.externalID!]?.first?.profile.name == record.attributes["name"])
            case (.remove, _):
                #expect(!idsAfter.contains(record.identityID!))
            default:
                break
            }
        }
        for record in next.records {
            switch record.action {
            case .create where record.objectKind == .user: expectedUserCount += 1
            case .remove where record.objectKind == .user: expectedUserCount -= 1
            case .addMember:
                let group = try #require(record.groupID.flatMap { id in after.groups.first { $0.id == id } } ?? after.groups.first { $0.profile.name == record.group })
                let user = try #require(record.identityID.flatMap { id in after.users.first { $0.id == id } } ?? after.users.first { $0.profile.email == record.subject || $0.profile.logins.contains(record.subject) })
                #expect(group.memberIDs.contains(user.id), "\(record.subject) not in \(record.group ?? "")")
            case .removeMember:
                if let group = after.groups.first(where: { $0.id == record.groupID }) {
                    #expect(!group.memberIDs.contains(record.identityID!))
                }
            default:
                break
            }
        }
        #expect(after.users.count == expectedUserCount)
        #expect(try await makePlan(mutator.tenant.snapshot, store, settings: SyncSettings(deletionGuard: .disabled)).isEmpty)
    }
}
