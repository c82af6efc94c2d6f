import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// Pins the JSON every `--json` command prints (Documentation/JSON.md): the fields of each
/// document, exact text where the values are fixed, and no synthesized enum form anywhere.
@Suite("dirsync --json prints the documented JSON documents")
struct JSONOutputTests {
    typealias Session = AdminCommandTests.Session

    func object(_ result: DirsyncProcess.Result, sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.output)\(result.error)", sourceLocation: sourceLocation)
        #expect(!result.output.contains("\"_0\""), "a synthesized enum form", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any], sourceLocation: sourceLocation)
    }

    func array(_ result: DirsyncProcess.Result, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        #expect(result.status == 0, "\(result.output)\(result.error)", sourceLocation: sourceLocation)
        #expect(!result.output.contains("\"_0\""), "a synthesized enum form", sourceLocation: sourceLocation)
        return try #require(try JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [[String: Any]], sourceLocation: sourceLocation)
    }

    static let sourceKeys: Set<String> = ["id", "name", "description", "domain", "state", "schedule", "settings"]
    static let runKeys: Set<String> = [
        "id", "source", "trigger", "startedAt", "endedAt", "read", "outcome", "succeeded", "failed", "summary", "usersSynchronized",
        "groupsSynchronized", "requests",
    ]

    @Test("every admin command's --json, from source add to source remove")
    func adminDocuments() async throws {
        let session = try Session(users: 12)
        let added = try await session.run(["source", "add", "--name", "Contoso", "--domain", session.credentials.domain, "--json"])
        #expect(added.output == """
            {
              "description" : "",
              "domain" : "\(session.credentials.domain)",
              "id" : "contoso",
              "name" : "Contoso",
              "schedule" : {
                "kind" : "none",
                "timeZone" : "GMT"
              },
              "settings" : {
                "deletionGuard" : {
                  "groups" : {
                    "maximumCount" : 100,
                    "maximumPercentage" : 20,
                    "percentageAppliesFrom" : 10
                  },
                  "memberships" : {
                    "maximumCount" : 5000,
                    "maximumPercentage" : 30,
                    "percentageAppliesFrom" : 10
                  },
                  "users" : {
                    "maximumCount" : 500,
                    "maximumPercentage" : 20,
                    "percentageAppliesFrom" : 10
                  }
                },
                "filter" : {
                  "mode" : "all"
                },
                "missingEmail" : "syncWithWarning",
                "outOfScope" : "remove"
              },
              "state" : "off"
            }

            """)

        let saved = try object(await session.run(session.credentialArguments() + ["--json"], environment: session.secretEnvironment))
        #expect(Set(saved.keys) == Self.sourceKeys.union(["credentials"]))
        #expect(Set((saved["credentials"] as? [String: Any] ?? [:]).keys) == ["clientID", "tenant", "loginURL", "graphURL"])

        let tested = try object(await session.run(["test-connection", "--source", "Contoso", "--json"]))
        let steps = try #require(tested["steps"] as? [[String: String]])
        #expect(steps.map { $0["name"] } == ["input", "cloud", "token", "permissions", "graphRead", "domain", "onPremises", "tenant"])
        #expect(steps.allSatisfy { Set($0.keys) == ["name", "status", "detail"] && $0["status"] == "passed" })
        #expect(Set((tested["tenant"] as? [String: Any] ?? [:]).keys) == ["id", "verifiedDomains"])

        let filtered = try object(await session.run(["filter", "set", "--source", "Contoso", "--users", "department ne 'Legal'", "--json"]))
        #expect(filtered["settings"].flatMap { ($0 as? [String: Any])?["filter"] as? [String: String] } == ["mode": "usersByUser", "expression": "department ne 'Legal'"])
        let scheduled = try object(await session.run(["schedule", "set", "--source", "Contoso", "--kind", "daily", "--at", "03:30", "--time-zone", "Europe/Oslo", "--json"]))
        #expect(scheduled["schedule"] as? [String: String] == ["kind": "daily", "at": "03:30", "timeZone": "Europe/Oslo"])
        let on = try object(await session.run(["on", "--source", "Contoso", "--json"]))
        #expect(on["state"] as? String == "on")
        #expect(Set(on.keys) == Self.sourceKeys.union(["credentials", "credentialsTestedAt", "scheduledFrom", "tenant"]))

        let run = try object(await session.run(["sync", "--source", "Contoso", "--json"]))
        #expect(Set(run.keys) == Self.runKeys)
        #expect(run["outcome"] as? String == "succeeded")
        #expect(run["trigger"] as? String == "manual")
        #expect(run["read"] as? [String: String] == ["kind": "full", "reason": "firstRun"])
        let summary = try #require(run["summary"] as? [String: Any])
        #expect(Set(summary.keys) == ["operations", "issues", "conflicts", "skipped", "warnings", "unchangedUsers", "unchangedGroups"])
        #expect((summary["operations"] as? [String: Int])?["createUser"] == run["usersSynchronized"] as? Int)

        let status = try object(await session.run(["status", "--source", "Contoso", "--json"]))
        #expect(Set(status.keys) == ["source", "type", "lastRun", "nextRun", "usersSynchronized", "groupsSynchronized", "warnings", "consecutiveFailures"])
        #expect(status["consecutiveFailures"] as? Int == 0, "`quarantine` only while quarantined")
        #expect(Set((status["lastRun"] as? [String: Any] ?? [:]).keys) == Self.runKeys)
        let history = try array(await session.run(["history", "--source", "Contoso", "--json"]))
        #expect(history.count == 1)
        #expect(history.first?["id"] as? String == run["id"] as? String)

        let users = try array(await session.run(["users", "--source", "Contoso", "--json"]))
        #expect(!users.isEmpty)
        for row in users {
            #expect(Set(row.keys).isSubset(of: ["id", "name", "origin", "email", "logins", "enabled", "memberOf"]))
            #expect(Set(row.keys).isSuperset(of: ["id", "name", "origin", "logins", "enabled", "memberOf"]))
            let origin = try #require(row["origin"] as? [String: String])
            #expect(Set(origin.keys) == ["kind", "source", "externalID"])
            #expect(origin["kind"] == "directory" && origin["source"] == "contoso")
        }
        let groups = try array(await session.run(["groups", "--source", "Contoso", "--json"]))
        #expect(!groups.isEmpty)
        #expect(groups.allSatisfy { Set($0.keys) == ["id", "name", "origin", "members"] })

        let off = try object(await session.run(["off", "--source", "Contoso", "--json"]))
        #expect(off["state"] as? String == "off")
        let preview = try object(await session.run(["preview", "--source", "Contoso", "--json"]))
        #expect(Set(preview.keys) == ["preview", "summary", "records"])
        #expect((preview["summary"] as? [String: Any])?["records"] as? Int == (preview["records"] as? [Any])?.count)
        let list = try array(await session.run(["source", "list", "--json"]))
        #expect(list.map { $0["id"] as? String } == ["contoso"])
        let shown = try object(await session.run(["source", "show", "--source", "Contoso", "--json"]))
        #expect(shown["id"] as? String == "contoso")
        #expect(try await !session.run(["source", "list", "--json"]).output.contains(session.credentials.clientSecret))

        let health = try object(await session.run(["store", "check", "--json"]))
        #expect(Set(health.keys) == ["folder", "records", "files"])
        let files = try #require(health["files"] as? [[String: Any]])
        #expect(files.allSatisfy { Set($0.keys) == ["path", "bytes", "records", "tornTail", "stale"] })
        // A healthy store's repair keeps every record and backs nothing up (no backupFolder).
        let repair = try object(await session.run(["store", "repair", "--json"]))
        #expect(Set(repair.keys) == ["keptRecords", "droppedBytes"])
        #expect(repair["keptRecords"] as? Int == health["records"] as? Int)
        #expect(repair["droppedBytes"] as? Int == 0)

        let removed = try object(await session.run(["source", "remove", "--source", "Contoso", "--json"]))
        #expect(removed["id"] as? String == "contoso")
        #expect(try await array(session.run(["source", "list", "--json"])).isEmpty)
    }

    @Test("schedule --json: one line, an array of UTC instants")
    func schedule() async throws {
        let result = try await DirsyncProcess.run(["schedule", "--kind", "daily", "--at", "02:00", "--count", "2", "--after", "2026-01-01T00:00:00Z", "--json"])
        #expect(result.status == 0)
        #expect(result.output == "[\"2026-01-01T02:00:00Z\",\"2026-01-02T02:00:00Z\"]\n")
    }

    @Test("emulate-graph: one line with the documented fields")
    func emulatorAnnouncement() async throws {
        let (process, _, text) = try await DirsyncProcess.start(["emulate-graph", "--users", "3", "--groups", "1"], until: "\n")
        defer { process.terminate() }
        let line = try #require(String(decoding: text, as: UTF8.self).split(separator: "\n").first)
        let announcement = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(Set(announcement.keys) == ["loginURL", "graphURL", "tenant", "tenantID", "clientID", "clientSecret", "clientSecretID", "users", "groups"])
    }
}
