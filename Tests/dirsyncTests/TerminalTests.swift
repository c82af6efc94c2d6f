@testable import dirsync
import Foundation
import Testing

@Suite("dirsync: text for a terminal")
struct TerminalTests {
    @Test("control characters, line separators and bidi overrides are shown as escapes", arguments: [
        ("Ann\u{1B}[2J", #"Ann\u{1B}[2J"#),
        ("a\nb\r\tc", #"a\nb\r\tc"#),
        ("\u{1B}]0;owned\u{07}", #"\u{1B}]0;owned\u{7}"#),
        ("x\u{7F}\u{85}\u{9B}y", #"x\u{7F}\u{85}\u{9B}y"#),
        ("\u{2028}\u{2029}", #"\u{2028}\u{2029}"#),
        ("abc\u{202E}fed\u{2066}\u{2069}", #"abc\u{202E}fed\u{2066}\u{2069}"#),
        ("Zoë Øystein 日本 👩‍💻 CONTOSO\\ann", "Zoë Øystein 日本 👩‍💻 CONTOSO\\ann"),
    ])
    func safe(raw: String, shown: String) {
        #expect(Terminal.safe(raw) == shown)
        #expect(!Terminal.safe(raw).unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) })
    }

    @Test("a multi-line report keeps its lines and escapes inside them")
    func lines() {
        #expect(Terminal.safe(lines: "✔ token: issued\n✘ graphRead: \u{1B}[31mred") == "✔ token: issued\n✘ graphRead: \\u{1B}[31mred")
    }

    @Test("a table cell with an escape sequence or a newline stays in its cell")
    func table() {
        let text = Table.render(["ID", "NAME"], [["u-1", "Ann\u{1B}[2J\nEvil"], ["u-2", "Bo"]])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 3)
        #expect(!text.contains("\u{1B}"))
        #expect(lines[1] == #"u-1  Ann\u{1B}[2J\nEvil"#)
        #expect(lines[2] == "u-2  Bo")
    }

    @Test("counts take the right noun", arguments: [(0, "0 records"), (1, "1 record"), (2, "2 records"), (12_345, "12,345 records")])
    func counted(count: Int, text: String) {
        #expect(count.counted("record") == text)
    }

    @Test("the help shows every subcommand's name whole, with its summary beside it")
    func help() {
        let lines = DirSync.usage.split(separator: "\n")
        for command in DirSync.commands {
            let line = lines.first { $0.hasPrefix("  \(command.name) ") }
            #expect(line != nil, "\(command.name) is cut or missing")
            #expect(line?.hasSuffix(command.summary) == true)
        }
    }
}
