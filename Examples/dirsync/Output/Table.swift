import Foundation

/// Tables for people: columns padded to their widest cell.
enum Table {
    /// The header and rows as lines of padded columns. Every cell goes through
    /// ``Terminal/safe(_:)``: a value with a newline or an escape sequence stays in its cell.
    static func render(_ header: [String], _ rows: [[String]]) -> String {
        let header = header.map(Terminal.safe(_:))
        let rows = rows.map { $0.map(Terminal.safe(_:)) }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        return ([line(header)] + rows.map(line)).joined(separator: "\n")
    }
}
