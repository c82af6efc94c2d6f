import Foundation

/// How run reports are kept: the last ``maximumReports`` per source, within ``maximumBytes`` (the
/// oldest go first, the newest always stays), saved in parts of ``recordsPerPart`` records.
public struct RunReportRetention: Hashable, Sendable {
    /// Reports kept per source (20 by default).
    public var maximumReports: Int
    /// Bytes of saved reports kept per source (64 MiB by default).
    public var maximumBytes: Int
    /// Records per saved document (20,000 by default, about 2.5 MB); smaller for a state store
    /// with small documents.
    public var recordsPerPart: Int

    /// Creates a retention.
    /// - Parameters:
    ///   - maximumReports: Reports kept per source.
    ///   - maximumBytes: Bytes of saved reports kept per source.
    ///   - recordsPerPart: Records per saved document.
    public init(maximumReports: Int = 20, maximumBytes: Int = 64 << 20, recordsPerPart: Int = 20_000) {
        self.maximumReports = max(1, maximumReports)
        self.maximumBytes = maximumBytes
        self.recordsPerPart = max(1, recordsPerPart)
    }
}

/// A source's run reports in its ``SyncStateStore``: an index (`reports`) and each report in parts
/// of at most ``RunReportRetention/recordsPerPart`` records (`report-<run>-<part>`), written and read one part at a
/// time — memory holds one part, however large the run. Records are written in their compact
/// saved form (``RunReportRecord``), straight into bytes: a report may hold a million of them.
package struct RunReportShelf: Sendable {
    /// One kept report.
    package struct Entry: Hashable, Codable {
        package var run: String
        package var parts: Int
        package var records: Int
        package var bytes: Int
    }

    let state: any SyncStateStore
    let sourceID: SourceID
    let retention: RunReportRetention

    /// A shelf over a source's state.
    package init(state: any SyncStateStore, sourceID: SourceID, retention: RunReportRetention) {
        self.state = state
        self.sourceID = sourceID
        self.retention = retention
    }

    private var indexKey: StateKey { StateKey(sourceID, "reports") }

    private func partKey(_ run: String, _ part: Int) -> StateKey { StateKey(sourceID, "report-\(Self.safe(run))-\(part)") }

    /// Letters, digits and `-` only: a run id becomes part of a key.
    private static func safe(_ run: String) -> String { String(run.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" }.map(Character.init)) }

    /// The kept reports, oldest first.
    package func entries() async throws -> [Entry] { try await state.load([Entry].self, for: indexKey) ?? [] }

    /// Saves a run's report part by part, then indexes it and drops the oldest reports past the
    /// retention. A report that cannot be saved leaves the earlier ones as they were.
    package func save(_ records: some Sequence<RunReportRecord>, run: String) async throws {
        // The state store's envelope around a JSON array of records, written by hand.
        let opening = Array("{\"formatVersion\":\(type(of: state).formatVersion),\"value\":[".utf8)
        var part = opening
        var inPart = 0
        var parts = 0
        var count = 0
        var bytes = 0
        func flush() async throws {
            part.append(contentsOf: Array("]}".utf8))
            bytes += part.count
            try await state.setData(Data(part), for: partKey(run, parts))
            parts += 1
            part = opening
            inPart = 0
        }
        for record in records {
            if inPart > 0 { part.append(UInt8(ascii: ",")) }
            record.appendSavedJSON(to: &part)
            inPart += 1
            count += 1
            if inPart == retention.recordsPerPart { try await flush() }
        }
        if inPart > 0 || parts == 0 { try await flush() }
        var kept = try await entries().filter { $0.run != run }
        kept.append(Entry(run: run, parts: parts, records: count, bytes: bytes))
        var dropped: [Entry] = []
        while kept.count > retention.maximumReports || (kept.count > 1 && kept.reduce(0, { $0 + $1.bytes }) > retention.maximumBytes) {
            dropped.append(kept.removeFirst())
        }
        try await state.save(kept, for: indexKey)
        for entry in dropped {
            for index in 0..<entry.parts { try? await state.remove(partKey(entry.run, index)) }
        }
    }

    /// A kept report's records, part by part, in order.
    /// - Parameters:
    ///   - entry: The report.
    ///   - fromPart: The first part to read (the records before it are skipped unread).
    package func records(of entry: Entry, fromPart: Int = 0) -> AsyncThrowingStream<RunReportRecord, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for index in min(fromPart, entry.parts)..<entry.parts {
                        try Task.checkCancellation()
                        let key = partKey(entry.run, index)
                        guard let part = try await state.load([RunReportRecord].self, for: key) else {
                            throw SyncStateError.unreadable(key: key.description, detail: "part \(index + 1) of \(entry.parts) of the run's report is missing")
                        }
                        for record in part { continuation.yield(record) }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
