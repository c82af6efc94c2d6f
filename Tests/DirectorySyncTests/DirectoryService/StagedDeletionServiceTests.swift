import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// "Removal pending until …" wherever the service shows a source's work: status, previews, run
/// reports, explanations and runs for one user.
@Suite("DirectoryService: staged deletion shows what is pending")
struct StagedDeletionServiceTests {
    static let grace: TimeInterval = 7 * 86_400
    static let staged = SyncSettings(outOfScope: .disableThenRemove(after: .seconds(7 * 86_400)), deletionGuard: .disabled)

    /// A ready source under staged deletion, synchronized once, then one user deleted in Entra and
    /// another run made: the user's removal is pending.
    static func pendingUser() async throws -> (ServiceHarness, SourceID, DirectoryUser, left: Date) {
        let harness = try await ServiceHarness(users: 20)
        let id = try await harness.readySource().id
        try await harness.service.setSettings(id, staged)
        _ = try await harness.service.synchronize(id)
        let directory = try #require(harness.directories["contoso.com"])
        let gone = try #require(try await directory.read(filter: .all).users.first { $0.primaryEmail != nil })
        directory.removeUser(id: gone.id)
        harness.clock.advance(by: 3_600)
        let left = harness.clock.now
        let record = try await harness.service.synchronize(id)
        #expect(record.outcome == .succeeded)
        #expect(record.summary.issues[.removalPending] == 1)
        #expect(record.summary[.disableUser] == 1)
        return (harness, id, gone, left)
    }

    @Test("status: how many removals are pending and when the first is due; none once it is removed")
    func status() async throws {
        let (harness, id, _, left) = try await Self.pendingUser()
        let status = try await harness.service.status(id)
        #expect(status.pendingRemovals == SourceStatus.PendingRemovals(users: 1, groups: 0, earliestUntil: left.addingTimeInterval(Self.grace)))
        let json = String(decoding: try JSONEncoder.deterministic().encode(status), as: UTF8.self)
        #expect(json.contains(#""pendingRemovals":{"earliestUntil":"2026-09-28T15:13:20Z","groups":0,"users":1}"#), "\(json)")
        harness.clock.advance(by: Self.grace)
        #expect(try await harness.service.status(id).pendingRemovals == nil, "due: the next run removes it")
        _ = try await harness.service.synchronize(id)
        #expect(try await harness.service.status(id).pendingRemovals == nil)
        try await harness.service.setSettings(id, SyncSettings())
        #expect(try await harness.service.status(id).pendingRemovals == nil, "other policies show none")
        let plain = String(decoding: try JSONEncoder.deterministic().encode(try await harness.service.status(id)), as: UTF8.self)
        #expect(!plain.contains("pendingRemovals"))
    }

    @Test("run reports: the disable with its reason, and a removalPending record with its date, read back from the saved form")
    func report() async throws {
        let (harness, id, gone, left) = try await Self.pendingUser()
        let records = try await harness.service.report(id, limit: 100).records
        let disable = try #require(records.first { $0.record.action == .disable })
        #expect(disable.record.code == "removalPending" && disable.outcome == .applied)
        #expect(disable.record.reason == SyncReason.removalPending.explanation)
        let pending = try #require(records.first { $0.record.action == .warning && $0.record.code == "removalPending" })
        #expect(pending.record.externalID == gone.id && pending.outcome == .reported)
        #expect(pending.record.removalPendingUntil == left.addingTimeInterval(Self.grace))
        #expect(pending.record.reason.contains("is removed on 2026-09-28T15:13:20Z unless it returns"))
        let json = String(decoding: try JSONEncoder.deterministic().encode(pending), as: UTF8.self)
        #expect(json.contains(#""removalPendingUntil":"2026-09-28T15:13:20Z""#))
        // The run at the end of the grace says why it removed.
        harness.clock.advance(by: Self.grace)
        _ = try await harness.service.synchronize(id)
        let removal = try await harness.service.report(id, limit: 100).records
        #expect(removal.map(\.record.code) == ["gracePeriodEnded"])
    }

    @Test("previews show each pending removal's date as the next synchronization would")
    func preview() async throws {
        let (harness, id, gone, left) = try await Self.pendingUser()
        try await harness.service.turnOff(id)
        harness.clock.advance(by: 86_400)
        let preview = try await harness.service.preview(id)
        let pending = preview.records.filter { $0.code == "removalPending" }
        #expect(pending.count == 1)
        #expect(pending.first?.externalID == gone.id && pending.first?.removalPendingUntil == left.addingTimeInterval(Self.grace))
        #expect(preview.plan.pendingRemovals.map(\.since) == [left])
        var sink = DataSink()
        try JSONPreviewExporter().export(preview, to: &sink)
        #expect(String(decoding: sink.data, as: UTF8.self).contains(#""removalPendingUntil":"2026-09-28T15:13:20Z""#))
        let validator = try JSONSchemaValidator(file: repositoryRoot.appendingPathComponent("Documentation/preview.schema.json"))
        #expect(validator.validate(try JSONValue.parse(sink.data)) == [])
        // The kept preview reads back with it.
        #expect(try await harness.service.storedPreview(id)?.records.contains { $0.removalPendingUntil != nil } == true)
    }

    @Test("a kept preview is valid until the earlier of its usual expiry and its first removal deadline (it never hides a removal already due)")
    func previewExpiresAtFirstDeadline() async throws {
        let (harness, id, _, left) = try await Self.pendingUser()
        try await harness.service.turnOff(id)
        harness.clock.advance(by: 86_400)
        let deadline = left.addingTimeInterval(Self.grace)
        let preview = try await harness.service.preview(id)
        #expect(preview.expiresAt == deadline, "a day before the usual seven")
        harness.clock.advance(by: deadline.timeIntervalSince(harness.clock.now) - 1)
        #expect(try await harness.service.storedPreview(id) != nil)
        harness.clock.advance(by: 1)
        #expect(try await harness.service.storedPreview(id) == nil, "the removal is due: a new preview shows it")
        let expired = #expect(throws: PreviewError.self) { try preview.validate(at: harness.clock.now, lastSynchronization: nil) }
        #expect(expired?.code == .expired)
        let fresh = try await harness.service.preview(id)
        #expect(fresh.records.contains { $0.action == .remove }, "the new preview removes it")
        #expect(fresh.expiresAt == harness.clock.now.addingTimeInterval(Self.grace), "nothing pending: the usual validity")
    }

    @Test("a user synchronized on demand after leaving the scope is disabled and pending, with the date whole runs then keep")
    func onDemand() async throws {
        let harness = try await ServiceHarness(users: 20)
        let id = try await harness.readySource().id
        try await harness.service.setSettings(id, Self.staged)
        _ = try await harness.service.synchronize(id)
        let directory = try #require(harness.directories["contoso.com"])
        let gone = try #require(try await directory.read(filter: .all).users.first { $0.primaryEmail != nil })
        directory.removeUser(id: gone.id)
        harness.clock.advance(by: 600)
        let left = harness.clock.now
        let record = try await harness.service.synchronize(id, user: gone.primaryEmail!)
        #expect(record.summary[.disableUser] == 1 && record.summary.issues[.removalPending] == 1)
        #expect(try await harness.service.status(id).pendingRemovals?.earliestUntil == left.addingTimeInterval(Self.grace))
        harness.clock.advance(by: 86_400)
        let whole = try await harness.service.synchronize(id)
        #expect(whole.summary.operations.isEmpty, "already disabled, still pending")
        #expect(try await harness.service.status(id).pendingRemovals?.earliestUntil == left.addingTimeInterval(Self.grace))
    }

    @Test("an on-demand run dates no removal for a related user it leaves alone; the entries pending before stay as they were")
    func onDemandLeavesRelatedUsers() async throws {
        let (harness, id, earlier, firstLeft) = try await Self.pendingUser()
        let directory = try #require(harness.directories["contoso.com"])
        // A user deleted in Entra whose address a new user takes: the new user's run reads the old
        // one (it holds the address) and finds it out of scope, but neither disables nor dates it.
        let related = try #require(try await directory.read(filter: .all).users.first { $0.primaryEmail != nil && $0.accountEnabled && $0.id != earlier.id })
        directory.removeUser(id: related.id)
        directory.upsert(user("new-holder", related.primaryEmail!))
        harness.clock.advance(by: 3_600)
        let key = StateKey(id, "pending-removals")
        let before = try #require(try await harness.state.load([PendingRemoval].self, for: key))
        #expect(before.map(\.externalID) == [earlier.id] && before.map(\.since) == [firstLeft])
        let record = try await harness.service.synchronize(id, user: "new-holder")
        #expect(record.summary[.disableUser] == 0, "the related user is the next whole run's")
        #expect(try await harness.state.load([PendingRemoval].self, for: key) == before, "only the target's own entries may change")
        #expect(try await harness.service.status(id).pendingRemovals?.users == 1)
        // The next whole run disables it and dates it then.
        harness.clock.advance(by: 3_600)
        let whole = try await harness.service.synchronize(id)
        #expect(whole.summary[.disableUser] == 1 && whole.summary.issues[.removalPending] == 2)
        let after = try #require(try await harness.state.load([PendingRemoval].self, for: key))
        #expect(after.first { $0.externalID == related.id }?.since == harness.clock.now)
        #expect(after.first { $0.externalID == earlier.id }?.since == firstLeft)
    }

    @Test("an on-demand run keeps the entry of a related user that returned: the next whole run enables it as returned")
    func onDemandKeepsReturnedRelatedUser() async throws {
        let (harness, id, returning, _) = try await Self.pendingUser()
        let directory = try #require(harness.directories["contoso.com"])
        // The pending user returns, and a new user gives its address as an alias: the new user's
        // run reads the returning one but leaves it to the next whole run.
        directory.upsert(returning)
        directory.upsert(user("alias-holder", "alias-holder@contoso.com", aliases: [returning.primaryEmail!]))
        harness.clock.advance(by: 3_600)
        let key = StateKey(id, "pending-removals")
        let before = try #require(try await harness.state.load([PendingRemoval].self, for: key))
        let record = try await harness.service.synchronize(id, user: "alias-holder")
        #expect(record.summary[.updateUser] == 0, "the returning user is the next whole run's")
        #expect(try await harness.state.load([PendingRemoval].self, for: key) == before, "only the target's own entries may change")
        let whole = try await harness.service.synchronize(id)
        #expect(whole.summary[.updateUser] == 1)
        #expect(try await harness.service.report(id, limit: 100).records.contains { $0.record.code == "returnedInScope" && $0.record.externalID == returning.id })
        #expect(try await harness.state.data(for: key) == nil)
    }

    @Test("setSettings refuses a grace outside 0 to 10 years, so the saved settings always read back", arguments: [Int64(-5), 3_650 * 86_400 + 1, .max])
    func graceRange(seconds: Int64) async throws {
        let harness = try await ServiceHarness(users: 2)
        let id = try await harness.readySource().id
        let error = await #expect(throws: DirectoryServiceError.self) {
            try await harness.service.setSettings(id, SyncSettings(outOfScope: .disableThenRemove(after: .seconds(seconds))))
        }
        #expect(error?.code == .invalidInput && error?.detail.contains("outside 0 seconds to 10 years") == true, "\(String(describing: error))")
        #expect(try await harness.service.source(id).settings == SyncSettings())
        for grace in [Duration.zero, SyncSettings.OutOfScopeAction.maximumGrace] {
            try await harness.service.setSettings(id, SyncSettings(outOfScope: .disableThenRemove(after: grace)))
            #expect(try await harness.service.source(id).settings.outOfScope.grace == grace)
        }
    }

    @Test("saved sources whose grace was edited out of range do not open, with an error naming the field and the range", arguments: ["1e30", "-5"])
    func damagedGrace(seconds: String) async throws {
        let harness = try await ServiceHarness(users: 2)
        let id = try await harness.readySource().id
        try await harness.service.setSettings(id, Self.staged)
        let key = StateKey.service("sources")
        let saved = String(decoding: try #require(try await harness.state.data(for: key)), as: UTF8.self)
        let edited = saved.replacingOccurrences(of: #""removalGraceSeconds":604800"#, with: #""removalGraceSeconds":\#(seconds)"#)
        #expect(edited != saved)
        try await harness.state.setData(Data(edited.utf8), for: key)
        let error = await #expect(throws: SyncStateError.self) {
            _ = try await DirectoryService.open(store: harness.store, state: harness.state, secrets: harness.secrets, connector: harness.connector)
        }
        #expect(error?.code == .unreadable)
        #expect("\(String(describing: error))".contains("outside 0 seconds to 10 years"), "\(String(describing: error))")
    }

    @Test("switching to another policy and back before any run keeps every date; a run under the other policy forgets them")
    func switchBack() async throws {
        let (harness, id, _, left) = try await Self.pendingUser()
        let until = left.addingTimeInterval(Self.grace)
        try await harness.service.setSettings(id, SyncSettings(outOfScope: .never, deletionGuard: .disabled))
        #expect(try await harness.service.status(id).pendingRemovals == nil, "nothing is pending under never")
        try await harness.service.setSettings(id, Self.staged)
        #expect(try await harness.service.status(id).pendingRemovals?.earliestUntil == until, "no run in between: the date stands")
        harness.clock.advance(by: 3_600)
        let again = try await harness.service.synchronize(id)
        #expect(again.summary.operations.isEmpty && again.summary.issues[.removalPending] == 1)
        #expect(try await harness.service.status(id).pendingRemovals?.earliestUntil == until)
        // A run under never forgets the dates: back under staged deletion, the grace starts afresh.
        try await harness.service.setSettings(id, SyncSettings(outOfScope: .never, deletionGuard: .disabled))
        _ = try await harness.service.synchronize(id)
        #expect(try await harness.state.data(for: StateKey(id, "pending-removals")) == nil)
        try await harness.service.setSettings(id, Self.staged)
        harness.clock.advance(by: 3_600)
        _ = try await harness.service.synchronize(id)
        #expect(try await harness.service.status(id).pendingRemovals?.earliestUntil == harness.clock.now.addingTimeInterval(Self.grace))
    }

    @Test("explain names the pending removal and its date")
    func explain() async throws {
        let fixture = try await ExplainFixture(users: [user("u1", "gone@contoso.com"), user("u2", "stays@contoso.com")], settings: Self.staged)
        _ = try await fixture.service.synchronize(fixture.id)
        fixture.directory.removeUser(id: "u1")
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let before = try await fixture.explain(user: "gone@contoso.com")
        #expect(before.action == .disable)
        #expect(before.records.contains { $0.code == "removalPending" && $0.removalPendingUntil == now.addingTimeInterval(Self.grace) })
        _ = try await fixture.service.synchronize(fixture.id)
        let after = try await fixture.explain(user: "gone@contoso.com")
        #expect(after.action == nil, "nothing left to do until the grace ends")
        #expect(after.records.map(\.code) == ["removalPending"])
        #expect(after.records.first?.removalPendingUntil == now.addingTimeInterval(Self.grace))
    }

    @Test("a damaged pending-removals document: runs refuse to plan (nothing lost), status still shows the source, its quarantine and the document as a warning")
    func damagedPendingRemovals() async throws {
        let (harness, id, _, _) = try await Self.pendingUser()
        let key = StateKey(id, "pending-removals")
        let saved = try #require(try await harness.state.data(for: key))
        try await harness.state.setData(saved.prefix(saved.count / 2), for: key)
        for _ in 0..<3 {
            let record = try await harness.service.synchronize(id)
            guard case .failed = record.outcome else { Issue.record("\(record.outcome)"); continue }
        }
        #expect(try await harness.state.data(for: key) == saved.prefix(saved.count / 2), "nothing rewritten")
        let status = try await harness.service.status(id)
        #expect(status.source.state == .quarantined)
        #expect(status.quarantine != nil)
        #expect(status.pendingRemovals == nil, "not known")
        let warning = try #require(status.warnings.first { $0.code == "pendingRemovalsUnreadable" }, "\(status.warnings)")
        #expect(warning.description.hasPrefix("The removals pending under staged deletion cannot be read, so runs stop before they plan (nothing is removed meanwhile): unreadable: The state '\(id)/pending-removals' cannot be read"), "\(warning)")
        let json = String(decoding: try JSONEncoder.deterministic().encode(status), as: UTF8.self)
        #expect(json.contains(#""code":"pendingRemovalsUnreadable","detail":"unreadable: The state '\#(id)/pending-removals' cannot be read"#), "\(json)")
        #expect(try JSONDecoder.deterministic().decode(SourceStatus.self, from: Data(json.utf8)).warnings == status.warnings)
    }

    @Test("removing the source removes its pending removals")
    func removeSource() async throws {
        let (harness, id, _, _) = try await Self.pendingUser()
        #expect(try await harness.state.data(for: StateKey(id, "pending-removals")) != nil)
        try await harness.service.turnOff(id)
        try await harness.service.removeSource(id)
        #expect(try await harness.state.data(for: StateKey(id, "pending-removals")) == nil)
    }
}

@Suite("Staged deletion: the documents that show it")
struct StagedDeletionJSONTests {
    @Test("a pending removal's JSON, and the status summary's")
    func pins() throws {
        let date = Date(timeIntervalSince1970: 1_790_604_800)
        let entry = PendingRemoval(objectKind: .group, identityID: "group-3", externalID: "e-3", since: date)
        #expect(String(decoding: try JSONEncoder.deterministic().encode(entry), as: UTF8.self)
            == #"{"externalID":"e-3","identityID":"group-3","objectKind":"group","since":"2026-09-28T14:13:20Z"}"#)
        #expect(try JSONDecoder.deterministic().decode(PendingRemoval.self, from: try JSONEncoder.deterministic().encode(entry)) == entry)
        let summary = SourceStatus.PendingRemovals(users: 2, groups: 1, earliestUntil: date)
        #expect(String(decoding: try JSONEncoder.deterministic().encode(summary), as: UTF8.self)
            == #"{"earliestUntil":"2026-09-28T14:13:20Z","groups":1,"users":2}"#)
        let grace: Duration = .seconds(86_400)
        let entries = [entry, PendingRemoval(objectKind: .user, identityID: "user-1", externalID: "e-1", since: date.addingTimeInterval(-3_600)),
                       PendingRemoval(objectKind: .user, identityID: "user-2", externalID: "e-2", since: date.addingTimeInterval(-90_000))]
        #expect(SourceStatus.PendingRemovals(entries, grace: grace, now: date)
            == SourceStatus.PendingRemovals(users: 1, groups: 1, earliestUntil: date.addingTimeInterval(86_400 - 3_600)), "the one past its grace is not pending")
        #expect(SourceStatus.PendingRemovals([], grace: grace, now: date) == nil)
    }

    @Test("a plan with pending removals round-trips; one saved without the field reads as none")
    func planField() throws {
        let entry = PendingRemoval(objectKind: .user, identityID: "user-1", externalID: "e-1", since: Date(timeIntervalSince1970: 1_790_000_000.5))
        let plan = SyncPlan(sourceID: "contoso", pendingRemovals: [entry])
        let encoded = try JSONEncoder.deterministic(fractionalSeconds: true).encode(plan)
        #expect(try JSONDecoder.deterministic().decode(SyncPlan.self, from: encoded) == plan)
        let empty = String(decoding: try JSONEncoder.deterministic().encode(SyncPlan(sourceID: "contoso")), as: UTF8.self)
        #expect(!empty.contains("pendingRemovals"))
        #expect(try JSONDecoder.deterministic().decode(SyncPlan.self, from: Data(empty.utf8)) == SyncPlan(sourceID: "contoso"))
    }

    @Test("the saved report form keeps removalPendingUntil; reports saved before it (nine fields before the lists) still read")
    func savedForm() async throws {
        let until = Date(timeIntervalSince1970: 1_790_604_800.25)
        let records = [
            RunReportRecord(
                PreviewRecord(action: .warning, objectKind: .user, subject: "b@contoso.com", externalID: "e-2", identityID: "user-2", code: "removalPending",
                    reason: "It left the scope on …", removalPendingUntil: until), outcome: .reported),
            RunReportRecord(
                PreviewRecord(action: .disable, objectKind: .user, subject: "b@contoso.com", externalID: "e-2", identityID: "user-2", attributes: ["enabled": "false"],
                    code: "removalPending", reason: SyncReason.removalPending.explanation), outcome: .applied),
            RunReportRecord(
                PreviewRecord(action: .update, objectKind: .user, subject: "c@contoso.com", externalID: "e-3", identityID: "user-3", attributes: ["name": "C"],
                    changes: [FieldChange(field: "name", old: nil, new: "C")], code: "attributesChanged", reason: SyncReason.attributesChanged.explanation),
                outcome: .applied),
        ]
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention())
        try await shelf.save(records, run: "r")
        var read: [RunReportRecord] = []
        for try await record in shelf.records(of: try #require(try await shelf.entries().first)) { read.append(record) }
        #expect(read == records)
        // The same report as the version before wrote it: no tenth field.
        let key = StateKey("contoso", "report-r-0")
        let bytes = String(decoding: try #require(try await state.data(for: key)), as: UTF8.self)
        let former = bytes.replacingOccurrences(of: ",null,[", with: ",[")
        #expect(former != bytes)
        try await state.setData(Data(former.utf8), for: key)
        read = []
        for try await record in shelf.records(of: try #require(try await shelf.entries().first)) { read.append(record) }
        #expect(read == records)
    }
}
