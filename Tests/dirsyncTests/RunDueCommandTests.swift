import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR run-due: the scheduler's pass for cron — due runs once, quarantine backoff, expiry warnings")
struct RunDueCommandTests {
    typealias Session = AdminCommandTests.Session

    /// A session with `Contoso` added, its credentials saved and tested, scheduled daily an hour
    /// before now, and on. A run made due (``makeDue(_:)``) runs that slot; the next is 23 hours
    /// away, so no test meets a slot that falls due while it runs (an hourly schedule did at the
    /// turn of an hour).
    func onSession() async throws -> Session {
        let session = try Session(users: 12)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try #require(TimeZone(identifier: "UTC"))
        let hourAgo = utc.dateComponents([.hour, .minute], from: Date().addingTimeInterval(-3_600))
        let at = String(format: "%02d:%02d", hourAgo.hour ?? 0, hourAgo.minute ?? 0)
        for arguments in [["source", "add", "--name", "Contoso", "--domain", session.credentials.domain], session.credentialArguments(),
            ["test-connection", "--source", "Contoso"],
            ["schedule", "set", "--source", "Contoso", "--kind", "daily", "--at", at, "--time-zone", "UTC"], ["on", "--source", "Contoso"]]
        {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments): \(result.output)\(result.error)")
        }
        return session
    }

    /// Makes the daily run due: the schedule counts from two hours ago, before the slot an hour ago.
    func makeDue(_ session: Session) async throws {
        let state = try FileSyncStateStore(folder: session.folder.appendingPathComponent("state"))
        var sources = try #require(try await state.load([Source].self, for: .service("sources")))
        for index in sources.indices { sources[index].scheduledFrom = Date().addingTimeInterval(-7_200) }
        try await state.save(sources, for: .service("sources"))
    }

    func history(_ session: Session) async throws -> Int {
        let result = try await session.run(["history", "--source", "Contoso", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [Any])?.count ?? -1
    }

    @Test("runs what is due, once, and exits; nothing due says so; --help names it")
    func dueRuns() async throws {
        let session = try await onSession()
        let idle = try await session.run(["run-due"])
        #expect(idle.status == 0 && idle.output.contains("No synchronization was due."), "\(idle.output)\(idle.error)")
        try await makeDue(session)
        let due = try await session.run(["run-due"])
        #expect(due.status == 0, "\(due.output)\(due.error)")
        #expect(due.output.contains("contoso: succeeded, full (first run)"), "\(due.output)")
        let again = try await session.run(["run-due", "--json"])
        #expect(again.status == 0, "\(again.error)")
        let records = try JSONSerialization.jsonObject(with: Data(again.output.utf8)) as? [Any]
        #expect(records?.isEmpty == true, "the next run is 23 hours away: \(again.output)")
        #expect(try await history(session) == 1)
        let help = try await session.run(["--help"])
        #expect(help.output.contains("run-due") && help.output.contains("cron"))
    }

    @Test("a due run that fails exits 1 and quarantines; the next passes back off (no attempt before the next one is due), unlike sync")
    func failureBacksOff() async throws {
        let session = try await onSession()
        session.emulator.addApplication(
            EmulatedApplication(
                clientID: session.credentials.clientID, secrets: [.init(id: UUID().uuidString, value: "another-secret", expires: Date().addingTimeInterval(86_400 * 30))]),
            tenant: session.credentials.tenantID)
        try await makeDue(session)
        let failed = try await session.run(["run-due"])
        #expect(failed.status == 1, "\(failed.output)\(failed.error)")
        #expect(failed.output.contains("contoso: failed"))
        #expect(failed.output.contains("quarantined (next attempt "), "\(failed.output)")
        try await makeDue(session)
        let held = try await session.run(["run-due"])
        #expect(held.status == 0 && held.output.contains("No synchronization was due."), "backing off: \(held.output)\(held.error)")
        #expect(try await history(session) == 1)
        let status = try await session.run(["status", "--source", "Contoso"])
        #expect(status.output.contains("State:      quarantined"))
    }

    @Test("secret-expiry warnings are printed once per lead time; one a sync announced is not repeated")
    func expiryWarnings() async throws {
        let session = try await onSession()
        let format = Date.ISO8601FormatStyle().year().month().day()
        let soon = Date().addingTimeInterval(10 * 86_400).formatted(format)
        #expect(try await session.run(["credentials", "set", "--source", "Contoso", "--secret-expires", soon]).status == 0)
        let first = try await session.run(["run-due"])
        #expect(first.output.contains("contoso: The client secret expires in "), "\(first.output)")
        let second = try await session.run(["run-due"])
        #expect(!second.output.contains("The client secret expires"), "once: \(second.output)")

        // A sync announces the next lead time itself (a host that runs only sync from cron).
        // Five days on: four days left, or three once midnight UTC passes mid-test — the 7-day
        // lead time either way (three days on left two or one, another lead time at midnight).
        let sooner = Date().addingTimeInterval(5 * 86_400).formatted(format)
        #expect(try await session.run(["credentials", "set", "--source", "Contoso", "--secret-expires", sooner]).status == 0)
        #expect(try await session.run(["sync", "--source", "Contoso"]).status == 0)
        let third = try await session.run(["run-due"])
        #expect(!third.output.contains("The client secret expires"), "the sync announced it: \(third.output)")
    }
}
