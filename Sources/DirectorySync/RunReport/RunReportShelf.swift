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
/// of at most ``RunReportRetention/recordsPerPart`` records, written and read one part at a time —
/// memory holds one part and the report's strings, however large the run. Records are written in
/// saved form 2 (``RunReportSavedForm``), straight into bytes: a report may hold a million of them.
///
/// A report is indexed as incomplete, counting each part before it is written, and completed after
/// its outcomes, so parts left by a crash (or a failed write, or a removal cut short) are found and
/// removed by the next save; readers see complete reports only. The index is disposable: an
/// unreadable one starts afresh (the parts it named are then left where they are, until the
/// source is removed: ``removeAll(runs:)``).
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
        /// How its records are saved: 2 (``RunReportSavedForm``), or `nil` for reports written
        /// before it (one JSON object per record).
        package var format: Int?
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

    var indexKey: StateKey { StateKey(sourceID, "reports") }

    /// What to do about a report document that cannot be read: removing it does not help (the
    /// report then misses it), and it harms nothing else.
    package static let damagedReportFix =
        "Nothing was changed, and other runs' reports and the next runs are not affected. Restore the document from a backup to read this run's report; otherwise it is dropped with the oldest reports as newer runs' reports are kept."

    /// What to do about an index of reports that cannot be read.
    package static let damagedIndexFix =
        "Nothing was changed. Restore it from a backup to read the reports it lists; the next run starts a new index, and the reports the damaged one lists can then no longer be read."

    func partKey(_ run: String, _ part: Int) -> StateKey { StateKey(sourceID, "report-\(run)-\(part)") }

    /// The strings first used in a part; a report's outcomes, and its errors (saved form 2).
    func stringsKey(_ run: String, _ part: Int) -> StateKey { StateKey(sourceID, "report-\(run)-\(part)-strings") }
    func outcomesKey(_ run: String) -> StateKey { StateKey(sourceID, "report-\(run)-outcomes") }
    func errorsKey(_ run: String) -> StateKey { StateKey(sourceID, "report-\(run)-errors") }

    /// What to do when a report document and the one that counts what it holds — the index,
    /// unless `counter` names another — disagree: either may have changed.
    package func mismatchFix(_ document: StateKey, countedBy counter: StateKey? = nil) -> String {
        let other = counter.map { "'\($0)'" } ?? "the index '\(indexKey)', which lists every run's report"
        return "Nothing was changed, and the next runs are not affected. Restore from a backup whichever of the two was changed — '\(document)', or \(other); otherwise this report is dropped with the oldest reports as newer runs' reports are kept."
    }

    /// The error with this advice in place of the general one when it is about what a document
    /// holds (the shelf's own finding, a document that does not decode, or damage the store
    /// found); any other error — the folder's or the file's permissions or owner, a store that
    /// did not answer — and one with advice of its own keep theirs.
    package static func replacingGeneralAdvice(of error: SyncStateError, with fix: String) -> SyncStateError {
        guard error.code == .unreadable, error.fix == SyncStateError.unreadableFix,
            error.underlying == nil || error.underlying is DecodingError || (error.underlying as? OwnerOnlyFile.Problem)?.code == .damaged
        else { return error }
        return error.advising(fix)
    }

    /// The complete reports, oldest first.
    package func entries() async throws -> [Entry] { try await allEntries().filter(\.complete) }

    /// Every entry of the index as saved; an index that cannot be read comes with the advice to restore it.
    private func savedEntries() async throws -> [Entry] {
        do {
            return try await state.load([Entry].self, for: indexKey) ?? []
        } catch let error as SyncStateError {
            throw Self.replacingGeneralAdvice(of: error, with: Self.damagedIndexFix)
        }
    }

    /// Every entry of the index, except those no save could have written (a negative or absurd
    /// count would trap or loop in the code that removes or pages through them).
    private func allEntries() async throws -> [Entry] { try await savedEntries().filter(Self.isPossible) }

    /// "1 record", "2 records".
    static func count(_ number: Int, _ noun: String) -> String { "\(number) \(noun)\(number == 1 ? "" : "s")" }

    /// Whether a save could have written the entry.
    private static func isPossible(_ entry: Entry) -> Bool {
        let (capacity, overflow) = entry.parts.multipliedReportingOverflow(by: entry.recordsPerPart)
        return entry.parts >= 0 && entry.parts <= maximumParts && entry.records >= 0 && entry.bytes >= 0 && entry.recordsPerPart >= 1
            && (overflow || entry.records <= capacity)
    }

    /// The complete report of one run, or `nil` when none is kept.
    /// - Throws: ``SyncStateError`` when the index cannot be read, or its entry for the run is
    ///   one no save writes — counts that do not fit, a saved form no version writes (the index is
    ///   damaged: the report is not silently "no longer kept") — or is in a saved form newer than
    ///   this version reads.
    package func entry(of run: String) async throws -> Entry? {
        guard let entry = try await savedEntries().last(where: { $0.run == run }) else { return nil }
        guard Self.isPossible(entry) else {
            throw SyncStateError.unreadable(
                key: indexKey.description,
                detail: "its entry for run '\(run)' counts \(Self.count(entry.records, "record")) in \(Self.count(entry.parts, "part")) of \(Self.count(entry.recordsPerPart, "record")) each: no save writes that"
            ).advising(Self.damagedIndexFix)
        }
        if let error = formError(entry) { throw error }
        return entry.complete ? entry : nil
    }

    /// Why the entry's saved form cannot be read: one newer than this version reads, or one no
    /// version writes (the index is damaged); `nil` for form 1 (no `format`) and the current form.
    func formError(_ entry: Entry) -> SyncStateError? {
        guard let format = entry.format, format != RunReportSavedForm.version else { return nil }
        if format > RunReportSavedForm.version {
            return SyncStateError(
                .unsupportedFormatVersion, key: indexKey.description,
                detail: "The report of run '\(entry.run)' is saved in form \(format), but this version of DirectorySync reads up to form \(RunReportSavedForm.version)",
                fix: "Upgrade DirectorySync.")
        }
        return SyncStateError.unreadable(key: indexKey.description, detail: "its entry for run '\(entry.run)' names saved form \(format), which no version writes"
            ).advising(Self.damagedIndexFix)
    }

    /// More parts than a report can have (a billion records in parts of 1,000).
    static let maximumParts = 1_000_000

    /// Saves a whole report at once (``begin(run:)``, ``write(_:into:)``, ``finish(_:outcomes:)``).
    package func save(_ records: some Collection<RunReportRecord>, run: String) async throws {
        guard var entry = try await begin(run: run) else { return }
        try await write(records.lazy.map(\.record), into: &entry)
        try await finish(entry, outcomes: records.lazy.map { ($0.outcome, $0.errorCode, $0.error) })
    }

    /// Starts a run's report: removes what earlier saves left incomplete (and an earlier report
    /// of the same run) and returns the new report's entry, or `nil` when reports are off.
    package func begin(run: String) async throws -> Entry? {
        guard retention.maximumReports > 0 else { return nil }
        // Reports can be given up, unlike the history: an unreadable index starts afresh.
        var index = (try? await allEntries()) ?? []
        for stale in index.filter({ !$0.complete || $0.run == run }) { await removeParts(of: stale) }
        index.removeAll { !$0.complete || $0.run == run }
        try await state.save(index, for: indexKey)
        return Entry(run: run, parts: 0, records: 0, bytes: 0, recordsPerPart: retention.recordsPerPart, complete: false, format: RunReportSavedForm.version)
    }

    /// Writes what was planned, part by part — while the plan is being applied. Before each part
    /// is written, the index names it (the entry, incomplete, counts it), so whatever a crash
    /// leaves — even while its parts are being removed — is known and removed by the next save.
    /// A report that cannot be written leaves no part behind.
    package func write(_ records: some Sequence<PreviewRecord>, into entry: inout Entry) async throws {
        do {
            var writer = RunReportSavedForm.Writer()
            var part = opening
            var inPart = 0
            var named = 0
            for record in records {
                if inPart > 0 { part.append(UInt8(ascii: ",")) }
                writer.append(record, to: &part)
                inPart += 1
                entry.records += 1
                if inPart == entry.recordsPerPart {
                    try await flush(&part, strings: writer.takeAdded(), into: &entry, named: &named)
                    inPart = 0
                }
            }
            if inPart > 0 || entry.parts == 0 { try await flush(&part, strings: writer.takeAdded(), into: &entry, named: &named) }
        } catch {
            await abandon(entry)
            throw error
        }
    }

    /// Writes each record's outcome (in the order the records were written), completes the
    /// report and drops the oldest past the retention.
    package func finish(_ entry: Entry, outcomes: some Sequence<(RunReportRecord.Outcome, String?, String?)>) async throws {
        var entry = entry
        do {
            // Every record's outcome in one document (one write, not one per part), then how many
            // records have an error; their codes and messages in another, when there are any.
            var numbers: [Int] = []
            numbers.reserveCapacity(entry.records + 1)
            var errors: [RunReportSavedForm.RecordError] = []
            var iterator = outcomes.makeIterator()
            for position in 0..<entry.records {
                let (outcome, code, message) = iterator.next() ?? (.notAttempted, nil, "the run ended before it")
                numbers.append(RunReportSavedForm.number(outcome))
                if code != nil || message != nil { errors.append(.init(position: position, code: code, message: message)) }
            }
            numbers.append(errors.count)
            var bytes = opening
            RunReportSavedForm.Writer.appendNumbers(numbers, to: &bytes)
            bytes.append(contentsOf: Array("]}".utf8))
            entry.bytes += bytes.count
            if !errors.isEmpty {
                try await state.save(errors, for: errorsKey(entry.run))
                entry.bytes += errors.reduce(0) { $0 + 32 + ($1.code?.utf8.count ?? 0) + ($1.message?.utf8.count ?? 0) }
            }
            try await state.setData(Data(bytes), for: outcomesKey(entry.run))
            entry.complete = true
        } catch {
            await abandon(entry)
            throw error
        }
        var index = (try? await allEntries())?.filter(\.complete) ?? []
        index.append(entry)
        var dropped: [Entry] = []
        while index.count > retention.maximumReports || (index.count > 1 && index.reduce(0, { $0 + $1.bytes }) > retention.maximumBytes) {
            dropped.append(index.removeFirst())
        }
        try await state.save(index, for: indexKey)
        for entry in dropped { await removeParts(of: entry) }
    }

    /// Removes every report of the source (its parts, then the index) — also those of `runs`
    /// (the source's history) that the index does not list: an index found damaged was replaced by
    /// a new one, and the reports it listed were left where they were.
    /// - Throws: A document's removal that failed, once every removal was tried; the index is
    ///   then kept, so removing again finds what is left.
    package func removeAll(runs: [String] = []) async throws {
        let indexed = (try? await allEntries()) ?? []
        var failure: (any Error)?
        for entry in indexed { failure = await removeParts(of: entry) ?? failure }
        let listed = Set(indexed.map(\.run))
        for run in Set(runs).subtracting(listed) {
            // Parts are written from the first on, each with its strings.
            var part = 0
            var unreadableInARow = 0
            let giveUpAfter = 8
            while part < Self.maximumParts {
                let found = [await presence(partKey(run, part)), await presence(stringsKey(run, part))]
                guard !found.allSatisfy({ $0 == .absent }) else { break }
                part += 1
                // A store that did not answer, or that refuses every read: this part is removed
                // too, and the search ends.
                unreadableInARow = found.contains(.readable) ? 0 : unreadableInARow + 1
                if found.contains(.unknown) || unreadableInARow == giveUpAfter { break }
            }
            failure = await removeParts(of: Entry(run: run, parts: part, records: 0, bytes: 0, recordsPerPart: 1, complete: false, format: RunReportSavedForm.version)) ?? failure
        }
        // A document that could not be removed keeps the index (and the caller the history that
        // names its run): removing again finds it.
        if let failure { throw failure }
        try await state.remove(indexKey)
    }

    /// Whether a document is there, as far as the store says.
    private enum Presence {
        case absent, readable
        /// There, but damaged (or, in the file store, owned by another user).
        case unreadable
        /// The store did not say (it did not answer, or refused).
        case unknown
    }

    /// Whether the document is there (``Presence``).
    private func presence(_ key: StateKey) async -> Presence {
        do {
            return try await state.data(for: key) == nil ? .absent : .readable
        } catch let error as SyncStateError where error.code == .unreadable {
            guard let underlying = error.underlying else { return .unreadable }
            guard let problem = underlying as? OwnerOnlyFile.Problem, problem.code == .damaged || problem.code == .untrusted else { return .unknown }
            return .unreadable
        } catch {
            return .unknown
        }
    }

    /// The state store's envelope around a JSON array, written by hand.
    private var opening: [UInt8] { Array("{\"formatVersion\":\(type(of: state).formatVersion),\"value\":[".utf8) }

    /// Parts the index names ahead of those written (one index write per so many parts).
    static let partsNamedAhead = 8

    /// Writes one part and the strings first used in it. The index names it first — and the next
    /// few with it (``partsNamedAhead``: removing a part never written is no error), so the index is
    /// written once per eight parts, not once per part.
    private func flush(_ part: inout [UInt8], strings added: [String], into entry: inout Entry, named: inout Int) async throws {
        part.append(contentsOf: Array("]}".utf8))
        var strings = opening
        for (position, string) in added.enumerated() {
            if position > 0 { strings.append(UInt8(ascii: ",")) }
            JSONString.append(string, to: &strings)
        }
        strings.append(contentsOf: Array("]}".utf8))
        entry.bytes += part.count + strings.count
        entry.parts += 1
        if entry.parts > named {
            named = entry.parts + Self.partsNamedAhead - 1
            var naming = entry
            naming.parts = named
            let index = (try? await allEntries())?.filter { $0.run != entry.run } ?? []
            try await state.save(index + [naming], for: indexKey)
        }
        try await state.setData(Data(strings), for: stringsKey(entry.run, entry.parts - 1))
        try await state.setData(Data(part), for: partKey(entry.run, entry.parts - 1))
        part = opening
    }

    /// Removes an unfinished report's parts and its entry.
    private func abandon(_ entry: Entry) async {
        await removeParts(of: entry)
        if let index = try? await allEntries() { try? await state.save(index.filter { $0.run != entry.run }, for: indexKey) }
    }

    /// Removes a report's parts — every part its entry counts, complete or not (the index names a
    /// part before it is written). Missing parts are no error, so a removal cut short is simply
    /// done again by the next save.
    /// - Returns: The first removal that failed, once every removal was tried (a save ignores it:
    ///   the next one tries again; ``removeAll(runs:)`` throws it).
    @discardableResult
    private func removeParts(of entry: Entry) async -> (any Error)? {
        var keys: [StateKey] = []
        // From the last: a removal cut short leaves the first parts, which `removeAll(runs:)` finds.
        for index in (0..<entry.parts).reversed() {
            keys.append(partKey(entry.run, index))
            if entry.format != nil { keys.append(stringsKey(entry.run, index)) }
        }
        if entry.format != nil { keys += [outcomesKey(entry.run), errorsKey(entry.run)] }
        var failure: (any Error)?
        for key in keys {
            do {
                try await state.remove(key)
            } catch {
                failure = failure ?? error
            }
        }
        return failure
    }

    /// A kept report's records, read one part at a time as they are asked for.
    /// - Parameters:
    ///   - entry: The report.
    ///   - fromPart: The first part to read (the records before it are skipped unread).
    ///   - naming: Keep only the records whose subject, group, directory object id, identity id or
    ///     group id is one of these (decided before a record is built: finding one object's records in a report
    ///     of a million costs a scan, not a million records); `nil` keeps all.
    package func records(of entry: Entry, fromPart: Int = 0, naming: Set<String>? = nil) -> RunReportRecords {
        RunReportRecords(shelf: self, entry: entry, firstPart: fromPart, filter: RunReportFilter(), naming: naming)
    }
}

/// The records of a run's report, read from the state store one part at a time as they are asked
/// for (memory holds one part, the strings of the parts read and an outcome per record, however
/// large the report), optionally filtered.
public struct RunReportRecords: AsyncSequence, Sendable {
    /// A record.
    public typealias Element = RunReportRecord

    let shelf: RunReportShelf
    let entry: RunReportShelf.Entry
    let firstPart: Int
    let filter: RunReportFilter
    var naming: Set<String>? = nil

    /// The same records, keeping only those that pass the filter.
    func filtered(by filter: RunReportFilter) -> RunReportRecords {
        RunReportRecords(shelf: shelf, entry: entry, firstPart: firstPart, filter: filter, naming: naming)
    }

    /// Reads the next part when the one in hand is used up.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let records: RunReportRecords
        var nextPart: Int
        var buffer: [RunReportRecord] = []
        var position = 0
        /// Saved form 2: the strings of the parts read so far (and of those skipped), and the
        /// indices of those ``RunReportRecords/naming`` names.
        var strings: [String] = []
        var stringsRead = 0
        var named: Set<Int> = []
        /// Saved form 2: every record's outcome, and the errors by position (read once).
        var outcomes: [RunReportRecord.Outcome]?
        var errors: [Int: RunReportSavedForm.RecordError] = [:]

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
                do {
                    buffer = try await read(part: nextPart)
                } catch let error as SyncStateError {
                    throw RunReportShelf.replacingGeneralAdvice(of: error, with: RunReportShelf.damagedReportFix)
                }
                position = 0
                nextPart += 1
            }
        }

        private mutating func read(part: Int) async throws -> [RunReportRecord] {
            let shelf = records.shelf
            let key = shelf.partKey(records.entry.run, part)
            let parts = records.entry.parts
            if let error = shelf.formError(records.entry) { throw error }
            guard records.entry.format == RunReportSavedForm.version else {
                guard let records = try await shelf.state.load([RunReportRecord].self, for: key) else {
                    throw try await missing("part \(part + 1) of \(parts)", key, countedBy: shelf.indexKey)
                }
                return records
            }
            while stringsRead <= part {
                let stringsKey = shelf.stringsKey(records.entry.run, stringsRead)
                guard let added = try await shelf.state.load([String].self, for: stringsKey) else {
                    throw try await missing("the strings of part \(stringsRead + 1) of \(parts)", stringsKey, countedBy: shelf.indexKey)
                }
                if let naming = records.naming {
                    for (offset, string) in added.enumerated() where naming.contains(string) { named.insert(strings.count + offset) }
                }
                strings += added
                stringsRead += 1
            }
            guard let data = try await shelf.state.data(for: key) else { throw try await missing("part \(part + 1) of \(parts)", key, countedBy: shelf.indexKey) }
            let planned: [PreviewRecord?]
            do {
                planned = try RunReportSavedForm.records(Array(data), strings: strings, key: key.description, naming: records.naming == nil ? nil : named)
            } catch let error as SyncStateError where error.underlying is RunReportSavedForm.UnknownString {
                // The part, or the strings it is read with, changed.
                throw error.advising(shelf.mismatchFix(key, countedBy: shelf.stringsKey(records.entry.run, part)))
            }
            if outcomes == nil { try await readOutcomes() }
            let first = part * records.entry.recordsPerPart
            // Each part holds what the index says: full parts, then the rest.
            let expected = Swift.min(records.entry.recordsPerPart, records.entry.records - part * records.entry.recordsPerPart)
            guard planned.count == expected else {
                throw SyncStateError.unreadable(
                    key: key.description,
                    detail: "part \(part + 1) of \(parts) of the run's report holds \(RunReportShelf.count(planned.count, "record")) where the index '\(shelf.indexKey)' counts \(expected) for it (one of the two was changed)"
                ).advising(shelf.mismatchFix(key))
            }
            let outcomes = self.outcomes ?? []
            var result: [RunReportRecord] = []
            for (position, record) in planned.enumerated() {
                guard let record else { continue }
                var kept = RunReportRecord(record, outcome: outcomes[first + position])
                if let error = errors[first + position] { (kept.errorCode, kept.error) = (error.code, error.message) }
                result.append(kept)
            }
            return result
        }

        /// Reads the report's outcomes and errors, checking they match its records.
        private mutating func readOutcomes() async throws {
            let shelf = records.shelf
            let key = shelf.outcomesKey(records.entry.run)
            guard let data = try await shelf.state.data(for: key) else { throw try await missing("the outcomes", key, countedBy: shelf.indexKey) }
            let (read, errorCount) = try RunReportSavedForm.outcomes(Array(data), key: key.description)
            guard read.count == records.entry.records else {
                throw SyncStateError.unreadable(
                    key: key.description,
                    detail: "the run report's outcomes document holds \(RunReportShelf.count(read.count, "outcome")) where the index '\(shelf.indexKey)' counts \(RunReportShelf.count(records.entry.records, "record")) (one of the two was changed)"
                ).advising(shelf.mismatchFix(key))
            }
            var errors: [RunReportSavedForm.RecordError] = []
            if errorCount > 0 {
                let errorsKey = shelf.errorsKey(records.entry.run)
                guard let saved = try await shelf.state.load([RunReportSavedForm.RecordError].self, for: errorsKey) else {
                    throw try await missing("the errors", errorsKey, countedBy: key)
                }
                guard saved.count == errorCount else {
                    throw SyncStateError.unreadable(
                        key: errorsKey.description,
                        detail: "the run report's errors document holds \(RunReportShelf.count(saved.count, "error")) where its outcomes '\(key)' count \(RunReportShelf.count(errorCount, "record")) with an error (one of the two was changed)"
                    ).advising(shelf.mismatchFix(errorsKey, countedBy: key))
                }
                if let stray = saved.firstIndex(where: { $0.position < 0 || $0.position >= read.count }) {
                    throw SyncStateError.unreadable(
                        key: errorsKey.description,
                        detail: "error \(stray + 1) of the run report's errors names record \(saved[stray].position), outside the report's \(RunReportShelf.count(read.count, "record")) (numbered from 0)")
                }
                errors = saved
            }
            outcomes = read
            for error in errors { self.errors[error.position] = error }
        }

        /// Why a document of the report (`what`: "part 2 of 3", "the outcomes") is missing:
        /// dropped by a newer run's report while it was read; removed or lost; or never written,
        /// and `counter` (the document that counts it) changed.
        private func missing(_ what: String, _ key: StateKey, countedBy counter: StateKey) async throws -> any Error {
            if let kept = try? await records.shelf.entries(), !kept.contains(where: { $0.run == records.entry.run }) {
                return DirectoryServiceError(
                    .noReport, "The report of run '\(records.entry.run)' was dropped while it was read, for a newer run's report",
                    fix: "Keep more reports (Configuration.reports) to read older runs.")
            }
            return SyncStateError.unreadable(
                key: key.description, detail: "\(what) of the run's report cannot be found: it was removed or lost, or '\(counter)', which names it, was changed"
            ).advising(records.shelf.mismatchFix(key, countedBy: counter == records.shelf.indexKey ? nil : counter))
        }
    }

    /// Starts reading.
    /// - Returns: An iterator at the first record.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(records: self, nextPart: Swift.min(firstPart, entry.parts)) }
}
