import Foundation

/// Writes a run's report in one format, streaming record by record. The preview exporters
/// (``JSONPreviewExporter``, ``JSONLinesPreviewExporter``, ``CSVPreviewExporter``) are the family:
/// each also writes reports, with the same field names where a report's record and a preview's mean
/// the same thing, plus `outcome`, `errorCode` and `error`.
public protocol RunReportExporter: Sendable {
    /// The usual file extension, such as `json`.
    var fileExtension: String { get }

    /// Writes the report.
    /// - Parameters:
    ///   - run: The run's record.
    ///   - records: Its records, in order (``DirectoryService/reportRecords(_:run:filter:)``).
    ///   - sink: Where to write.
    /// - Throws: The stream's or the sink's errors.
    func export<Sink: ByteSink>(_ run: RunRecord, records: RunReportRecords, to sink: inout Sink) async throws
}

extension RunReportExporter {
    /// Writes the report to a new file, owner-only and replacing any file there only once the
    /// whole report is written (``OwnerOnlyFile``).
    /// - Parameters:
    ///   - run: The run's record.
    ///   - records: Its records, in order.
    ///   - url: The file to write.
    /// - Throws: ``OwnerOnlyFile/Problem``, file errors, or the records' errors; the target is then unchanged.
    public func export(_ run: RunRecord, records: RunReportRecords, toFile url: URL) async throws {
        // The report is read asynchronously, and the one file writer takes a synchronous body: it
        // streams into an owner-only temporary file first, which the writer then copies into place
        // (the target is replaced whole or not at all; twice the I/O of a direct write).
        let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).part")
        defer { try? FileManager.default.removeItem(at: temporary) }
        try OwnerOnlyFile.write(Data(), to: temporary)
        let handle = try FileHandle(forWritingTo: temporary)
        var sink = FileHandleSink(handle)
        do {
            try await export(run, records: records, to: &sink)
            try sink.flush()
            try handle.close()
        } catch {
            try? handle.close()
            throw error
        }
        try OwnerOnlyFile.write(to: url) { target in
            let source = try FileHandle(forReadingFrom: temporary)
            defer { try? source.close() }
            while let chunk = try source.read(upToCount: 1 << 16), !chunk.isEmpty { try target.write(contentsOf: chunk) }
        }
    }
}

/// What every report export starts with.
struct RunReportHead: Encodable {
    var run: RunRecord
}

extension JSONPreviewExporter: RunReportExporter {
    /// One document `{"records": [ … ], "run": RunRecord}`, a record per line.
    public func export<Sink: ByteSink>(_ run: RunRecord, records: RunReportRecords, to sink: inout Sink) async throws {
        try sink.write(Data("{\"records\":[".utf8))
        var chunk = ChunkedBytes()
        var first = true
        for try await record in records {
            chunk.bytes.append(contentsOf: first ? [0x0A] : [UInt8(ascii: ","), 0x0A])
            record.appendJSON(to: &chunk.bytes)
            first = false
            try chunk.spill(to: &sink)
        }
        try chunk.flush(to: &sink)
        try sink.write(Data("\n],\"run\":".utf8))
        try sink.write(try JSONEncoder.deterministic().encode(run))
        try sink.write(Data("}\n".utf8))
    }
}

extension JSONLinesPreviewExporter: RunReportExporter {
    /// A first line `{"run": RunRecord}`, then one record per line.
    public func export<Sink: ByteSink>(_ run: RunRecord, records: RunReportRecords, to sink: inout Sink) async throws {
        try sink.write(try JSONEncoder.deterministic().encode(RunReportHead(run: run)))
        try sink.write(Data("\n".utf8))
        var chunk = ChunkedBytes()
        for try await record in records {
            record.appendJSON(to: &chunk.bytes)
            chunk.bytes.append(0x0A)
            try chunk.spill(to: &sink)
        }
        try chunk.flush(to: &sink)
    }
}

extension CSVPreviewExporter: RunReportExporter {
    /// The header row's column names for a run's report: the preview's, then `outcome`,
    /// `errorCode` and `error`.
    public static let reportColumns = columns + ["outcome", "errorCode", "error"]

    /// One row per record, spreadsheet-safe like the preview's.
    public func export<Sink: ByteSink>(_ run: RunRecord, records: RunReportRecords, to sink: inout Sink) async throws {
        var chunk = ChunkedBytes()
        Self.appendRow(Self.reportColumns, to: &chunk.bytes)
        for try await item in records {
            Self.appendRow(Self.fields(of: item.record) + [item.outcome.rawValue, item.errorCode ?? "", item.error ?? ""], to: &chunk.bytes)
            try chunk.spill(to: &sink)
        }
        try chunk.flush(to: &sink)
    }
}
