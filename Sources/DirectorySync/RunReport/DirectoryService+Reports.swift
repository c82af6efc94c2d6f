import Foundation

extension DirectoryService {
    /// One page of what a run did to each object and why (Documentation/RunReports.md).
    ///
    /// ```swift
    /// let failed = try await service.report("contoso", filter: RunReportFilter(outcomes: [.failed]))
    /// for record in failed.records { print(record.record.subject, record.errorCode ?? "", record.error ?? "") }
    /// ```
    /// - Parameters:
    ///   - id: The source.
    ///   - run: The run's id (``RunRecord/id``), or `nil` for the last run.
    ///   - filter: Which records to show.
    ///   - offset: How many matching records to skip.
    ///   - limit: How many records at most (1 or more).
    /// - Returns: The page, with the run and the counts of matching and all records.
    /// - Throws: ``DirectoryServiceError`` (`unknownSource`; `invalidInput` for a bad page; `noReport`
    ///   when no report is kept for the run); ``SyncStateError``.
    public func report(_ id: SourceID, run: String? = nil, filter: RunReportFilter = RunReportFilter(), offset: Int = 0, limit: Int = 100) async throws
        -> RunReportPage
    {
        guard offset >= 0, limit >= 1 else {
            throw DirectoryServiceError(.invalidInput, "The page starts at \(offset) and holds \(limit) records", fix: "Give an offset of 0 or more and a limit of 1 or more.")
        }
        let (record, entry, shelf) = try await keptReport(id, run: run)
        var page: [RunReportRecord] = []
        if filter == RunReportFilter() {
            // Unfiltered, the page's place is known: only the parts that hold it are read.
            var position = (offset / entry.recordsPerPart) * entry.recordsPerPart
            for try await item in shelf.records(of: entry, fromPart: offset / entry.recordsPerPart) {
                if position >= offset { page.append(item) }
                position += 1
                if page.count == limit { break }
            }
            return RunReportPage(run: record, records: page, offset: offset, matching: entry.records, total: entry.records)
        }
        var matching = 0
        for try await item in shelf.records(of: entry) where filter.matches(item) {
            if matching >= offset && page.count < limit { page.append(item) }
            matching += 1
        }
        return RunReportPage(run: record, records: page, offset: offset, matching: matching, total: entry.records)
    }

    /// Every record of a run's report that passes the filter, read part by part (memory holds one
    /// part however large the report): for exports and for hosts that process a whole report.
    /// - Parameters:
    ///   - id: The source.
    ///   - run: The run's id, or `nil` for the last run.
    ///   - filter: Which records to keep.
    /// - Returns: The run and its records.
    /// - Throws: As ``report(_:run:filter:offset:limit:)``.
    public func reportRecords(_ id: SourceID, run: String? = nil, filter: RunReportFilter = RunReportFilter()) async throws
        -> (run: RunRecord, records: RunReportRecords)
    {
        let (record, entry, shelf) = try await keptReport(id, run: run)
        return (record, shelf.records(of: entry).filtered(by: filter))
    }

    /// The run's record and where its report is kept.
    private func keptReport(_ id: SourceID, run: String?) async throws -> (RunRecord, RunReportShelf.Entry, RunReportShelf) {
        let source = try await knownSource(id)
        let history = try await history(id)
        guard let record = run.map({ run in history.last { $0.id == run } }) ?? history.last else {
            throw DirectoryServiceError(
                .noReport, run == nil ? "'\(source.name)' has not synchronized yet" : "'\(source.name)' has no run '\(run ?? "")' in its history",
                fix: "List the runs with their ids in the history.")
        }
        guard configuration.reports.maximumReports > 0 else {
            throw DirectoryServiceError(.noReport, "Run reports are turned off for this service", fix: "Set Configuration.reports.maximumReports to 1 or more to keep them.")
        }
        let shelf = RunReportShelf(state: state, sourceID: id, retention: configuration.reports)
        guard let entry = try await shelf.entry(of: record.id) else {
            throw DirectoryServiceError(
                .noReport, "The report of run '\(record.id)' of '\(source.name)' is no longer kept",
                fix: "Reports are kept for the last \(configuration.reports.maximumReports) runs within \(configuration.reports.maximumBytes >> 20) MiB (a host keeps more by raising Configuration.reports); the reports a damaged index listed are no longer found once a later run has started a new index.")
        }
        return (record, entry, shelf)
    }
}
