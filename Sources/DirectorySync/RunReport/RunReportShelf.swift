import Foundation

/// How run reports are kept: the last ``maximumReports`` per source, within ``maximumBytes`` (the
/// oldest go first, the newest always stays), saved in parts of ``recordsPerPart`` records.
public struct RunReportRetention: Hashable, Sendable {
    /// Reports kept per source (20 by default); 0 keeps none (no report is written, at no cost).
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
        self.maximumReports = max(0, maximumReports)
        self.maximumBytes = maximumBytes
        self.recordsPerPart = max(1, recordsPerPart)
    }
}

/// A source's run reports in its ``SyncStateStore``: an index (`reports`) and each report in parts
/// of at most ``RunReportRetention/recordsPerPart`` records (`report-<run>-<part>`), written and
/// read one part at a time — memory holds one part, however large the run. Records are written in
/// their compact saved form (``RunReportRecord``), straight into bytes: a report may hold a
/// million of them.
///
/// A report is indexed as incomplete, counting each part before it is written, and completed after
/// its last, so parts left by a crash (or a failed write, or a removal cut short) are found and
/// removed by the next save; readers see complete reports only. The index is disposable: an
/// unreadable one starts afresh (the parts it named are then left where they are).
package struct RunReportShelf: Sendable {
    /// One kept report.
    package struct Entry: Hashable, Codable, Sendable {
        package var run: String
        package var parts: Int
        package var records: Int
        package var bytes: Int
        /// The records per part it was written with (pages are found by it).
        package var recordsPerPart: Int
        /// Whether every part was written.
        package var complete: Bool
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

    func partKey(_ run: String, _ part: Int) -> StateKey { StateKey(sourceID, "report-\(run)-\(part)") }

    /// The complete reports, oldest first.
    package func entries() async throws -> [Entry] { try await allEntries().filter(\.complete) }

    private func allEntries() async throws -> [Entry] { try await state.load([Entry].self, for: indexKey) ?? [] }

    /// Saves a run's report part by part, then completes its index entry and drops the oldest
    /// reports past the retention. A report that cannot be saved leaves no part behind.
    package func save(_ records: some Sequence<RunReportRecord>, run: String) async throws {
        guard retention.maximumReports > 0 else { return }
        // Reports can be given up, unlike the history: an unreadable index starts afresh.
        var index = (try? await allEntries()) ?? []
        for stale in index.filter({ !$0.complete || $0.run == run }) { await removeParts(of: stale) }
        index.removeAll { !$0.complete || $0.run == run }
        try await state.save(index, for: indexKey)
        var entry = Entry(run: run, parts: 0, records: 0, bytes: 0, recordsPerPart: retention.recordsPerPart, complete: false)
        do {
            try await writeParts(records, into: &entry, beside: index)
        } catch {
            await removeParts(of: entry)
            try? await state.save(index, for: indexKey)
            throw error
        }
        index.append(entry)
        var dropped: [Entry] = []
        while index.count > retention.maximumReports || (index.count > 1 && index.reduce(0, { $0 + $1.bytes }) > retention.maximumBytes) {
            dropped.append(index.removeFirst())
        }
        try await state.save(index, for: indexKey)
        for entry in dropped { await removeParts(of: entry) }
    }

    /// Removes every report of the source (its parts, then the index).
    package func removeAll() async throws {
        for entry in (try? await allEntries()) ?? [] { await removeParts(of: entry) }
        try await state.remove(indexKey)
    }

    /// Writes the parts. Before each part is written, the index names it (the entry, incomplete,
    /// counts it), so whatever a crash leaves — even while its parts are being removed — is known
    /// and removed by the next save.
    private func writeParts(_ records: some Sequence<RunReportRecord>, into entry: inout Entry, beside index: [Entry]) async throws {
        // The state store's envelope around a JSON array of records, written by hand.
        let opening = Array("{\"formatVersion\":\(type(of: state).formatVersion),\"value\":[".utf8)
        var part = opening
        var inPart = 0
        func flush() async throws {
            part.append(contentsOf: Array("]}".utf8))
            entry.bytes += part.count
            entry.parts += 1
            try await state.save(index + [entry], for: indexKey)
            try await state.setData(Data(part), for: partKey(entry.run, entry.parts - 1))
            part = opening
            inPart = 0
        }
        for record in records {
            if inPart > 0 { part.append(UInt8(ascii: ",")) }
            record.appendSavedJSON(to: &part)
            inPart += 1
            entry.records += 1
            if inPart == entry.recordsPerPart { try await flush() }
        }
        if inPart > 0 || entry.parts == 0 { try await flush() }
        entry.complete = true
    }

    /// Removes a report's parts — every part its entry counts, complete or not (the index names a
    /// part before it is written). Missing parts are no error, so a removal cut short is simply
    /// done again by the next save.
    private func removeParts(of entry: Entry) async {
        for index in 0..<entry.parts { try? await state.remove(partKey(entry.run, index)) }
    }

    /// A kept report's records, read one part at a time as they are asked for.
    /// - Parameters:
    ///   - entry: The report.
    ///   - fromPart: The first part to read (the records before it are skipped unread).
    package func records(of entry: Entry, fromPart: Int = 0) -> RunReportRecords {
        RunReportRecords(shelf: self, entry: entry, firstPart: fromPart, filter: RunReportFilter())
    }
}

/// The records of a run's report, read from the state store one part at a time as they are asked
/// for (memory holds one part however large the report), optionally filtered.
public struct RunReportRecords: AsyncSequence, Sendable {
    /// A record.
    public typealias Element = RunReportRecord

    let shelf: RunReportShelf
    let entry: RunReportShelf.Entry
    let firstPart: Int
    let filter: RunReportFilter

    /// The same records, keeping only those that pass the filter.
    func filtered(by filter: RunReportFilter) -> RunReportRecords {
        RunReportRecords(shelf: shelf, entry: entry, firstPart: firstPart, filter: filter)
    }

    /// Reads the next part when the one in hand is used up.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let records: RunReportRecords
        var nextPart: Int
        var buffer: [RunReportRecord] = []
        var position = 0

        /// The next record.
        /// - Returns: The record, or `nil` after the last.
        /// - Throws: ``SyncStateError`` when a part cannot be read or is missing;
        ///   ``DirectoryServiceError`` (`noReport`) when the report was dropped while it was read.
        public mutating func next() async throws -> RunReportRecord? {
            while true {
                while position < buffer.count {
                    let record = buffer[position]
                    position += 1
                    if records.filter.matches(record) { return record }
                }
                guard nextPart < records.entry.parts else { return nil }
                let key = records.shelf.partKey(records.entry.run, nextPart)
                guard let part = try await records.shelf.state.load([RunReportRecord].self, for: key) else {
                    // Dropped by a newer run's report while it was read, or lost.
                    if let kept = try? await records.shelf.entries(), !kept.contains(where: { $0.run == records.entry.run }) {
                        throw DirectoryServiceError(
                            .noReport, "The report of run '\(records.entry.run)' was dropped while it was read, for a newer run's report",
                            fix: "Keep more reports (Configuration.reports) to read older runs.")
                    }
                    throw SyncStateError.unreadable(
                        key: key.description, detail: "part \(nextPart + 1) of \(records.entry.parts) of the run's report is missing (dropped by a newer run, or removed)")
                }
                buffer = part
                position = 0
                nextPart += 1
            }
        }
    }

    /// Starts reading.
    /// - Returns: An iterator at the first record.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(records: self, nextPart: Swift.min(firstPart, entry.parts)) }
}
