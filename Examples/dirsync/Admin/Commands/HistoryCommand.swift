import DirectorySync
import Foundation

/// `dirsync --state DIR history --source NAME`: a source's runs, one a line, with their ids;
/// with `--run ID|last`, what that run did to each object (its report), filtered and paged, or
/// exported with `--export FILE --format json|jsonl|csv` (reads only).
enum HistoryCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let runName = try arguments.option("run")
        let filter = try Self.filter(&arguments)
        let offsetGiven = try arguments.integer("offset", in: 0...Int.max)
        let limitGiven = try arguments.integer("limit", in: 1...Int.max)
        let export = try arguments.option("export")
        let formatGiven = try arguments.option("format")
        try arguments.finish()
        let offset = offsetGiven ?? 0
        let limit = limitGiven ?? 50
        let formatName = formatGiven ?? "json"
        if formatGiven != nil && export == nil { throw UsageError("--format goes with --export FILE") }
        let history = try await context.service.history(source.id)
        guard let runName else {
            guard filter == RunReportFilter(), export == nil, offsetGiven == nil, limitGiven == nil, formatGiven == nil else {
                throw UsageError("--outcome, --action, --kind, --subject, --offset, --limit, --export and --format go with --run ID|last")
            }
            if context.json { try context.printJSON(history); return 0 }
            print(Table.render(["RUN", "STARTED", "TRIGGER", "READ", "OUTCOME", "APPLIED", "FAILED", "USERS", "GROUPS"], history.map {
                [String($0.id.prefix(8)), $0.startedAt.shortText, $0.trigger.rawValue, RunRecordText.readKind($0), RunRecordText.outcome($0),
                 $0.succeeded.grouped, $0.failed.grouped, $0.usersSynchronized.grouped, $0.groupsSynchronized.grouped]
            }))
            return 0
        }
        let run = try Self.run(named: runName, in: history, source: source)
        if let export {
            let exporter = try PreviewFormat.reportExporter(named: formatName)
            let (record, records) = try await context.service.reportRecords(source.id, run: run.id, filter: filter)
            try await exporter.export(record, records: records, toFile: URL(fileURLWithPath: export))
            if !context.json { print("Exported the report of run \(run.id.prefix(8)) as \(formatName) to \(Terminal.safe(export)).") }
            return 0
        }
        let page = try await context.service.report(source.id, run: run.id, filter: filter, offset: offset, limit: limit)
        if context.json {
            try context.printJSON(page)
            return 0
        }
        print("Run \(Terminal.safe(run.id)) of '\(Terminal.safe(source.name))': \(run.trigger.rawValue), \(RunRecordText.outcome(run)), \(run.startedAt.shortText), \(page.total.counted("record")).")
        for item in page.records { print(Self.line(item)) }
        guard !page.records.isEmpty else {
            print("No records at offset \(page.offset) (\(page.matching.grouped) matching).")
            return 0
        }
        let next = page.offset + page.records.count < page.matching ? "; next page: --offset \(page.offset + page.records.count)" : "."
        print("Records \(page.offset + 1)–\(page.offset + page.records.count) of \(page.matching.grouped) matching\(next)")
        return 0
    }

    /// A run by its id, a unique start of it, or `last`.
    static func run(named name: String, in history: [RunRecord], source: Source) throws -> RunRecord {
        if name == "last" {
            guard let last = history.last else { throw UsageError("'\(source.name)' has not synchronized yet") }
            return last
        }
        let matches = history.filter { $0.id.lowercased().hasPrefix(name.lowercased()) }
        guard matches.count == 1, let run = matches.first else {
            throw UsageError(matches.isEmpty ? "no run of '\(source.name)' starts with '\(Terminal.safe(name))'; 'history --source \(source.name)' lists them" : "'\(Terminal.safe(name))' names \(matches.count) runs; give more of the id")
        }
        return run
    }

    /// `--outcome`, `--action`, `--kind` and `--subject`.
    static func filter(_ arguments: inout Arguments) throws -> RunReportFilter {
        var filter = RunReportFilter(subjectContains: try arguments.option("subject"))
        if let text = try arguments.option("outcome") {
            guard let outcome = RunReportRecord.Outcome(rawValue: text) else {
                throw UsageError("--outcome must be one of \(RunReportRecord.Outcome.allCases.map(\.rawValue).joined(separator: ", ")), not '\(Terminal.safe(text))'")
            }
            filter.outcomes = [outcome]
        }
        if let text = try arguments.option("action") {
            guard let action = PreviewRecord.Action(rawValue: text) else {
                throw UsageError("--action must be one of \(PreviewRecord.Action.allCases.map(\.rawValue).joined(separator: ", ")), not '\(Terminal.safe(text))'")
            }
            filter.actions = [action]
        }
        if let text = try arguments.option("kind") {
            guard let kind = PreviewRecord.ObjectKind(rawValue: text) else { throw UsageError("--kind must be user, group or membership, not '\(Terminal.safe(text))'") }
            filter.objectKinds = [kind]
        }
        return filter
    }

    /// One record: its outcome, then the record as a preview shows it, then the store's error.
    static func line(_ item: RunReportRecord) -> String {
        var text = "\(item.outcome.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(PreviewText.line(item.record))"
        if let error = item.error { text += "  \(Terminal.safe(item.errorCode.map { "\($0): " } ?? ""))\(Terminal.safe(error))" }
        return text
    }
}
