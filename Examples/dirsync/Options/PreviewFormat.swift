import DirectorySync

/// Reads `--format json|jsonl|csv`: how a preview or a run's report is exported.
enum PreviewFormat {
    /// The exporter for `--format`.
    static func exporter(named name: String) throws -> any PreviewExporter {
        switch name {
        case "json": JSONPreviewExporter()
        case "jsonl": JSONLinesPreviewExporter()
        case "csv": CSVPreviewExporter()
        default: throw UsageError("--format must be json, jsonl or csv, not '\(name)'")
        }
    }

    /// The run-report exporter for `--format` (the same family).
    static func reportExporter(named name: String) throws -> any RunReportExporter {
        switch name {
        case "json": JSONPreviewExporter()
        case "jsonl": JSONLinesPreviewExporter()
        case "csv": CSVPreviewExporter()
        default: throw UsageError("--format must be json, jsonl or csv, not '\(name)'")
        }
    }
}
