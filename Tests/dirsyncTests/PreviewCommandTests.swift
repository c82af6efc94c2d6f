import Foundation
import Testing

@Suite("dirsync preview")
struct PreviewCommandTests {
    func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString)-\(name)")
    }

    @Test("exports JSON with preview, summary and records", arguments: ["json", "jsonl", "csv"])
    func export(format: String) async throws {
        let file = temporaryFile("preview.\(format)")
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try await DirsyncProcess.run(["preview", "--users", "200", "--groups", "10", "--out", file.path, "--format", format])
        #expect(result.status == 0, "\(result.error)")
        #expect(result.output.contains("Exported"))
        let text = try String(contentsOf: file, encoding: .utf8)
        switch format {
        case "json":
            let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(object?["preview"] != nil && object?["summary"] != nil && (object?["records"] as? [Any])?.isEmpty == false)
        case "jsonl":
            #expect(text.split(separator: "\n").allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
        default:
            #expect(text.hasPrefix("action,objectKind,subject"))
        }
    }

    @Test("--show pages records and filters by action")
    func show() async throws {
        let result = try await DirsyncProcess.run(["preview", "--users", "200", "--groups", "10", "--show", "--limit", "3", "--action", "create"])
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.filter { $0.hasPrefix("create") }.count == 3)
        #expect(result.output.contains("next page: --offset 3"))
    }

    @Test("above the display limit, --show says to export instead and exits 1")
    func tooLarge() async throws {
        let result = try await DirsyncProcess.run(["preview", "--users", "8000", "--groups", "20", "--show"])
        #expect(result.status == 1)
        #expect(result.error.contains("more than the 20000 that can be shown"))
        let summary = try await DirsyncProcess.run(["preview", "--users", "8000", "--groups", "20"])
        #expect(summary.output.contains("too many to show as pages; export them with --out FILE"))
    }

    @Test("bad options exit 2", arguments: [["--format", "xml"], ["--action", "explode"], ["--limit", "0"]])
    func badOptions(arguments: [String]) async throws {
        #expect(try await DirsyncProcess.run(["preview", "--users", "20"] + arguments).status == 2)
    }
}
