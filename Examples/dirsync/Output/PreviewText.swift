import DirectorySync
import Foundation

/// A preview as the terminal shows it: its counts, one line per record, and the line under a page.
enum PreviewText {
    /// The counts by action, such as `create 12, update 3`.
    static func summary(_ preview: Preview) -> String {
        PreviewRecord.Action.allCases.compactMap { action in preview.summary[action].map { "\(action.rawValue) \($0.grouped)" } }.joined(separator: ", ")
    }

    /// One record as `--show` prints it; what came from the directory or the store is made
    /// safe for the terminal.
    static func line(_ record: PreviewRecord) -> String {
        var text = "\(record.action.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)) \(record.objectKind.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(Terminal.safe(record.subject))"
        if let group = record.group { text += " → \(Terminal.safe(group))" }
        if !record.changes.isEmpty { text += "  [\(Terminal.safe(record.changes.map(\.description).joined(separator: "; ")))]" }
        return text + "  (\(Terminal.safe(record.reason)))"
    }

    /// The line under a page: which records it showed and how to get the next page.
    static func pageFooter(_ page: PreviewPage) -> String {
        let first = page.records.isEmpty ? 0 : page.offset + 1
        let next = page.hasMore ? "; next page: --offset \(page.offset + page.records.count)" : "."
        return "Records \(first)–\(page.offset + page.records.count) of \(page.total.grouped)\(next)"
    }
}
