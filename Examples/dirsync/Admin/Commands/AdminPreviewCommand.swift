import DirectorySync
import Foundation

/// `dirsync --state DIR preview --source NAME [--show …] [--export FILE --format F] [--json]`: what
/// the next synchronization of a source that is off would do (the standalone `dirsync preview`
/// previews the demo's tenant); `--json` prints the JSON export document instead of text.
enum AdminPreviewCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("preview")
        let source = try await context.source(&arguments)
        let show = arguments.flag("show")
        let offset = try arguments.integer("offset", in: 0...Int.max) ?? 0
        let limit = try arguments.integer("limit", in: 1...Preview.defaultDisplayLimit) ?? 50
        let export = try arguments.option("export")
        let formatName = try arguments.option("format") ?? "json"
        try arguments.finish()
        if context.json && show { throw UsageError("--json prints the whole preview as its JSON export; leave out --show (or --json for a page of text)") }
        let exporter = try PreviewFormat.exporter(named: formatName)
        let progress = context.showProgress()
        let preview = try await context.service.preview(source.id)
        progress?.cancel()
        Terminal.endProgress()
        let records = preview.records.count
        if let export {
            try exporter.export(preview, toFile: URL(fileURLWithPath: export))
        }
        if context.json {
            // The JSON is the export document itself (Documentation/preview.schema.json), streamed.
            var sink = FileHandleSink(FileHandle.standardOutput)
            try JSONPreviewExporter().export(preview, to: &sink)
            try sink.flush()
            return 0
        }
        print("Preview of '\(Terminal.safe(source.name))': \(records.counted("record")) (\(PreviewText.summary(preview))), valid until \(preview.expiresAt.shortText) or the next synchronization.")
        if let export {
            print("Exported \(records.counted("record")) as \(formatName) to \(Terminal.safe(export)).")
        }
        if show {
            let page = try preview.page(offset: offset, limit: limit)
            for record in page.records { print(PreviewText.line(record)) }
            print(PreviewText.pageFooter(page))
        }
        return 0
    }
}
