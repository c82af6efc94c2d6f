import Foundation

/// One JSON document: `{"preview": {…}, "records": [ … ], "summary": {…}}` with sorted keys, ISO
/// 8601 dates and records in the preview's order, one per line. It validates against
/// `Documentation/preview.schema.json`.
public struct JSONPreviewExporter: PreviewExporter {
    /// Creates the exporter.
    public init() {}

    /// `json`
    public var fileExtension: String { "json" }

    public func export<Sink: ByteSink>(_ preview: Preview, to sink: inout Sink) throws {
        let encoder = JSONEncoder.deterministic()
        try sink.write(Data("{\"preview\":".utf8))
        try sink.write(try encoder.encode(PreviewHeader(preview)))
        try sink.write(Data(",\"records\":[".utf8))
        var chunk = ChunkedBytes()
        for (index, record) in preview.records.enumerated() {
            chunk.bytes.append(contentsOf: index == 0 ? [0x0A] : [UInt8(ascii: ","), 0x0A])
            record.appendJSON(to: &chunk.bytes)
            try chunk.spill(to: &sink)
        }
        try chunk.flush(to: &sink)
        try sink.write(Data("\n],\"summary\":".utf8))
        try sink.write(try encoder.encode(PreviewSummary(preview)))
        try sink.write(Data("}\n".utf8))
    }
}

/// JSON Lines: a first line `{"preview": {…}, "summary": {…}}`, then one record per line.
public struct JSONLinesPreviewExporter: PreviewExporter {
    /// Creates the exporter.
    public init() {}

    /// `jsonl`
    public var fileExtension: String { "jsonl" }

    private struct Head: Codable {
        var preview: PreviewHeader
        var summary: PreviewSummary
    }

    public func export<Sink: ByteSink>(_ preview: Preview, to sink: inout Sink) throws {
        let encoder = JSONEncoder.deterministic()
        let newline = Data("\n".utf8)
        try sink.write(try encoder.encode(Head(preview: PreviewHeader(preview), summary: PreviewSummary(preview))))
        try sink.write(newline)
        var chunk = ChunkedBytes()
        for record in preview.records {
            record.appendJSON(to: &chunk.bytes)
            chunk.bytes.append(0x0A)
            try chunk.spill(to: &sink)
        }
        try chunk.flush(to: &sink)
    }
}
