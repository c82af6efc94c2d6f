import Foundation

/// How many run reports a source keeps: the last ``maximumReports``, within ``maximumBytes``;
/// the oldest go first, the newest always stays.
public struct RunReportRetention: Hashable, Sendable {
    /// Reports kept per source (20 by default).
    public var maximumReports: Int
    /// Bytes of saved reports kept per source (64 MiB by default).
    public var maximumBytes: Int

    /// Creates a retention.
    /// - Parameters:
    ///   - maximumReports: Reports kept per source.
    ///   - maximumBytes: Bytes of saved reports kept per source.
    public init(maximumReports: Int = 20, maximumBytes: Int = 64 << 20) {
        self.maximumReports = max(1, maximumReports)
        self.maximumBytes = maximumBytes
    }
}

/// A source's run reports in its ``SyncStateStore``: an index (`reports`) and each report in parts
/// of at most ``recordsPerPart`` records (`report-<run>-<part>`), written and read one part at a
/// time — memory holds one part, however large the run — and small enough for any state store.
struct RunReportShelf: Sendable {
    /// One kept report.
    struct Entry: Hashable, Codable {
        var run: String
        var parts: Int
        var records: Int
        var bytes: Int
    }

    static let recordsPerPart = 2_000

    let state: any SyncStateStore
    let sourceID: SourceID
    let retention: RunReportRetention

    private var indexKey: StateKey { StateKey(sourceID, "reports") }

    private func partKey(_ run: String, _ part: Int) -> StateKey { StateKey(sourceID, "report-\(Self.safe(run))-\(part)") }

    /// Letters, digits and `-` only: a run id becomes part of a key.
    private static func safe(_ run: String) -> String { String(run.unicodeScalars.filter { CharacterSet.alphanumerics.contains($0) || $0 == "-" }.map(Character.init)) }

    /// The kept reports, oldest first.
    func entries() async throws -> [Entry] { try await state.load([Entry].self, for: indexKey) ?? [] }

    /// Saves a run's report part by part, then indexes it and drops the oldest reports past the
    /// retention. A report that cannot be saved leaves the earlier ones as they were.
    func save(_ records: some Sequence<RunReportRecord>, run: String) async throws {
        var part: [RunReportRecord] = []
        part.reserveCapacity(Self.recordsPerPart)
        var parts = 0
        var count = 0
        var bytes = 0
        func flush() async throws {
            bytes += try await state.saveCounting(part, for: partKey(run, parts))
            parts += 1
            part.removeAll(keepingCapacity: true)
        }
        for record in records {
            part.append(record)
            count += 1
            if part.count == Self.recordsPerPart { try await flush() }
        }
        if !part.isEmpty || parts == 0 { try await flush() }
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
    func records(of entry: Entry) -> AsyncThrowingStream<RunReportRecord, any Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    for index in 0..<entry.parts {
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
