import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A service over a fault-injecting in-memory store, with one tenant ready to connect.
struct ReportHarness {
    static let secret = "Sup3r~Secret.Value-for-tests"
    static let clientID = "00000000-0000-4000-8000-0000000000aa"
    let store = FaultInjectingIdentityStore(InMemoryIdentityStore())
    let directory: InMemoryDirectoryProvider
    let tenant: GeneratedTenant
    let service: DirectoryService
    let state: any SyncStateStore

    init(users: Int = 60, seed: UInt64 = 1, configuration: DirectoryService.Configuration = .init(), state: any SyncStateStore = InMemorySyncStateStore()) async throws {
        tenant = TenantGenerator(configuration: .init(users: users, groups: max(2, users / 10), seed: seed)).generate()
        directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
        let connector = InMemoryDirectoryConnector()
        connector.register(tenant: "contoso.com", clientID: Self.clientID, secret: Self.secret, domains: ["contoso.com"], directory: directory)
        self.state = state
        service = try await DirectoryService.open(
            store: store, state: state, secrets: InMemorySecretStore(), connector: connector, configuration: configuration)
    }

    func readySource() async throws -> SourceID {
        let sources = await service.allSources()
        if let existing = sources.first { return existing.id }
        let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
        try await service.setCredentials(source.id, SourceCredentials(clientID: Self.clientID, tenant: "contoso.com"), secret: Secret(Self.secret))
        _ = try await service.testConnection(source.id)
        try await service.turnOn(source.id)
        return source.id
    }

    func allRecords(_ id: SourceID, run: String? = nil) async throws -> [RunReportRecord] {
        try await service.report(id, run: run, limit: Int.max).records
    }
}

@Suite("Run reports: what each run did to each object, and why")
struct RunReportTests {
    @Test("a report lists every planned operation with its outcome, failures with the store's cause (seeded)", arguments: Array(UInt64(1)...4))
    func outcomesMatchTheStore(seed: UInt64) async throws {
        let harness = try await ReportHarness(users: 50, seed: seed)
        let id = try await harness.readySource()
        let failing = Int(seed % 5) + 3
        harness.store.failWrites(where: { kind, number in kind == .createUser && number % failing == 1 }, with: IdentityStoreError(.forbidden, detail: "injected refusal"))
        let run = try await harness.service.synchronize(id)
        #expect(run.outcome == .partiallyFailed)
        let records = try await harness.allRecords(id)
        let contents = try await harness.store.base.contents()
        let stored = Set(contents.users.compactMap(\.origin.externalID))
        #expect(records.count { $0.outcome == .applied } == run.succeeded)
        #expect(records.count { $0.outcome == .failed || $0.outcome == .notAttempted } == run.failed)
        #expect(records.count { $0.outcome == .reported } == run.summary.conflicts + run.summary.skipped + run.summary.warnings)
        #expect(records.count { $0.outcome != .reported } == run.summary.operations.values.reduce(0, +))
        let createdUsers = records.filter { $0.record.action == .create && $0.record.objectKind == .user }
        #expect(!createdUsers.isEmpty)
        for record in createdUsers {
            let externalID = try #require(record.record.externalID)
            switch record.outcome {
            case .applied: #expect(stored.contains(externalID), "\(record.record.subject) applied but not stored")
            case .failed:
                #expect(!stored.contains(externalID))
                #expect(record.errorCode == "forbidden")
                #expect(record.error?.contains("injected refusal") == true)
            default: Issue.record("a creation was \(record.outcome)")
            }
        }
        #expect(createdUsers.contains { $0.outcome == .failed })
        // A membership of a user whose creation failed was never attempted, and says why.
        #expect(records.filter { $0.outcome == .notAttempted }.allSatisfy { $0.error?.isEmpty == false })
    }

    @Test("a run stopped by the deletion guard reports every planned operation as held back; confirming applies them")
    func heldBack() async throws {
        let harness = try await ReportHarness(users: 40)
        let id = try await harness.readySource()
        _ = try await harness.service.synchronize(id)
        for user in harness.tenant.users.prefix(30) { harness.directory.removeUser(id: user.id) }
        let stopped = try await harness.service.synchronize(id)
        guard case .needsConfirmation = stopped.outcome else { Issue.record("\(stopped.outcome)"); return }
        let held = try await harness.allRecords(id)
        #expect(held.contains { $0.record.action == .remove })
        #expect(held.filter { $0.outcome != .reported }.allSatisfy { $0.outcome == .heldBack })
        #expect(stopped.summary.operations[.removeUser] == 30)
        let confirmed = try await harness.service.confirmRemovals(id)
        #expect(confirmed.isSuccess)
        let applied = try await harness.allRecords(id, run: confirmed.id)
        #expect(applied.count { $0.record.action == .remove && $0.record.objectKind == .user && $0.outcome == .applied } == 30)
        // The held-back report is still there, by its run id.
        #expect(try await harness.allRecords(id, run: stopped.id) == held)
    }

    @Test("pages and filters: by action, outcome, object kind and subject; counts of matching and all records")
    func pagesAndFilters() async throws {
        let harness = try await ReportHarness(users: 80)
        let id = try await harness.readySource()
        let run = try await harness.service.synchronize(id)
        let all = try await harness.allRecords(id)
        let first = try await harness.service.report(id, offset: 0, limit: 10)
        #expect(first.run.id == run.id)
        #expect(first.records == Array(all.prefix(10)))
        #expect(first.total == all.count)
        #expect(first.matching == all.count)
        let second = try await harness.service.report(id, offset: 10, limit: 10)
        #expect(second.records == Array(all.dropFirst(10).prefix(10)))
        let users = try await harness.service.report(id, filter: RunReportFilter(actions: [.create], objectKinds: [.user]), limit: Int.max)
        #expect(users.records == all.filter { $0.record.action == .create && $0.record.objectKind == .user })
        #expect(users.matching == users.records.count)
        let someone = try #require(users.records.first?.record.subject)
        let needle = String(someone.prefix(5)).uppercased()
        let found = try await harness.service.report(id, filter: RunReportFilter(subjectContains: needle), limit: Int.max)
        #expect(!found.records.isEmpty)
        #expect(found.records.allSatisfy { $0.record.subject.lowercased().contains(needle.lowercased()) })
        let applied = try await harness.service.report(id, filter: RunReportFilter(outcomes: [.applied]), limit: 1)
        #expect(applied.matching == run.succeeded)
        await #expect(throws: DirectoryServiceError.self) { try await harness.service.report(id, offset: -1) }
        await #expect(throws: DirectoryServiceError.self) { try await harness.service.report(id, run: "no-such-run") }
    }

    @Test("a report of many parts reads back whole and in order; pages across parts agree with the whole")
    func manyParts() async throws {
        let harness = try await ReportHarness(users: 300, configuration: .init(reports: RunReportRetention(recordsPerPart: 97)))
        let id = try await harness.readySource()
        let run = try await harness.service.synchronize(id)
        let (_, stream) = try await harness.service.reportRecords(id)
        var all: [RunReportRecord] = []
        for try await record in stream { all.append(record) }
        #expect(all.count > 97 * 3)
        #expect(all.count == run.summary.operations.values.reduce(0, +) + run.summary.conflicts + run.summary.skipped + run.summary.warnings)
        for (offset, limit) in [(0, 10), (90, 20), (97, 97), (250, 500), (all.count - 1, 5), (all.count, 5)] {
            let page = try await harness.service.report(id, offset: offset, limit: limit)
            #expect(page.records == Array(all.dropFirst(offset).prefix(limit)), "offset \(offset), limit \(limit)")
            #expect(page.matching == all.count)
        }
        let failedOnly = try await harness.service.report(id, filter: RunReportFilter(outcomes: [.applied]), offset: 150, limit: 60)
        #expect(failedOnly.records == Array(all.filter { $0.outcome == .applied }.dropFirst(150).prefix(60)))
    }

    @Test("retention: the last N reports within the byte budget, oldest dropped first, their parts removed")
    func retention() async throws {
        let state = InMemorySyncStateStore()
        let harness = try await ReportHarness(users: 30, configuration: .init(reports: RunReportRetention(maximumReports: 3)), state: state)
        let id = try await harness.readySource()
        var runs: [RunRecord] = []
        for _ in 0..<5 { runs.append(try await harness.service.synchronize(id)) }
        for run in runs.suffix(3) { _ = try await harness.service.report(id, run: run.id) }
        for run in runs.prefix(2) {
            await #expect(throws: DirectoryServiceError.self) { try await harness.service.report(id, run: run.id) }
            #expect(try await state.data(for: StateKey(id, "report-\(run.id)-0")) == nil)
        }
        // Turned off: nothing is written, and asking says so.
        let off = InMemorySyncStateStore()
        let none = try await ReportHarness(users: 30, configuration: .init(reports: RunReportRetention(maximumReports: 0)), state: off)
        let noneID = try await none.readySource()
        let unreported = try await none.service.synchronize(noneID)
        #expect(unreported.isSuccess)
        #expect(try await off.data(for: StateKey(noneID, "reports")) == nil)
        await #expect(throws: DirectoryServiceError.self) { try await none.service.report(noneID) }
        // A budget smaller than one report keeps only the newest.
        let tight = try await ReportHarness(users: 30, configuration: .init(reports: RunReportRetention(maximumBytes: 1)))
        let tightID = try await tight.readySource()
        let older = try await tight.service.synchronize(tightID)
        let newer = try await tight.service.synchronize(tightID)
        _ = try await tight.service.report(tightID, run: newer.id)
        await #expect(throws: DirectoryServiceError.self) { try await tight.service.report(tightID, run: older.id) }
    }

    @Test("a report survives a restart (file state store)")
    func survivesRestart() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try await ReportHarness(users: 30, state: try FileSyncStateStore(folder: folder))
        let id = try await first.readySource()
        let run = try await first.service.synchronize(id)
        let before = try await first.allRecords(id)
        let again = try await ReportHarness(users: 30, state: try FileSyncStateStore(folder: folder))
        #expect(try await again.service.report(id, run: run.id, limit: Int.max).records == before)
    }

    @Test("a record's JSON is the preview record's fields plus its outcome")
    func json() throws {
        let record = RunReportRecord(
            PreviewRecord(action: .create, objectKind: .user, subject: "ada@contoso.com", externalID: "e-1", code: "newInScope", reason: "new in scope"),
            outcome: .failed, errorCode: "forbidden", error: "refused")
        let text = String(decoding: try JSONEncoder.deterministic().encode(record), as: UTF8.self)
        #expect(text == #"{"action":"create","attributes":{},"changes":[],"code":"newInScope","error":"refused","errorCode":"forbidden","externalID":"e-1","objectKind":"user","outcome":"failed","reason":"new in scope","subject":"ada@contoso.com"}"#)
        #expect(try JSONDecoder.deterministic().decode(RunReportRecord.self, from: Data(text.utf8)) == record)
    }

    @Test("the saved form keeps a reason that differs from its code's sentence, whatever record came before, and attribute names in any place")
    func savedReasonsAndNames() async throws {
        let own = SyncReason.newInScope.explanation
        func record(_ reason: String, code: String = SyncReason.newInScope.rawValue, attributes: [String: String] = [:]) -> RunReportRecord {
            RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "ada@contoso.com", attributes: attributes, code: code, reason: reason), outcome: .applied)
        }
        // Ten names, more than the writer compares in place; sets that shift names to other places.
        let many = Dictionary(uniqueKeysWithValues: (0..<10).map { ("name\($0)", "value \($0)") })
        let originals = [
            record(own), record("a sentence of its own"), record(own), record("another"), record("another"), record(own),
            record("no sentence for this code", code: "notACode"), record(own, attributes: many),
            record(own, attributes: ["email": "a@contoso.com", "name": "Ada"]), record(own, attributes: ["name": "Ada"]),
            record(own, attributes: ["aliases": "x@contoso.com", "name": "Ada"]), record(own, attributes: many.filter { $0.key != "name3" }),
        ]
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention(recordsPerPart: 5))
        try await shelf.save(originals, run: "run-1")
        let entry = try #require(try await shelf.entries().first)
        var read: [RunReportRecord] = []
        for try await record in shelf.records(of: entry) { read.append(record) }
        #expect(read == originals)
        let strings = try #require(try await state.data(for: StateKey("contoso", "report-run-1-0-strings")))
        #expect(!String(decoding: strings, as: UTF8.self).contains(own), "a reason its code gives back is left out")
    }

    @Test("the saved form reads back exactly what was saved, across parts; it leaves out only what it can rebuild")
    func savedForm() async throws {
        let tenant = TenantGenerator(configuration: .init(users: 300, groups: 30, seed: 5, duplicateEmailPairs: 2)).generate()
        let store = InMemoryIdentityStore()
        for profile in tenant.manualUsers(matchingByEmail: 5, matchingByLogin: 3, unmatched: 2, seed: 5) { _ = try await store.createUser(profile, origin: .manual) }
        let plan = try StandardSyncPlanner().plan(source: "contoso", directory: tenant.snapshot, store: try await store.contents())
        let outcomes = plan.operations.indices.map { index -> SyncOperationResult.Outcome in
            index % 11 == 3 ? .failed(code: .addressInUse, message: "held by u\(index)") : index % 13 == 5 ? .skipped("a dependency failed") : .succeeded
        }
        let originals = Array(RunReportRecord.records(plan: plan, outcomes: outcomes, heldBack: false))
        #expect(originals.contains { $0.record.action == .conflict } && originals.contains { $0.outcome == .failed } && originals.contains { !$0.record.changes.isEmpty || !$0.record.attributes.isEmpty })
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention(recordsPerPart: 500))
        try await shelf.save(originals, run: "run-1")
        let entry = try #require(try await shelf.entries().first)
        #expect(entry.records == originals.count)
        var read: [RunReportRecord] = []
        for try await record in shelf.records(of: entry) { read.append(record) }
        #expect(read == originals)
        let bytes = try #require(try await state.data(for: StateKey("contoso", "report-run-1-0")))
        #expect(!String(decoding: bytes, as: UTF8.self).contains("in scope and not in the store"), "a reason its code gives back is left out")
        // Every string once: a membership record is a handful of numbers.
        let memberships = originals.count { $0.record.objectKind == .membership }
        #expect(memberships > 500)
        #expect(entry.bytes / originals.count < 80, "\(entry.bytes / originals.count) bytes per record")
    }

    @Test("reports saved before saved form 2 (one JSON object per record) still read")
    func formerSavedForm() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention())
        let records = [
            RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a@contoso.com", externalID: "x1", attributes: ["name": "A"], code: "newInScope", reason: "in scope and not in the store"), outcome: .applied),
            RunReportRecord(PreviewRecord(action: .addMember, objectKind: .membership, subject: "a@contoso.com", group: "Sales", code: "memberInDirectory", reason: "member in the directory"), outcome: .failed, errorCode: "notFound", error: "gone"),
        ]
        try await state.save(records, for: StateKey("contoso", "report-old-0"))
        try await state.setData(
            Data(#"{"formatVersion":2,"value":[{"bytes":100,"complete":true,"parts":1,"records":2,"recordsPerPart":20000,"run":"old"}]}"#.utf8),
            for: StateKey("contoso", "reports"))
        let entry = try #require(try await shelf.entries().first)
        #expect(entry.format == nil)
        var read: [RunReportRecord] = []
        for try await record in shelf.records(of: entry) { read.append(record) }
        #expect(read == records)
    }

    @Test("an index that counts more or fewer records than the parts hold is an unreadable report")
    func indexCountMismatch() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention())
        let record = RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a", code: "newInScope", reason: "in scope and not in the store"), outcome: .applied)
        for claimed in [1, 3] {
            try await shelf.save([record, record], run: "r")
            let index = try #require(try await state.data(for: StateKey("contoso", "reports")))
            let text = String(decoding: index, as: UTF8.self).replacingOccurrences(of: #""records":2"#, with: #""records":\#(claimed)"#)
            try await state.setData(Data(text.utf8), for: StateKey("contoso", "reports"))
            let entry = try #require(try await shelf.entries().last)
            #expect(entry.records == claimed)
            await #expect(throws: SyncStateError.self) { for try await _ in shelf.records(of: entry) {} }
        }
    }

    @Test("a damaged part, or outcomes that do not match its records, is an unreadable report — never a crash or wrong records")
    func damagedSavedForm() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention())
        let record = RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a", code: "newInScope", reason: "in scope and not in the store"), outcome: .applied)
        let damages: [(String, String)] = [
            ("report-r-0", #"{"formatVersion":2,"value":[[0,1,2,null,3],[0,1"#), ("report-r-0", #"{"formatVersion":2,"value":[[0,1,999,null,3]]}"#),
            ("report-r-0", #"{"formatVersion":2,"value":[[7,7,7,7,7]]}"#), ("report-r-outcomes", #"{"formatVersion":2,"value":[0,0,0]}"#),
            ("report-r-outcomes", #"{"formatVersion":2,"value":[9]}"#),
        ]
        for (key, text) in damages {
            try await shelf.save([record], run: "r")
            let entry = try #require(try await shelf.entries().last)
            try await state.setData(Data(text.utf8), for: StateKey("contoso", key))
            do {
                for try await _ in shelf.records(of: entry) {}
                Issue.record("read a damaged report (\(key): \(text))")
            } catch let error as SyncStateError {
                #expect("\(error)".contains("report"), "\(error)")
                // Removing the document would not help: the advice is to restore it (or, where it
                // disagrees with the index, or names strings beyond its strings', whichever of the
                // two changed), or leave it.
                let advice =
                    switch (key, text.contains("999") || text.contains("[7,7,7,7,7]")) {
                    case ("report-r-outcomes", _): shelf.mismatchFix(StateKey("contoso", key))
                    case (_, true): shelf.mismatchFix(StateKey("contoso", key), countedBy: StateKey("contoso", "report-r-0-strings"))
                    default: RunReportShelf.damagedReportFix
                    }
                #expect(error.fix == advice, "\(error)")
            }
        }
    }

    @Test("a report's damage names the documents that disagree and the one missing, and advises what helps")
    func damageNamed() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention())
        let record = RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a", code: "newInScope", reason: "in scope and not in the store"), outcome: .applied)
        /// The error of reading the report after `damage`.
        func reading(after damage: () async throws -> Void) async throws -> SyncStateError? {
            try await shelf.save([record, record], run: "r")
            try await damage()
            let kept: [RunReportShelf.Entry] = try await shelf.entries()
            guard let entry = kept.last else {
                Issue.record("the report was not kept")
                return nil
            }
            do {
                for try await _ in shelf.records(of: entry) {}
                return nil
            } catch let error as SyncStateError {
                return error
            }
        }
        // Outcomes one short of the records: both documents are named, neither blamed alone.
        let short = try #require(try await reading { try await state.setData(Data(#"{"formatVersion":2,"value":[0,0]}"#.utf8), for: StateKey("contoso", "report-r-outcomes")) })
        #expect(short.key == "contoso/report-r-outcomes")
        #expect(short.detail.contains("outcomes document holds 1 outcome where the index 'contoso/reports' counts 2 records (one of the two was changed)"), "\(short)")
        #expect(short.fix == shelf.mismatchFix(StateKey("contoso", "report-r-outcomes")))
        #expect(short.fix.contains("'contoso/report-r-outcomes', or the index 'contoso/reports'"))
        // The index (and the outcomes) counting more records than the part holds: the part and the index are named.
        func countThree() async throws {
            let index = try await state.data(for: StateKey("contoso", "reports")) ?? Data()
            let text = String(decoding: index, as: UTF8.self).replacingOccurrences(of: #""records":2"#, with: #""records":3"#)
            try await state.setData(Data(text.utf8), for: StateKey("contoso", "reports"))
            try await state.setData(Data(#"{"formatVersion":2,"value":[0,0,0,0]}"#.utf8), for: StateKey("contoso", "report-r-outcomes"))
        }
        let counted = try #require(try await reading(after: countThree))
        #expect(counted.detail.contains("part 1 of 1 of the run's report holds 2 records where the index 'contoso/reports' counts 3 for it"), "\(counted)")
        #expect(counted.fix == shelf.mismatchFix(StateKey("contoso", "report-r-0")))
        // The errors of a report with a failed write: missing, or naming a record it does not hold.
        let failed = RunReportRecord(record.record, outcome: .failed, errorCode: "conflict", error: "taken")
        let outcomes = StateKey("contoso", "report-r-outcomes")
        let errors = StateKey("contoso", "report-r-errors")
        for (damage, expected, advice) in [
            (nil, "the errors of the run's report cannot be found: it was removed or lost, or 'contoso/report-r-outcomes', which names it, was changed",
             shelf.mismatchFix(errors, countedBy: outcomes)),
            (#"{"formatVersion":2,"value":[{"position":7,"code":"conflict","message":"taken"}]}"#, "error 1 of the run report's errors names record 7, outside the report's 2 records",
             RunReportShelf.damagedReportFix),
            (#"{"formatVersion":2,"value":[]}"#, "errors document holds 0 errors where its outcomes 'contoso/report-r-outcomes' count 1 record with an error",
             shelf.mismatchFix(errors, countedBy: outcomes)),
        ] {
            try await shelf.save([record, failed], run: "r")
            try await state.setData(damage.map { Data($0.utf8) }, for: StateKey("contoso", "report-r-errors"))
            let entry = try #require(try await shelf.entries().last)
            do {
                for try await _ in shelf.records(of: entry) {}
                Issue.record("read a report whose errors are damaged: \(damage ?? "removed")")
            } catch let error as SyncStateError {
                #expect(error.key == "contoso/report-r-errors" && error.detail.contains(expected), "\(error)")
                #expect(error.fix == advice, "\(error)")
            }
        }
        // A missing document is named for what it is.
        for (key, what) in [("report-r-0-strings", "the strings of part 1 of 1"), ("report-r-outcomes", "the outcomes"), ("report-r-0", "part 1 of 1")] {
            let missing = try #require(try await reading { try await state.remove(StateKey("contoso", key)) })
            #expect(missing.key == "contoso/\(key)")
            #expect(missing.detail.contains("\(what) of the run's report cannot be found: it was removed or lost, or 'contoso/reports', which names it, was changed"), "\(missing)")
            #expect(missing.fix == shelf.mismatchFix(StateKey("contoso", key)))
        }
        // A record naming a string its part is not read with: the part and its strings are named.
        let unknown = try #require(
            try await reading { try await state.setData(Data(#"{"formatVersion":2,"value":[[0,1,999,null,3],[0,1,2,null,3]]}"#.utf8), for: StateKey("contoso", "report-r-0")) })
        #expect(unknown.detail.contains("names string 999, but the strings read with it hold"), "\(unknown)")
        #expect(unknown.fix == shelf.mismatchFix(StateKey("contoso", "report-r-0"), countedBy: StateKey("contoso", "report-r-0-strings")))
        // An index entry no save writes, or in a saved form no version writes or a newer one: the
        // index is named, never a report "no longer kept" nor a part.
        for (edit, check) in [
            ((#""parts":1"#, #""parts":0"#), "its entry for run 'r' counts 2 records in 0 parts of 20000 records each: no save writes that"),
            ((#""format":2"#, #""format":1"#), "its entry for run 'r' names saved form 1, which no version writes"),
            ((#""format":2"#, #""format":3"#), "The report of run 'r' is saved in form 3, but this version of DirectorySync reads up to form 2"),
        ] {
            try await shelf.save([record, record], run: "r")
            let index = try #require(try await state.data(for: StateKey("contoso", "reports")))
            let text = String(decoding: index, as: UTF8.self)
            #expect(text.contains(edit.0), "\(text)")
            try await state.setData(Data(text.replacingOccurrences(of: edit.0, with: edit.1).utf8), for: StateKey("contoso", "reports"))
            do {
                _ = try await shelf.entry(of: "r")
                Issue.record("read an index entry edited to \(edit.1)")
            } catch let error as SyncStateError {
                #expect(error.key == "contoso/reports" && "\(error)".contains(check), "\(error)")
            }
            // Read as a listed entry (as `explain` reads them), the form is refused the same way.
            if edit.1.contains("format") {
                let listed = try #require(try await shelf.entries().last)
                await #expect { for try await _ in shelf.records(of: listed) {} } throws: { "\($0)".contains(check) }
            }
        }
        #expect(try await shelf.entry(of: "unknown") == nil)

        // An index that cannot be read: restoring it keeps the reports it lists.
        try await state.setData(Data("garbage".utf8), for: StateKey("contoso", "reports"))
        do {
            _ = try await shelf.entries()
            Issue.record("read a garbage index")
        } catch let error as SyncStateError {
            #expect(error.key == "contoso/reports")
            #expect(error.fix == RunReportShelf.damagedIndexFix)
        }
        // A file another user owns, or a write that failed, keeps the store's own advice.
        let untrusted = SyncStateError.unreadable(key: "k", detail: "d", underlying: OwnerOnlyFile.Problem(.untrusted, path: "/s/x", "'/s/x' is not yours"))
        #expect(RunReportShelf.replacingGeneralAdvice(of: untrusted, with: "restore").fix == untrusted.fix)
        let unwritable = SyncStateError.unwritable(key: "k", detail: "d")
        #expect(RunReportShelf.replacingGeneralAdvice(of: unwritable, with: "restore").fix == unwritable.fix)
        let damaged = SyncStateError.unreadable(key: "k", detail: "d", underlying: OwnerOnlyFile.Problem(.damaged, path: "/s/x", "'/s/x' is damaged"))
        #expect(RunReportShelf.replacingGeneralAdvice(of: damaged, with: "restore").fix == "restore")
        // A store that did not answer, with advice of its own (etcd's), or with the general advice.
        struct Unanswered: Error {}
        let ownAdvice = SyncStateError(.unreadable, key: "k", detail: "d", fix: "Check that etcd answers.", underlying: Unanswered())
        #expect(RunReportShelf.replacingGeneralAdvice(of: ownAdvice, with: "restore").fix == "Check that etcd answers.")
        let unanswered = SyncStateError.unreadable(key: "k", detail: "d", underlying: Unanswered())
        #expect(RunReportShelf.replacingGeneralAdvice(of: unanswered, with: "restore").fix == unanswered.fix)
    }

    @Test("removing a source removes its reports, also those a damaged index no longer listed")
    func commitFailsAndRemoval() async throws {
        let state = InMemorySyncStateStore()
        let harness = try await ReportHarness(users: 30, state: state)
        let id = try await harness.readySource()
        _ = try await harness.service.synchronize(id)
        // The index damaged: the next run starts a new one, and the first run's report is left behind.
        try await state.setData(Data("garbage".utf8), for: StateKey(id, "reports"))
        _ = try await harness.service.synchronize(id, forceFullRead: true)
        let runs = try await harness.service.history(id).map(\.id)
        #expect(runs.count == 2)
        let documents = runs.flatMap { run in ["report-\(run)-0", "report-\(run)-0-strings", "report-\(run)-outcomes"].map { StateKey(id, $0) } }
        for key in documents { #expect(try await state.data(for: key) != nil, "\(key)") }
        try await harness.service.turnOff(id)
        try await harness.service.removeSource(id)
        #expect(try await state.data(for: StateKey(id, "reports")) == nil)
        for key in documents { #expect(try await state.data(for: key) == nil, "\(key) left behind") }
    }

    @Test("removing a source from a state folder removes every part of a report a replaced index no longer lists, a damaged part included")
    func removalOfManyParts() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = try FileSyncStateStore(folder: folder)
        let harness = try await ReportHarness(users: 30, configuration: .init(reports: RunReportRetention(recordsPerPart: 5)), state: state)
        let id = try await harness.readySource()
        let first = try await harness.service.synchronize(id)
        let entry = try #require(try await RunReportShelf(state: state, sourceID: id, retention: RunReportRetention()).entries().last)
        #expect(entry.run == first.id && entry.parts > 4, "\(entry.parts) parts")
        // A part in the middle and its strings damaged on disk (their checksums fail), then the
        // index: the next run starts a new index.
        let sourceFolder = folder.appendingPathComponent(id.rawValue)
        for name in ["report-\(first.id)-2", "report-\(first.id)-2-strings"] {
            try Data("00000007 00000000 damaged\n".utf8).write(to: sourceFolder.appendingPathComponent("\(name).json"))
            await #expect(throws: SyncStateError.self) { try await state.data(for: StateKey(id, name)) }
        }
        try await state.setData(Data("garbage".utf8), for: StateKey(id, "reports"))
        _ = try await harness.service.synchronize(id, forceFullRead: true)
        func reports() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: sourceFolder.path).filter { $0.hasPrefix("report-") } }
        #expect(try reports().contains { $0.hasPrefix("report-\(first.id)-\(entry.parts - 1)") })
        try await harness.service.turnOff(id)
        // A document that cannot be removed (a folder in its place) fails the removal: the source,
        // its history and what is left stay, and removing again finishes.
        let blocker = sourceFolder.appendingPathComponent("report-\(first.id)-1.json")
        try FileManager.default.removeItem(at: blocker)
        try FileManager.default.createDirectory(at: blocker.appendingPathComponent("inside"), withIntermediateDirectories: true)
        await #expect(throws: SyncStateError.self) { try await harness.service.removeSource(id) }
        #expect(try await harness.service.history(id).map(\.id).contains(first.id))
        #expect(try reports().contains { $0.hasPrefix("report-\(first.id)-1") })
        try FileManager.default.removeItem(at: blocker)
        try await harness.service.removeSource(id)
        let left = try reports()
        #expect(left.isEmpty, "\(left)")
    }

    @Test("a report whose write fails leaves no part behind, and a crash's leftovers are removed by the next save")
    func noOrphans() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention(recordsPerPart: 2))
        let record = RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a", code: "newInScope", reason: "in scope and not in the store"), outcome: .applied)
        // The index names each part before it is written: a crash while writing a report's third
        // part, after an earlier removal of its first part was itself cut short, leaves parts 1
        // and 2 (one of them damaged) and an index entry counting 3.
        try await shelf.save(Array(repeating: record, count: 3), run: "done")
        try await state.setData(
            Data(#"{"formatVersion":2,"value":[{"bytes":0,"complete":false,"parts":3,"records":0,"recordsPerPart":2,"run":"crashed"}]}"#.utf8),
            for: StateKey("contoso", "reports"))
        try await state.setData(Data("not json".utf8), for: StateKey("contoso", "report-crashed-1"))
        try await state.setData(Data("x".utf8), for: StateKey("contoso", "report-crashed-2"))
        #expect(try await shelf.entries().isEmpty, "incomplete reports are not shown")
        try await shelf.save([record], run: "next")
        for part in 0..<3 { #expect(try await state.data(for: StateKey("contoso", "report-crashed-\(part)")) == nil) }
        #expect(try await shelf.entries().map(\.run) == ["next"])
        // The same for a report in saved form 2, whose parts come with their strings and outcomes.
        try await state.setData(
            Data(#"{"formatVersion":2,"value":[{"bytes":0,"complete":false,"format":2,"parts":2,"records":0,"recordsPerPart":2,"run":"crashed2"}]}"#.utf8),
            for: StateKey("contoso", "reports"))
        for key in ["report-crashed2-0", "report-crashed2-0-strings", "report-crashed2-outcomes", "report-crashed2-1-strings"] {
            try await state.setData(Data("x".utf8), for: StateKey("contoso", key))
        }
        try await shelf.save([record], run: "next")
        for key in ["report-crashed2-0", "report-crashed2-0-strings", "report-crashed2-outcomes", "report-crashed2-1-strings"] {
            #expect(try await state.data(for: StateKey("contoso", key)) == nil, "\(key) left behind")
        }
        // An unreadable index starts afresh instead of failing every later report.
        try await state.setData(Data("garbage".utf8), for: StateKey("contoso", "reports"))
        try await shelf.save([record], run: "after")
        #expect(try await shelf.entries().map(\.run) == ["after"])
    }

    @Test("a report dropped by a newer one while it is read ends with noReport, not with damage")
    func droppedWhileRead() async throws {
        let state = InMemorySyncStateStore()
        let shelf = RunReportShelf(state: state, sourceID: "contoso", retention: RunReportRetention(maximumReports: 1, recordsPerPart: 1))
        let record = RunReportRecord(PreviewRecord(action: .create, objectKind: .user, subject: "a", code: "newInScope", reason: "in scope and not in the store"), outcome: .applied)
        try await shelf.save(Array(repeating: record, count: 3), run: "older")
        let entry = try #require(try await shelf.entries().first)
        var iterator = shelf.records(of: entry).makeAsyncIterator()
        #expect(try await iterator.next() == record)
        try await shelf.save([record], run: "newer")
        do {
            _ = try await iterator.next()
            Issue.record("read on after the report was dropped")
        } catch let error as DirectoryServiceError {
            #expect(error.code == .noReport)
        }
    }
}
