@testable import DirectorySync
import DirectorySyncTesting
@testable import dirsync
import Foundation
import Testing

/// `dirsync --state DIR explain …` and `sync --source NAME --user KEY` against the loopback Graph emulator.
@Suite("dirsync: explain shows one object's fate step by step; sync --user synchronizes one user on demand")
struct ExplainCommandTests {
    typealias Session = AdminCommandTests.Session

    static let adeleID = "a1b2c3d4-0000-4000-8000-000000000001"
    static let salesID = "b1b2c3d4-0000-4000-8000-000000000001"
    static let emeaID = "b1b2c3d4-0000-4000-8000-000000000002"

    /// A session whose tenant also holds Adele (Sales), a member of 'Sales EMEA', itself a member
    /// of 'Sales' (named `nestedName`); the source is tested and on, never synchronized.
    func session(nestedName: String = "Sales EMEA", adeleName: String = "Adele Vance") async throws -> Session {
        let session = try Session(users: 10)
        let tenant = session.credentials.tenantID
        session.emulator.upsertUser(
            DirectoryUser(
                id: Self.adeleID, userPrincipalName: "adele.vance@\(session.credentials.domain)", displayName: adeleName,
                mail: "adele.vance@\(session.credentials.domain)", department: "Sales"),
            tenant: tenant)
        session.emulator.upsertGroup(DirectoryGroup(id: Self.emeaID, displayName: nestedName, memberUserIDs: [Self.adeleID]), tenant: tenant)
        session.emulator.upsertGroup(DirectoryGroup(id: Self.salesID, displayName: "Sales", memberGroupIDs: [Self.emeaID]), tenant: tenant)
        for arguments in [
            ["source", "add", "--name", "Contoso", "--domain", session.credentials.domain], session.credentialArguments(),
            ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"],
        ] {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        }
        return session
    }

    func adele(_ session: Session) -> String { "adele.vance@\(session.credentials.domain)" }

    func ok(_ session: Session, _ arguments: [String]) async throws -> DirsyncProcess.Result {
        let result = try await session.run(arguments)
        #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        return result
    }

    @Test("a user in scope: five numbered steps, the action a synchronization would take, then what the last run did")
    func inScope() async throws {
        let session = try await session()
        let before = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session)])
        let lines = before.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "User '\(adele(session))' of 'Contoso':")
        for (number, step) in ["Directory", "Scope", "Correlation", "Action", "Last run"].enumerated() {
            #expect(lines.contains { $0.hasPrefix("  \(number + 1) \(step)") }, "step \(number + 1): \(before.output)")
        }
        #expect(before.output.contains("The directory holds the user '\(adele(session))' (\(Self.adeleID))."))
        #expect(before.output.contains("In scope: the source synchronizes every user (no filter)."))
        #expect(before.output.contains("4 Action       create: a synchronization creates the user."))
        #expect(lines.contains { $0.contains("create") && $0.contains("user") && $0.contains(adele(session)) && $0.contains("(in scope and not in the store)") })
        #expect(before.output.contains("5 Last run     none: 'Contoso' has not synchronized yet."))
        #expect(lines.last?.hasPrefix("Explained with ") == true && lines.last?.hasSuffix(" directory requests.") == true)
        #expect(!before.output.contains("Warning:"))

        _ = try await ok(session, ["sync", "--source", "Contoso"])
        let after = try await ok(session, ["explain", "--source", "Contoso", "--user", Self.adeleID])
        #expect(after.output.contains("3 Correlation  The identity "), "\(after.output)")
        #expect(after.output.contains("of this source is linked to it."))
        #expect(after.output.contains("4 Action       unchanged:"))
        #expect(after.output.contains("(manual, succeeded, "), "\(after.output)")
        #expect(after.output.split(separator: "\n").contains { $0.contains("applied") && $0.contains("create") && $0.contains(adele(session)) })
    }

    @Test("a user a user filter leaves out: the deciding condition and the user's value")
    func userFilter() async throws {
        let session = try await session()
        let legal = try #require(session.emulator.users(tenant: session.credentials.tenantID).first { $0.department == "Legal" })
        _ = try await ok(session, ["filter", "set", "--source", "Contoso", "--users", "department ne 'Legal'"])
        let result = try await ok(session, ["explain", "--source", "Contoso", "--user", legal.userPrincipalName])
        #expect(result.output.contains("2 Scope        Out of scope: the user filter leaves it out, as department ne 'Legal' (department is 'Legal') does not hold."), "\(result.output)")
        #expect(result.output.contains("conditions: department ne 'Legal'"))
        #expect(result.output.contains("4 Action       nothing: a synchronization does not touch it."))
    }

    @Test("a user a group filter selects through nested groups: the path from the selected group down to the user")
    func nestedGroupPath() async throws {
        let session = try await session()
        _ = try await ok(session, ["filter", "set", "--source", "Contoso", "--groups", "displayName eq 'Sales'"])
        let result = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session)])
        #expect(result.output.contains("In scope: it is a member of 'Sales' through 'Sales EMEA', which the group filter selects by displayName eq 'Sales'."), "\(result.output)")
        #expect(result.output.contains("path: Sales › Sales EMEA › \(adele(session))"))
        #expect(result.output.split(separator: "\n").contains { $0.contains("addMember") && $0.contains("→ Sales") })

        let group = try await ok(session, ["explain", "--source", "Contoso", "--group", "Sales EMEA"])
        #expect(group.output.hasPrefix("Group 'Sales EMEA' of 'Contoso':"))
        #expect(group.output.contains("Out of scope: the group filter leaves it out"), "\(group.output)")
    }

    @Test("a key that names nothing: step 1 says so, exit 0; with --json, directory.found is false")
    func unknownKey() async throws {
        let session = try await session()
        let result = try await ok(session, ["explain", "--source", "Contoso", "--user", "nobody@example.org"])
        #expect(result.output.contains(
            "1 Directory    No user in the directory has the id, user principal name or email address 'nobody@example.org', and no identity of this source is linked to one."))
        #expect(result.output.contains("3 Correlation  It has no identity in the store."))
        let json = try await ok(session, ["explain", "--source", "Contoso", "--user", "nobody@example.org", "--json"])
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(documents.count == 1)
        #expect((documents.first?["directory"] as? [String: Any])?["found"] as? Bool == false)
        #expect(documents.first?["action"] is NSNull)
    }

    @Test("--json prints an array of the documented explanation documents")
    func json() async throws {
        let session = try await session()
        _ = try await ok(session, ["filter", "set", "--source", "Contoso", "--groups", "displayName eq 'Sales'"])
        _ = try await ok(session, ["sync", "--source", "Contoso"])
        let result = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session), "--json"])
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]])
        let document = try #require(documents.first)
        #expect(documents.count == 1)
        #expect(Set(document.keys) == ["source", "key", "objectKind", "directory", "scope", "correlation", "action", "records", "lastRun", "requests", "complete"])
        #expect(document["source"] as? String == "contoso")
        #expect(document["key"] as? String == adele(session))
        #expect(document["objectKind"] as? String == "user")
        #expect(document["action"] as? String == "unchanged")
        #expect(document["complete"] as? Bool == true)
        #expect((document["requests"] as? Int ?? 0) > 0)
        let directory = try #require(document["directory"] as? [String: Any])
        #expect(Set(directory.keys) == ["found", "externalID", "subject", "detail"])
        #expect(directory["externalID"] as? String == Self.adeleID)
        let scope = try #require(document["scope"] as? [String: Any])
        #expect(Set(scope.keys) == ["inScope", "conditions", "path", "detail"])
        #expect(scope["inScope"] as? Bool == true)
        #expect(scope["conditions"] as? [String] == ["displayName eq 'Sales'"])
        #expect(scope["path"] as? [String] == ["Sales", "Sales EMEA"])
        let correlation = try #require(document["correlation"] as? [String: Any])
        #expect(Set(correlation.keys) == ["kind", "identityID", "related", "detail"])
        #expect(correlation["kind"] as? String == "linked")
        let records = try #require(document["records"] as? [[String: Any]])
        #expect(records.contains { $0["action"] as? String == "unchanged" && $0["objectKind"] as? String == "user" })
        let lastRun = try #require(document["lastRun"] as? [String: Any])
        #expect(Set(lastRun.keys) == ["run", "records", "reportKept"])
        #expect((lastRun["run"] as? [String: Any])?["trigger"] as? String == "manual")
        #expect((lastRun["records"] as? [[String: Any]])?.contains { $0["outcome"] as? String == "applied" && $0["action"] as? String == "create" } == true)
    }

    @Test("explain needs exactly one of --user and --group (exit 2); an unknown source is exit 2", arguments: [
        [String](), ["--user", "a@contoso.com", "--group", "Sales"], ["--group", " "],
    ])
    func oneKey(extra: [String]) async throws {
        let session = try await session()
        let result = try await session.run(["explain", "--source", "Contoso"] + extra)
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        let unknown = try await session.run(["explain", "--source", "Nobody", "--user", "a@contoso.com"])
        #expect(unknown.status == 2)
        #expect(unknown.error.contains("unknownSource"), "\(unknown.error)")
    }

    @Test("sync --user creates exactly that user; the run has trigger onDemand and a lookup read, and its report says what it did")
    func syncOneUser() async throws {
        let session = try await session()
        let result = try await ok(session, ["sync", "--source", "Contoso", "--user", adele(session)])
        #expect(result.output.hasPrefix("Synchronized '\(adele(session))' from 'Contoso' on demand: read lookup (1 object), 1 operation applied, 0 failed; 1 user and 0 groups synchronized."), "\(result.output)")
        // Its membership of 'Sales' waits: the store does not hold the group yet.
        #expect(result.output.contains("Part of the change waits for the next whole synchronization"))
        let users = try await ok(session, ["users", "--source", "Contoso", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(users.output.utf8)) as? [[String: Any]])
        #expect(rows.map { $0["email"] as? String } == [adele(session)])

        let history = try await ok(session, ["history", "--source", "Contoso"])
        let row = try #require(history.output.split(separator: "\n").dropFirst().first)
        #expect(row.contains("onDemand") && row.contains("lookup (1 object)"), "\(history.output)")
        let runID = try #require(row.split(separator: " ").first.map(String.init))
        #expect(result.output.contains("What it did to each object: history --source \"Contoso\" --run \(runID)"))
        let report = try await ok(session, ["history", "--source", "Contoso", "--run", runID])
        #expect(report.output.contains(": onDemand, succeeded, "), "\(report.output)")
        #expect(report.output.split(separator: "\n").contains { $0.hasPrefix("applied") && $0.contains("create") && $0.contains(adele(session)) })
        #expect(report.output.split(separator: "\n").contains { $0.hasPrefix("reported") && $0.contains("warning") && $0.contains("waits for the next whole synchronization") })

        let json = try await ok(session, ["sync", "--source", "Contoso", "--user", adele(session), "--json"])
        let record = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        #expect(record["trigger"] as? String == "onDemand")
        #expect((record["read"] as? [String: Any])?["kind"] as? String == "lookup")

        let nobody = try await ok(session, ["sync", "--source", "Contoso", "--user", "nobody@example.org"])
        #expect(nobody.output.contains("read lookup (0 objects)"))
        #expect(nobody.output.contains("No user in the directory has that id, user principal name or email address"), "\(nobody.output)")
    }

    @Test("sync --user of a user with nothing to change says so, points to explain, and counts the user as unchanged")
    func syncUnchangedUser() async throws {
        let session = try await session()
        _ = try await ok(session, ["sync", "--source", "Contoso"])
        let result = try await ok(session, ["sync", "--source", "Contoso", "--user", adele(session)])
        #expect(result.output.contains("0 operations applied"))
        #expect(result.output.contains(#"Nothing to change for that user; explain --source "Contoso" --user "\#(adele(session))" says why."#), "\(result.output)")
        let history = try await ok(session, ["history", "--source", "Contoso", "--json"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.output.utf8)) as? [[String: Any]])
        let summary = try #require(runs.last?["summary"] as? [String: Any])
        #expect(runs.last?["trigger"] as? String == "onDemand")
        #expect(summary["unchangedUsers"] as? Int == 1, "\(summary)")
    }

    @Test("sync --user goes with --source only: --confirm-removals, --all or no --source is exit 2", arguments: [
        ["--source", "Contoso", "--user", "a@contoso.com", "--confirm-removals"], ["--user", "a@contoso.com"],
        ["--source", "Contoso", "--user", "a@contoso.com", "--all"], ["--source", "Contoso", "--user"],
    ])
    func syncUserRefused(arguments: [String]) async throws {
        let session = try await session()
        let result = try await session.run(["sync"] + arguments)
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(try await session.run(["history", "--source", "Contoso", "--json"]).output.contains("onDemand") == false)
    }

    @Test("sync --user on a source that is off fails with exit 1 and says how to fix it")
    func syncUserOff() async throws {
        let session = try await session()
        _ = try await ok(session, ["off", "--source", "Contoso"])
        let result = try await session.run(["sync", "--source", "Contoso", "--user", adele(session)])
        #expect(result.status == 1)
        #expect(result.error.contains("sourceIsOff") && result.error.contains("Turn it on"), "\(result.error)")
        let explained = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session)])
        #expect(explained.output.contains("create"), "explain works while the source is off")
    }

    @Test("explain and sync --user while run-scheduler holds the folder: explain reads, sync --user is carried out by the owner")
    func whileOwned() async throws {
        let session = try await session()
        let (process, _, _) = try await DirsyncProcess.start(["--state", session.folder.path, "run-scheduler"], until: "until interrupted")
        defer { if process.isRunning { process.terminate() } }
        let explained = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session)])
        #expect(explained.output.contains("4 Action       create"))
        let synchronized = try await ok(session, ["sync", "--source", "Contoso", "--user", adele(session)])
        #expect(synchronized.output.contains("on demand"), "\(synchronized.output)")
        process.interrupt()
        _ = await DirsyncProcess.finish(process)
    }

    @Test("what came from the directory is escaped in explain's text: a group name with an escape sequence and a newline")
    func hostileValues() async throws {
        let hostile = "Sales\u{1B}[2J\nEvil\u{202E}"
        let session = try await session(nestedName: hostile, adeleName: "Ad\u{1B}]0;pwned\u{07}ele")
        _ = try await ok(session, ["filter", "set", "--source", "Contoso", "--groups", "displayName eq 'Sales'"])
        _ = try await ok(session, ["sync", "--source", "Contoso"])
        session.emulator.modifyUser(id: Self.adeleID, tenant: session.credentials.tenantID) { $0.displayName = "Adele\u{1B}[31m\r\nRed" }
        let result = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session)])
        #expect(!result.output.contains("\u{1B}") && !result.output.contains("\u{202E}") && !result.output.contains("\r"), "\(result.output)")
        #expect(result.output.contains(#"path: Sales › Sales\u{1B}[2J\nEvil\u{202E} › "#), "\(result.output)")
        #expect(result.output.contains(#"Adele\u{1B}[31m\r\nRed"#), "the update's new name, escaped: \(result.output)")
        let json = try await ok(session, ["explain", "--source", "Contoso", "--user", adele(session), "--json"])
        let documents = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect((documents.first?["scope"] as? [String: Any])?["path"] as? [String] == ["Sales", hostile], "JSON stays exact")
    }
}

/// `explain`'s and `sync --user`'s text, from values (no directory).
@Suite("dirsync: what explain and sync --user print")
struct ExplainTextTests {
    static func explanation(records: Int = 1, complete: Bool = true, lastRun: ObjectExplanation.LastRun? = nil) -> ObjectExplanation {
        ObjectExplanation(
            sourceID: "contoso", key: "ada\u{1B}[1m", objectKind: .user,
            directory: .init(found: true, externalID: "id-1", subject: "ada@contoso.com", detail: "The directory holds the user 'ada\u{1B}[1m'."),
            scope: .init(inScope: true, conditions: [], path: [], detail: "In scope: the source synchronizes every user (no filter)."),
            correlation: .init(kind: .conflict, identityID: nil, related: ["u7", "u9"], detail: "Another identity holds the address\nfor real."),
            action: .conflict,
            records: (0..<records).map { _ in PreviewRecord(action: .conflict, objectKind: .user, subject: "ada@contoso.com", code: "emailInUse", reason: "held by u7") },
            lastRun: lastRun, requests: 3, isComplete: complete)
    }

    @Test("steps, conflicts with the related identities, escapes, and the cost")
    func steps() {
        let lines = ExplainCommand.text([Self.explanation()], source: Source(id: "contoso", name: "Contoso", domain: "contoso.com"))
        #expect(lines == [
            "User 'ada@contoso.com' of 'Contoso':",
            #"  1 Directory    The directory holds the user 'ada\u{1B}[1m'."#,
            "  2 Scope        In scope: the source synchronizes every user (no filter).",
            #"  3 Correlation  Another identity holds the address\nfor real."#,
            "                 conflicts with: u7, u9",
            "  4 Action       conflict: a synchronization leaves it and the identities it conflicts with untouched.",
            "                 conflict      user       ada@contoso.com  (held by u7)",
            "  5 Last run     none: 'Contoso' has not synchronized yet.",
            "Explained with 3 directory requests.",
        ])
    }

    @Test("several explanations one after the other; an incomplete one warns; long lists are cut with a count")
    func several() {
        let run = RunRecord(id: "RUN12345-6789", sourceID: "contoso", trigger: .onDemand, startedAt: Date(timeIntervalSince1970: 0), endedAt: Date(timeIntervalSince1970: 1), outcome: .succeeded)
        let lines = ExplainCommand.text(
            [Self.explanation(records: 60), Self.explanation(complete: false, lastRun: .init(run: run, records: [], reportKept: false))],
            source: Source(id: "contoso", name: "Contoso", domain: "contoso.com"))
        #expect(lines.first == #"User 'ada@contoso.com' of 'Contoso' (1 of 2 that 'ada\u{1B}[1m' names):"#)
        #expect(lines.contains("                 … and 10 more records (--json lists them all)"))
        #expect(lines.count { $0.hasSuffix("(held by u7)") } == ExplainCommand.shownRecords + 1)
        #expect(lines.contains(""))
        #expect(lines.contains("  5 Last run     RUN12345 (onDemand, succeeded, 1970-01-01T00:00:00Z): its report is no longer kept."))
        #expect(lines.last?.hasPrefix("Warning: the lookups stopped at their bounds") == true)
        // A report that cannot be read says why, not that it is no longer kept.
        let damaged = ExplainCommand.text(
            [Self.explanation(lastRun: .init(run: run, records: [], reportKept: false, reportProblem: "unreadable: The state 'contoso/reports' cannot be read"))],
            source: Source(id: "contoso", name: "Contoso", domain: "contoso.com"))
        #expect(damaged.contains("  5 Last run     RUN12345 (onDemand, succeeded, 1970-01-01T00:00:00Z): its report cannot be read: unreadable: The state 'contoso/reports' cannot be read"), "\(damaged)")
    }

    @Test("sync --user's text: on demand, where its report is, and what waits for a whole run")
    func syncText() {
        var record = SyncAndPreviewTextTests.record(.succeeded)
        record.id = "ABCDEF12-3456"
        record.trigger = .onDemand
        record.readKind = .lookup(objects: 1)
        record.summary = SyncPlan.Summary(operations: [.createUser: 1], issues: [.waitsForFullSynchronization: 1], warnings: 1)
        let lines = SyncCommand.text(record, name: "Contoso", user: "ada\n@contoso.com")
        #expect(lines == [
            #"Synchronized 'ada\n@contoso.com' from 'Contoso' on demand: read lookup (1 object), 1 operation applied, 0 failed; 1 user and 2 groups synchronized."#,
            "Part of the change waits for the next whole synchronization (code waitsForFullSynchronization).",
            #"What it did to each object: history --source "Contoso" --run ABCDEF12"#,
        ])
        #expect(SyncCommand.text(record, name: "Contoso") == [
            "Synchronized 'Contoso': read lookup (1 object), 1 operation applied, 0 failed; 1 user and 2 groups synchronized.",
        ], "without --user, sync prints what it printed before")
    }
}
