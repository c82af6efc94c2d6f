import Foundation

/// CSV (RFC 4180) that is safe to open in a spreadsheet: fields are quoted where needed, and a
/// cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so it
/// is never run as a formula.
///
/// Columns: `action, objectKind, subject, group, externalID, identityID, code, reason, changes,
/// attributes` (changes as `field: old → new; …`, attributes as `key=value; …`, sorted by key).
public struct CSVPreviewExporter: PreviewExporter {
    /// Creates the exporter.
    public init() {}

    /// `csv`
    public var fileExtension: String { "csv" }

    /// The header row's column names.
    public static let columns = [
        "action", "objectKind", "subject", "group", "externalID", "identityID", "code", "reason", "changes", "attributes",
    ]

    public func export<Sink: ByteSink>(_ preview: Preview, to sink: inout Sink) throws {
        var chunk = ChunkedBytes()
        Self.appendRow(Self.columns, to: &chunk.bytes)
        for record in preview.records {
            Self.appendRow(Self.fields(of: record), to: &chunk.bytes)
            try chunk.spill(to: &sink)
        }
        try chunk.flush(to: &sink)
    }

    /// A record's cells, in the order of ``columns``.
    static func fields(of record: PreviewRecord) -> [String] {
        let changes = record.changes.map(\.description).joined(separator: "; ")
        let attributes = record.attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")
        return [
            record.action.rawValue, record.objectKind.rawValue, record.subject, record.group ?? "",
            record.externalID ?? "", record.identityID?.rawValue ?? "", record.code, record.reason, changes, attributes,
        ]
    }

    static func appendRow(_ fields: [String], to output: inout [UInt8]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendCell(field, to: &output)
        }
        output.append(contentsOf: [0x0D, 0x0A])
    }

    /// One field, neutralised against formula injection and quoted where RFC 4180 needs it.
    /// - Parameter value: The field's text.
    /// - Returns: The cell as written in the file.
    package static func cell(_ value: String) -> String {
        var bytes: [UInt8] = []
        appendCell(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func appendCell(_ value: String, to output: inout [UInt8]) {
        let utf8 = value.utf8
        let formulaStarts: [UInt8] = [UInt8(ascii: "="), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "@"), 0x09, 0x0D]
        let neutralise = utf8.first.map(formulaStarts.contains) ?? false
        let needsQuotes = utf8.contains { $0 == UInt8(ascii: ",") || $0 == UInt8(ascii: "\"") || $0 == 0x0A || $0 == 0x0D }
            || utf8.first == UInt8(ascii: " ") || utf8.last == UInt8(ascii: " ")
        if needsQuotes { output.append(UInt8(ascii: "\"")) }
        if neutralise { output.append(UInt8(ascii: "'")) }
        for byte in utf8 {
            output.append(byte)
            if byte == UInt8(ascii: "\"") && needsQuotes { output.append(byte) }
        }
        if needsQuotes { output.append(UInt8(ascii: "\"")) }
    }
}
