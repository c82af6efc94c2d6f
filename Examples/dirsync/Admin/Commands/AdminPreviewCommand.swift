import DirectorySync
import Foundation

/// `dirsync --state DIR preview --source NAME [--show [--new] [--action A] …] [--export FILE --format F] [--json]`:
/// what the next synchronization of a source that is off would do (the standalone `dirsync preview`
/// previews the demo's tenant); `--json` prints the JSON export document instead of text.
///
/// Without `--show` it makes a new preview. `--show` shows the kept one while it is valid — seven
/// days, until the next synchronization, or until the source's settings change — and makes one
/// only when none is kept (or with `--new`); showing a kept preview also works while another
/// process holds the folder.
enum AdminPreviewCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let show = arguments.flag("show")
        let new = arguments.flag("new")
        let actionName = try arguments.option("action")
        let offset = try arguments.integer("offset", in: 0...Int.max) ?? 0
        let limit = try arguments.integer("limit", in: 1...Preview.defaultDisplayLimit) ?? 50
        let export = try arguments.option("export")
        let formatName = try arguments.option("format") ?? "json"
        try arguments.finish()
        if context.json && show { throw UsageError("--json prints the whole preview as its JSON export; leave out --show (or --json for a page of text)") }
        var action: PreviewRecord.Action?
        if let actionName {
            guard show else { throw UsageError("--action chooses the records --show shows; give --show with it") }
            guard let parsed = PreviewRecord.Action(rawValue: actionName) else {
                throw UsageError("--action must be one of \(PreviewRecord.Action.allCases.map(\.rawValue).joined(separator: ", ")), not '\(actionName)'")
            }
            action = parsed
        }
        if new && !show { throw UsageError("--new makes a new preview for --show; without --show a new preview is always made") }
        let exporter = try PreviewFormat.exporter(named: formatName)
        let kept = show && !new ? try await context.service.storedPreview(source.id) : nil
        let preview: Preview
        if let kept {
            preview = kept
        } else {
            try context.requireOwnership("preview")
            let progress = context.showProgress()
            preview = try await context.service.preview(source.id)
            progress?.cancel()
            Terminal.endProgress()
        }
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
        let counts = "\(records.counted("record")) (\(PreviewText.summary(preview))), valid until \(preview.expiresAt.shortText) or the next synchronization"
        if kept != nil {
            print("Kept preview of '\(Terminal.safe(source.name))', made \(preview.generatedAt.shortText): \(counts); --new makes a new one.")
        } else {
            print("Preview of '\(Terminal.safe(source.name))': \(counts).")
        }
        if let export {
            print("Exported \(records.counted("record")) as \(formatName) to \(Terminal.safe(export)).")
        }
        if show {
            let page = try preview.page(offset: offset, limit: limit, action: action)
            if let action { print("Records with the action \(action.rawValue):") }
            for record in page.records { print(PreviewText.line(record)) }
            print(PreviewText.pageFooter(page))
        }
        return 0
    }
}
