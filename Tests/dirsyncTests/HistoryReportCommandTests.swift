import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `dirsync --state DIR history --source NAME --run ID|last …`: what one run did to each object.
@Suite("dirsync: history lists runs with their ids; --run shows, filters and exports a run's report")
struct HistoryReportCommandTests {
    typealias Session = AdminCommandTests.Session

    func ready(_ session: Session) async throws {
        for arguments in [
            ["source", "add", "--name", "Contoso", "--domain", session.credentials.domain],
            session.credentialArguments(), ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"], ["sync", "--source", "Contoso"],
        ] {
            let result = try await session.run(arguments, environment: ["DIRSYNC_TEST_SECRET": session.credentials.clientSecret])
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        }
    }

    @Test("the history's RUN column opens the report; filters, pages, JSON and exports agree")
    func report() async throws {
        let session = try Session(users: 40)
        try await ready(session)
        let listed = try await session.run(["history", "--source", "Contoso"])
        #expect(listed.status == 0)
        #expect(listed.output.hasPrefix("RUN"))
        let prefix = try #require(listed.output.split(separator: "\n").dropFirst().first?.split(separator: " ").first.map(String.init))

        let document = try await session.run(["history", "--source", "Contoso", "--run", "last", "--json", "--limit", "1000"])
        #expect(document.status == 0, "\(document.error)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(document.output.utf8)) as? [String: Any])
        #expect(Set(json.keys) == ["run", "records", "offset", "matching", "total"])
        let records = try #require(json["records"] as? [[String: Any]])
        #expect(records.count == json["total"] as? Int)
        #expect(records.allSatisfy { $0["outcome"] as? String == "applied" || $0["outcome"] as? String == "reported" })
        #expect((json["run"] as? [String: Any])?["id"].map { "\($0)".hasPrefix(prefix) } == true)

        let byPrefix = try await session.run(["history", "--source", "Contoso", "--run", prefix, "--action", "create", "--kind", "user", "--limit", "3"])
        #expect(byPrefix.status == 0, "\(byPrefix.error)")
        let lines = byPrefix.output.split(separator: "\n")
        #expect(lines.count == 5, "\(byPrefix.output)")
        #expect(lines.dropFirst().prefix(3).allSatisfy { $0.hasPrefix("applied") && $0.contains("create") && $0.contains("user") })
        #expect(lines.last?.contains("next page: --offset 3") == true)

        let file = FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString).csv")
        defer { try? FileManager.default.removeItem(at: file) }
        let exported = try await session.run(["history", "--source", "Contoso", "--run", "last", "--outcome", "applied", "--export", file.path, "--format", "csv"])
        #expect(exported.status == 0, "\(exported.error)")
        let csv = try String(contentsOf: file, encoding: .utf8).split(separator: "\r\n")
        #expect(csv.first == Substring(CSVPreviewExporter.reportColumns.joined(separator: ",")))
        #expect(csv.count - 1 == records.count { $0["outcome"] as? String == "applied" })
    }

    @Test("an unknown run, an unknown outcome or a filter without --run is a usage error (exit 2)", arguments: [
        ["--run", "no-such-run"], ["--run", "last", "--outcome", "exploded"], ["--outcome", "failed"], ["--run", "last", "--format", "xml", "--export", "/tmp/x"],
    ])
    func refused(arguments: [String]) async throws {
        let session = try Session(users: 10)
        try await ready(session)
        let result = try await session.run(["history", "--source", "Contoso"] + arguments)
        #expect(result.status == 2, "\(result.output)\(result.error)")
    }
}
