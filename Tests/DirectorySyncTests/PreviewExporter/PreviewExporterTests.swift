@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("PreviewExporter: JSON, JSON Lines and CSV")
struct PreviewExporterTests {
    static let exporters: [any PreviewExporter] = [JSONPreviewExporter(), JSONLinesPreviewExporter(), CSVPreviewExporter()]

    func export(_ preview: Preview, with exporter: some PreviewExporter) throws -> String {
        var sink = DataSink()
        try exporter.export(preview, to: &sink)
        return sink.text
    }

    @Test("the JSON document validates against the schema in Documentation/")
    func schema() async throws {
        let (preview, _, _) = try await samplePreview()
        let document = try JSONValue.parse(Data(try export(preview, with: JSONPreviewExporter()).utf8))
        let validator = try JSONSchemaValidator(file: repositoryRoot.appendingPathComponent("Documentation/preview.schema.json"))
        #expect(validator.validate(document) == [])
        #expect(document["records"]?.array?.count == preview.records.count)
        #expect(document["preview"]?["id"]?.string == "preview-1")
        #expect(document["preview"]?["generatedAt"]?.string == "2026-09-21T14:13:20Z")
        #expect(document["preview"]?["schedule"]?["timeZone"]?.string == "Europe/Oslo")
        #expect(document["summary"]?["records"]?.integer == preview.records.count)
    }

    @Test("the validator rejects documents that break the schema")
    func validatorCatches() throws {
        let validator = try JSONSchemaValidator(file: repositoryRoot.appendingPathComponent("Documentation/preview.schema.json"))
        let bad = try JSONValue.parse(Data(#"{"preview":{"id":1},"records":[{"action":"explode"}],"summary":{},"extra":true}"#.utf8))
        let problems = validator.validate(bad)
        #expect(problems.contains { $0.contains("unexpected property 'extra'") })
        #expect(problems.contains { $0.contains("$.preview.id: expected string") })
        #expect(problems.contains { $0.contains("records[0].action") })
        #expect(problems.contains { $0.contains("missing required 'source'") })
    }

    @Test("exports are deterministic: the same preview gives the same bytes, in record order")
    func deterministic() async throws {
        let (preview, _, _) = try await samplePreview()
        for exporter in Self.exporters {
            #expect(try export(preview, with: exporter) == export(preview, with: exporter))
        }
        let (again, _, _) = try await samplePreview()
        #expect(try export(again, with: JSONPreviewExporter()) == export(preview, with: JSONPreviewExporter()))
    }

    @Test("JSON Lines: a head line with preview and summary, then one record per line")
    func jsonLines() async throws {
        let (preview, _, _) = try await samplePreview()
        let lines = try export(preview, with: JSONLinesPreviewExporter()).split(separator: "\n")
        #expect(lines.count == preview.records.count + 1)
        let head = try JSONValue.parse(Data(lines[0].utf8))
        #expect(head["preview"]?["source"]?.string == "contoso")
        #expect(head["summary"]?["records"]?.integer == preview.records.count)
        let record = try JSONDecoder().decode(PreviewRecord.self, from: Data(lines[1].utf8))
        #expect(record == preview.records[0])
    }

    @Test("CSV: a header, one row per record, RFC 4180 quoting", arguments: [
        ("plain", "plain"), ("a,b", "\"a,b\""), ("say \"hi\"", "\"say \"\"hi\"\"\""), ("two\nlines", "\"two\nlines\""),
        (" padded", "\" padded\""), ("Zoë O'Brien", "Zoë O'Brien"),
    ])
    func quoting(value: String, expected: String) {
        #expect(CSVPreviewExporter.cell(value) == expected)
    }

    @Test("CSV: cells that a spreadsheet would run as formulas are neutralised", arguments: [
        ("=HYPERLINK(\"http://x\")", "\"'=HYPERLINK(\"\"http://x\"\")\""), ("+1", "'+1"), ("-2", "'-2"), ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
    ])
    func formulas(value: String, expected: String) {
        #expect(CSVPreviewExporter.cell(value) == expected)
    }

    @Test("CSV export has a header and one row per record")
    func csvRows() async throws {
        let (preview, _, _) = try await samplePreview()
        let text = try export(preview, with: CSVPreviewExporter())
        let rows = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows.first == CSVPreviewExporter.columns.joined(separator: ","))
        #expect(rows.count == preview.records.count + 1)
    }

    @Test("a file export replaces the file atomically and leaves no partial file behind")
    func fileExport() async throws {
        let (preview, _, _) = try await samplePreview(users: 30)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("preview.json")
        try "old".write(to: url, atomically: true, encoding: .utf8)
        try JSONPreviewExporter().export(preview, toFile: url)
        #expect(try String(contentsOf: url, encoding: .utf8) == export(preview, with: JSONPreviewExporter()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["preview.json"])
    }

    @Test("a file export is owner-only (0600) under umask 022, also when it replaces a readable file", arguments: [false, true])
    func fileExportIsOwnerOnly(replacing: Bool) async throws {
        let (preview, _, _) = try await samplePreview(users: 30)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("preview.csv")
        if replacing {
            #expect(FileManager.default.createFile(atPath: url.path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644]))
        }
        let previous = umask(0o022)
        defer { umask(previous) }
        try CSVPreviewExporter().export(preview, toFile: url)
        let permissions = try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
        #expect(permissions & 0o777 == 0o600, "mode \(String(permissions, radix: 8))")
        #expect(try String(contentsOf: url, encoding: .utf8) == export(preview, with: CSVPreviewExporter()))
    }

    @Test("a failed file export leaves the old file and no temporary file")
    func failedFileExport() async throws {
        struct Refusal: Error {}
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("preview.json")
        try "old".write(to: url, atomically: true, encoding: .utf8)
        #expect(throws: Refusal.self) {
            try OwnerOnlyFile.write(to: url) { handle in
                try handle.write(contentsOf: Data("half".utf8))
                throw Refusal()
            }
        }
        #expect(try String(contentsOf: url, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["preview.json"])
    }

    @Test("the file sink writes through a fixed buffer")
    func fileSink() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString)")
        #expect(FileManager.default.createFile(atPath: url.path, contents: nil))
        defer { try? FileManager.default.removeItem(at: url) }
        let handle = try FileHandle(forWritingTo: url)
        var sink = FileHandleSink(handle, bufferSize: 10)
        for _ in 0..<25 { try sink.write(Data("abc".utf8)) }
        try sink.flush()
        try handle.close()
        #expect(try Data(contentsOf: url).count == 75)
    }
}

@Suite("PreviewExporter: the direct JSON writer")
struct PreviewRecordJSONTests {
    static func randomString(_ random: inout SeededRandomNumberGenerator) -> String {
        let pieces = ["a", "Z", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "ë", "Ø", "日本", "🙂", " ", "\u{2028}", "'", "="]
        return (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    @Test("records are written byte for byte as JSONEncoder writes them (seeded random records)")
    func matchesJSONEncoder() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        var random = SeededRandomNumberGenerator(seed: 77)
        for _ in 0..<2_000 {
            var optionals: [String?] = []
            for _ in 0..<4 { optionals.append(random.chance(0.5) ? Self.randomString(&random) : nil) }
            var attributes: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...4, using: &random) { attributes[Self.randomString(&random)] = Self.randomString(&random) }
            var changes: [FieldChange] = []
            for _ in 0..<Int.random(in: 0...3, using: &random) {
                let field = Self.randomString(&random)
                let old: String? = random.chance(0.5) ? Self.randomString(&random) : nil
                let new: String? = random.chance(0.5) ? Self.randomString(&random) : nil
                changes.append(FieldChange(field: field, old: old, new: new))
            }
            let action = PreviewRecord.Action.allCases.randomElement(using: &random)!
            let subject = Self.randomString(&random)
            let code = Self.randomString(&random)
            let reason = Self.randomString(&random)
            let record = PreviewRecord(
                action: action, objectKind: .user, subject: subject, group: optionals[0],
                groupID: optionals[1].map(IdentityID.init(rawValue:)), externalID: optionals[2],
                identityID: optionals[3].map(IdentityID.init(rawValue:)), attributes: attributes, changes: changes, code: code,
                reason: reason,
                removalPendingUntil: random.chance(0.3) ? Date(timeIntervalSince1970: Double(Int.random(in: 0...4_000_000_000, using: &random))) : nil)
            var bytes: [UInt8] = []
            record.appendJSON(to: &bytes)
            let expected = try encoder.encode(record)
            #expect(Data(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
            if Data(bytes) != expected { return }
        }
    }
}
