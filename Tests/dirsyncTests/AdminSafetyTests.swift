import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("dirsync --state DIR: hostile input and directory data")
struct AdminSafetyTests {
    typealias Session = AdminCommandTests.Session

    static func nested(_ depth: Int) -> String {
        String(repeating: "(", count: depth) + "department eq 'Sales'" + String(repeating: ")", count: depth)
    }

    /// A session whose source Contoso has working credentials, is on, and has synchronized once.
    static func synchronizedSession() async throws -> Session {
        let session = try Session()
        for arguments in [
            ["source", "add", "--name", "Contoso", "--domain", session.credentials.domain],
            session.credentialArguments(), ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"],
        ] {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        }
        return session
    }

    // 60,000 levels is about as deep as one command-line argument can be (128 KiB on Linux).
    @Test("a filter nested thousands deep is refused with exit status 2 and one line naming the limit", arguments: [5_000, 60_000])
    func deepFilter(depth: Int) async throws {
        let session = try Session(users: 10)
        _ = try await session.run(["source", "add", "--name", "Contoso", "--domain", "contoso.com"])
        for option in ["--users", "--groups"] {
            let result = try await session.run(["filter", "set", "--source", "Contoso", option, Self.nested(depth)])
            #expect(result.status == 2, "\(result.error)")
            #expect(result.error.split(separator: "\n").count == 1)
            #expect(result.error.contains("column 4") && result.error.contains("more than \(FilterExpression.maximumNesting) deep"), "\(result.error)")
        }
        let list = try await session.run(["source", "list", "--json"])
        #expect(list.status == 0)
        #expect(list.output.contains(#""mode" : "all""#), "the filter was not saved: \(list.output)")
    }

    @Test("usage errors: an empty --state, an option given twice", arguments: [
        (["--state", "", "source", "list"], "--state needs a folder"),
        (["--state=", "source", "list"], "--state needs a folder"),
        (["source", "show", "--source", "Contoso", "--source", "Other"], "--source is given twice"),
        (["source", "list", "--json", "--json"], "--json is given twice"),
        (["schedule", "set", "--source", "Contoso", "--kind", "daily", "--at", "02:00", "--time-zone", "GMT+5"], "Etc/GMT-5"),
    ])
    func usage(arguments: [String], fragment: String) async throws {
        let session = try Session(users: 10)
        _ = try await session.run(["source", "add", "--name", "Contoso", "--domain", "contoso.com"])
        let stateless = arguments.first?.hasPrefix("--state") == true
        let result = await stateless ? try await DirsyncProcess.run(arguments) : try session.run(arguments)
        #expect(result.status == 2, "\(result.output)\(result.error)")
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(result.error.contains(fragment), "\(result.error)")
        if stateless { #expect(!FileManager.default.fileExists(atPath: "state"), "an empty --state wrote into the current folder") }
    }

    @Test("names with escape sequences and newlines reach the terminal escaped, and JSON exactly")
    func hostileNames() async throws {
        let session = try await Self.synchronizedSession()
        let tenant = session.credentials.tenantID
        let hostile = "Mallory\u{1B}[2J\u{1B}]0;owned\u{07}\nroot"
        let user = try #require(session.emulator.users(tenant: tenant).first)
        let group = try #require(session.emulator.groups(tenant: tenant).first)
        session.emulator.modifyUser(id: user.id, tenant: tenant) { $0.displayName = hostile }
        session.emulator.modifyGroup(id: group.id, tenant: tenant) { $0.displayName = hostile + " group" }
        let sync = try await session.run(["sync", "--source", "Contoso"])
        #expect(sync.status == 0, "\(sync.output)\(sync.error)")

        let users = try await session.run(["users", "--source", "Contoso"])
        let userCount = try await #require(try JSONSerialization.jsonObject(with: Data(session.run(["users", "--source", "Contoso", "--json"]).output.utf8)) as? [Any]).count
        #expect(!users.output.contains("\u{1B}") && !users.output.contains("\u{07}"))
        #expect(users.output.split(separator: "\n").count == userCount + 2, "one header, one line per user, one summary")
        #expect(users.output.contains(#"Mallory\u{1B}[2J\u{1B}]0;owned\u{7}\nroot"#))
        let groups = try await session.run(["groups", "--source", "Contoso"])
        #expect(!groups.output.contains("\u{1B}"))
        #expect(groups.output.contains(#"Mallory\u{1B}[2J"#))

        let json = try await session.run(["users", "--source", "Contoso", "--json"])
        let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [[String: Any]])
        #expect(rows.contains { $0["name"] as? String == hostile }, "JSON keeps the name exactly")
        let groupRows = try await #require(try JSONSerialization.jsonObject(with: Data(session.run(["groups", "--source", "Contoso", "--json"]).output.utf8)) as? [[String: Any]])
        #expect(groupRows.contains { $0["name"] as? String == hostile + " group" })
    }

    @Test("a run stopped by the deletion guard says so, changes nothing and exits 1")
    func deletionGuard() async throws {
        let session = try await Self.synchronizedSession()
        #expect(try await session.run(["sync", "--source", "Contoso"]).status == 0)
        #expect(try await session.run(["filter", "set", "--source", "Contoso", "--users", "department eq 'Nobody works here'"]).status == 0)
        let stopped = try await session.run(["sync", "--source", "Contoso"])
        #expect(stopped.status == 1)
        let lines = stopped.output.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("Stopped by the deletion guard: the synchronization of 'Contoso' needs confirmation; nothing was changed") == true, "\(stopped.output)")
        #expect(!stopped.output.contains("Synchronized"))
        #expect(lines.contains { $0.hasPrefix("  ") && $0.contains("users of") && $0.contains("would be removed") })
        #expect(lines.last == #"Check the filter, or apply the removals with: sync --source "Contoso" --confirm-removals"#)
        let confirmed = try await session.run(["sync", "--source", "Contoso", "--confirm-removals"])
        #expect(confirmed.status == 0, "\(confirmed.output)\(confirmed.error)")
        #expect(confirmed.output.hasPrefix("Synchronized 'Contoso': "))
    }

    @Test("a preview export is owner-only")
    func exportMode() async throws {
        let session = try await Self.synchronizedSession()
        #expect(try await session.run(["off", "--source", "Contoso"]).status == 0)
        let export = session.folder.deletingLastPathComponent().appendingPathComponent("preview-\(UUID().uuidString).json")
        defer { try? FileManager.default.removeItem(at: export) }
        let result = try await session.run(["preview", "--source", "Contoso", "--export", export.path])
        #expect(result.status == 0, "\(result.error)")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: export.path)[.posixPermissions] as? Int)
        #expect(mode & 0o777 == 0o600, "mode \(String(mode, radix: 8))")
    }
}
