import Foundation

/// Output helpers: standard output for results, standard error for progress and errors.
enum Terminal {
    static let errorIsTerminal = isatty(STDERR_FILENO) == 1

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }

    /// Rewrites one progress line on standard error, only when it is a terminal.
    static func progress(_ text: String) {
        guard errorIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K\(text)".utf8))
    }

    static func endProgress() {
        guard errorIsTerminal else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
    }
}

extension Terminal {
    /// `text` made safe to print on a terminal: characters that would move the cursor, clear the
    /// screen, set the window title, start a new line or reorder the text are shown as escapes
    /// instead (`\n`, `\r`, `\t`, `\u{1B}`, `\u{202E}`); everything else is kept as is.
    ///
    /// Every value that comes from the directory, the store or the state, and any input echoed in
    /// a message, goes through it before it reaches a terminal. JSON output does not: it is for
    /// programs and stays exact.
    static func safe(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isUnsafe) else { return text }
        var result = ""
        result.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
        for scalar in text.unicodeScalars {
            guard isUnsafe(scalar) else {
                result.unicodeScalars.append(scalar)
                continue
            }
            switch scalar {
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            default: result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            }
        }
        return result
    }

    /// ``safe(_:)`` applied to each line of a text that is several lines by design (such as a
    /// connection report): its line breaks stay, every other unsafe character is escaped.
    static func safe(lines text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { safe(String($0)) }.joined(separator: "\n")
    }

    /// C0 controls, DEL, C1 controls (U+0085 included), the line and paragraph separators, and the
    /// bidirectional marks, embeddings, overrides and isolates.
    private static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F, 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }
}
