import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("DirectoryService: a rise in conflicts between whole runs is an event")
struct DirectoryServiceConflictsIncreasedTests {
    func rises(_ id: SourceID, _ log: EventLog) async -> [SourceWarning] {
        await log.untilRunFinished(id).compactMap { event in
            if case .warning(id, let warning) = event, warning.code == "conflictsIncreased" { return warning }
            return nil
        }
    }

    @Test("announced after a whole run with more conflicts than the whole run before; not for the same count, a failed run or one user")
    func conflictsIncreased() async throws {
        let fixture = try await FaultyServiceHarness()
        let source = try await fixture.readySource()
        let log = EventLog(fixture.service)
        let first = try await fixture.service.synchronize(source.id)
        #expect(first.summary.conflicts == 0)
        #expect(await rises(source.id, log).isEmpty, "no run before it")

        let directory = try #require(fixture.harness.directories["contoso.com"])
        let users = try await directory.read().users
        directory.modifyUser(id: users[0].id) { $0.mail = users[1].primaryEmail }
        let second = try await fixture.service.synchronize(source.id)
        #expect(second.summary.conflicts > 0)
        #expect(await rises(source.id, log) == [.conflictsIncreased(from: 0, to: second.summary.conflicts)])

        let third = try await fixture.service.synchronize(source.id)
        #expect(third.summary.conflicts == second.summary.conflicts)
        #expect(await rises(source.id, log).isEmpty, "the same count")

        fixture.connector.fail(with: Outage())
        _ = try await fixture.service.synchronize(source.id)
        #expect(await rises(source.id, log).isEmpty, "a failed run planned nothing")
        fixture.connector.fail(with: nil)
        _ = try await fixture.service.synchronize(source.id)
        #expect(await rises(source.id, log).isEmpty, "compared with the last run that planned, not with the failed one")

        directory.modifyUser(id: users[2].id) { $0.mail = users[3].primaryEmail }
        _ = try await fixture.service.synchronize(source.id, user: users[2].id)
        #expect(await rises(source.id, log).isEmpty, "a run for one user is not compared")
        let fifth = try await fixture.service.synchronize(source.id)
        #expect(await rises(source.id, log) == [.conflictsIncreased(from: second.summary.conflicts, to: fifth.summary.conflicts)])
    }

    @Test("its JSON: code, from, to and a message")
    func json() throws {
        let warning = SourceWarning.conflictsIncreased(from: 2, to: 5)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(warning), as: UTF8.self)
        #expect(text == #"{"code":"conflictsIncreased","from":2,"message":"\#(warning.description)","to":5}"#)
        #expect(try JSONDecoder().decode(SourceWarning.self, from: Data(text.utf8)) == warning)
    }
}
