import DirectorySync
import Foundation

/// `dirsync preview`: what the first synchronization of the embedded default would do.
enum PreviewCommand {
    static let help = """
        Usage: dirsync preview [--users N] [--groups N] [--seed N]
                               [--out FILE [--format json|jsonl|csv]] [--show [--offset N] [--limit N] [--action ACTION]]

        Previews the first synchronization of the demo's generated tenant into its pre-filled
        in-memory store (as `dirsync demo`), without changing anything.

        \(DemoEnvironment.options)
          --out FILE       export every record to FILE ('-' for standard output)
          --format F       json (default; one document), jsonl (JSON Lines) or csv (spreadsheet-safe)
          --show           show one page of records (only for previews of up to 20,000 records)
          --offset N       the first record of the page (default 0)
          --limit N        records on the page (default 50)
          --action A       only records with this action: \(PreviewRecord.Action.allCases.map(\.rawValue).joined(separator: ", "))
          --unchanged      also list users and groups that need no change
        """

    static func run(_ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        let environment = try await DemoEnvironment.make(&arguments)
        let out = try arguments.option("out")
        let formatName = try arguments.option("format") ?? "json"
        let show = arguments.flag("show")
        let offset = try arguments.integer("offset", in: 0...Int.max) ?? 0
        let limit = try arguments.integer("limit", in: 1...Preview.defaultDisplayLimit) ?? 50
        let actionName = try arguments.option("action")
        let unchanged = arguments.flag("unchanged")
        try arguments.finish()
        let exporter = try PreviewFormat.exporter(named: formatName)
        var action: PreviewRecord.Action?
        if let actionName {
            guard let parsed = PreviewRecord.Action(rawValue: actionName) else {
                throw UsageError("--action must be one of \(PreviewRecord.Action.allCases.map(\.rawValue).joined(separator: ", ")), not '\(actionName)'")
            }
            action = parsed
        }

        let preview = try PreviewGenerator(configuration: .init(includesUnchanged: unchanged)).makePreview(
            source: DemoEnvironment.source, directory: try await environment.directory.read(),
            store: try await environment.store.contents(), settings: SyncSettings(), sourceIsOn: false, now: Date())
        let records = preview.records.count
        let status = "Preview \(preview.id) of source '\(Terminal.safe("\(preview.sourceID)"))': \(records.counted("record")) (\(PreviewText.summary(preview))), valid until \(preview.expiresAt.formatted(.iso8601))."

        if let out {
            if out == "-" {
                var sink = FileHandleSink(FileHandle.standardOutput)
                try exporter.export(preview, to: &sink)
                try sink.flush()
            } else {
                try exporter.export(preview, toFile: URL(fileURLWithPath: out))
                print(status)
                print("Exported \(records.counted("record")) as \(formatName) to \(Terminal.safe(out)).")
            }
        }
        if show {
            print(status)
            do {
                let page = try preview.page(offset: offset, limit: limit, action: action)
                for record in page.records { print(PreviewText.line(record)) }
                print(PreviewText.pageFooter(page))
            } catch {
                Terminal.error("dirsync: \(Terminal.safe("\(error)"))")
                return 1
            }
        }
        if out == nil && !show {
            print(status)
            if records > Preview.defaultDisplayLimit {
                print("More than \(Preview.defaultDisplayLimit.grouped) records: too many to show as pages; export them with --out FILE.")
            } else {
                print("Show records with --show, or export them with --out FILE [--format json|jsonl|csv].")
            }
        }
        return 0
    }
}
