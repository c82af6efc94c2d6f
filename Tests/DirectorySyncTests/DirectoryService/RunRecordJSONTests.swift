import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Run history: a typed summary and designed JSON")
struct RunRecordJSONTests {
    static let record = RunRecord(
        id: "run-1", sourceID: "contoso", trigger: .scheduled, startedAt: Date(timeIntervalSince1970: 1_790_000_000),
        endedAt: Date(timeIntervalSince1970: 1_790_000_042), readKind: .full(.firstRun), outcome: .failed("the read failed"), succeeded: 3, failed: 1,
        summary: SyncPlan.Summary(operations: [.createUser: 3, .addMember: 1], issues: [.missingEmail: 1, .emailInUse: 2], conflicts: 2, warnings: 1),
        usersSynchronized: 3, groupsSynchronized: 1, requests: 6)

    static func text(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder.deterministic().encode(value), as: UTF8.self)
    }

    @Test("a record encodes to its documented fields: outcome by name, the read as kind and reason, counts keyed by name")
    func designed() throws {
        #expect(try Self.text(Self.record) == """
            {"endedAt":"2026-09-21T14:14:02Z","failed":1,"failure":"the read failed","groupsSynchronized":1,"id":"run-1","outcome":"failed",\
            "read":{"kind":"full","reason":"firstRun"},"requests":6,"source":"contoso","startedAt":"2026-09-21T14:13:20Z","succeeded":3,\
            "summary":{"conflicts":2,"issues":{"emailInUse":2,"missingEmail":1},"operations":{"addMember":1,"createUser":3},"skipped":0,\
            "unchangedGroups":0,"unchangedUsers":0,"warnings":1},"trigger":"scheduled","usersSynchronized":3}
            """)
        let decoded = try JSONDecoder.deterministic().decode(RunRecord.self, from: try JSONEncoder.deterministic().encode(Self.record))
        #expect(decoded == Self.record)
    }

    @Test("every outcome and read kind reads back as it was written", arguments: [
        RunRecord.Outcome.succeeded, .partiallyFailed, .cancelled, .failed("boom"), .needsConfirmation(["users: 40 removals exceed 20"]),
    ])
    func roundTrip(outcome: RunRecord.Outcome) throws {
        for read in [ReadKind?.none, .full(.trackingReset), .incremental(changes: 7)] {
            var record = Self.record
            record.outcome = outcome
            record.readKind = read
            let data = try JSONEncoder.deterministic().encode(record)
            #expect(try JSONDecoder.deterministic().decode(RunRecord.self, from: data) == record)
            #expect(!String(decoding: data, as: UTF8.self).contains("_0"))
        }
    }

    @Test("a history written before the designed form still reads, its counts typed")
    func legacyHistory() throws {
        let legacy = """
            {"endedAt":"2026-09-21T14:14:02Z","failed":0,"groupsSynchronized":1,"id":"run-0",\
            "operations":{"createUser":3},"outcome":{"needsConfirmation":{"_0":["users: 40 > 20"]}},\
            "readKind":{"incremental":{"changes":4}},"requests":2,"sourceID":"contoso","startedAt":"2026-09-21T14:13:20Z","succeeded":0,\
            "trigger":"manual","usersSynchronized":3,"warnings":{"aliasDropped":2,"emailInUse":1,"missingEmail":1}}
            """
        let record = try JSONDecoder.deterministic().decode(RunRecord.self, from: Data(legacy.utf8))
        #expect(record.outcome == .needsConfirmation(["users: 40 > 20"]))
        #expect(record.readKind == .incremental(changes: 4))
        #expect(record.sourceID == "contoso")
        #expect(record.summary.operations == [.createUser: 3])
        #expect(record.summary.issues == [.aliasDropped: 2, .emailInUse: 1, .missingEmail: 1])
        #expect(record.summary.conflicts == 1)
        #expect(record.summary.warnings == 3)
        let failed = legacy.replacingOccurrences(of: #"{"needsConfirmation":{"_0":["users: 40 > 20"]}}"#, with: #"{"failed":{"_0":"boom"}}"#)
            .replacingOccurrences(of: #"{"incremental":{"changes":4}}"#, with: #"{"full":{"_0":"filterChanged"}}"#)
        let second = try JSONDecoder.deterministic().decode(RunRecord.self, from: Data(failed.utf8))
        #expect(second.outcome == .failed("boom"))
        #expect(second.readKind == .full(.filterChanged))
    }

    @Test("a history naming an operation kind or issue code this version does not know, or a negative count, is refused — never read without it", arguments: [
        #""operations":{"teleportUser":3}"#, #""issues":{"brandNewCode":7}"#, #""conflicts":-1"#,
    ])
    func unknownNamesRefused(replacement: String) throws {
        let designed = try Self.text(Self.record)
        let field = String(replacement.prefix { $0 != ":" })
        let pattern = try Regex(field + #":(\{[^}]*\}|-?[0-9]+)"#)
        let tampered = designed.replacing(pattern, with: replacement, maxReplacements: 1)
        #expect(tampered != designed)
        #expect(throws: DecodingError.self) { try JSONDecoder.deterministic().decode(RunRecord.self, from: Data(tampered.utf8)) }
    }

    @Test("a history the service cannot read is kept as it is, not rewritten without what it held")
    func unreadableHistoryKept() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        let tampered = #"{"formatVersion":2,"value":["# + (try Self.text(Self.record)).replacingOccurrences(of: #""createUser":3"#, with: #""teleportUser":3"#) + "]}"
        try await harness.state.setData(Data(tampered.utf8), for: StateKey(source.id, "history"))
        let run = try await harness.service.synchronize(source.id)
        #expect(run.isSuccess)
        #expect(try await harness.state.data(for: StateKey(source.id, "history")) == Data(tampered.utf8))
        await #expect(throws: SyncStateError.self) { try await harness.service.history(source.id) }
    }

    @Test("status counts conflicts by the planner's severity: warnings of any code are never conflicts")
    func statusCountsBySeverity() async throws {
        let harness = try await ServiceHarness()
        let source = try await harness.readySource()
        var record = Self.record
        record.sourceID = source.id
        record.outcome = .succeeded
        record.summary = SyncPlan.Summary(issues: [.aliasDropped: 4, .missingEmail: 2], warnings: 6)
        try await harness.state.save([record], for: StateKey(source.id, "history"))
        var warnings = try await harness.service.status(source.id).warnings
        #expect(warnings.contains(.usersWithoutEmail(2)))
        #expect(!warnings.contains { if case .conflicts = $0 { return true } else { return false } })
        record.summary = SyncPlan.Summary(issues: [.groupNameInUse: 1, .emailInUse: 2], conflicts: 3)
        try await harness.state.save([record], for: StateKey(source.id, "history"))
        warnings = try await harness.service.status(source.id).warnings
        #expect(warnings.contains(.conflicts(3)))
    }

    @Test("origins, read kinds and warnings encode as documented, and origins written by earlier stores still read")
    func smallerShapes() throws {
        #expect(try Self.text(IdentityOrigin.manual) == #"{"kind":"manual"}"#)
        #expect(try Self.text(IdentityOrigin.directory("contoso", externalID: "e-1")) == #"{"externalID":"e-1","kind":"directory","source":"contoso"}"#)
        #expect(try Self.text(ReadKind.incremental(changes: 2)) == #"{"changes":2,"kind":"incremental"}"#)
        #expect(try Self.text(SourceWarning.conflicts(3)) == #"{"code":"conflicts","count":3,"message":"3 conflicts (shared emails or names) left objects unsynchronized."}"#)
        let decoder = JSONDecoder.deterministic()
        #expect(try decoder.decode(IdentityOrigin.self, from: Data(#"{"manual":{}}"#.utf8)) == .manual)
        #expect(try decoder.decode(IdentityOrigin.self, from: Data(#"{"directory":{"_0":"contoso","externalID":"e-1"}}"#.utf8)) == .directory("contoso", externalID: "e-1"))
        for warning in [SourceWarning.secretExpiring(days: 3), .usersWithoutEmail(1), .conflicts(2), .needsConfirmation, .lastRunFailed("x"), .historyNotSaved("y"), .reportNotSaved("z")] {
            #expect(try decoder.decode(SourceWarning.self, from: JSONEncoder.deterministic().encode(warning)) == warning)
        }
    }
}
