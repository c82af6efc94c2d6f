@testable import dirsync
import Testing

@Suite("dirsync: the options reader")
struct ArgumentsTests {
    /// The usage error `body` throws, if any.
    func usageError(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return (error as? UsageError)?.description ?? "not a usage error: \(error)"
        }
    }

    @Test("an option given twice is reported as such, in either form", arguments: [
        ["--source", "a", "--source", "b"], ["--source=a", "--source", "b"], ["--source", "a", "--source=b"],
    ])
    func optionTwice(words: [String]) {
        var arguments = Arguments(words)
        #expect(usageError { _ = try arguments.option("source") } == "--source is given twice; give it once")
    }

    @Test("a flag given twice is reported by finish")
    func flagTwice() {
        var arguments = Arguments(["--json", "--json"])
        let taken = arguments.flag("json")
        #expect(taken)
        #expect(usageError { try arguments.finish() } == "--json is given twice; give it once")
    }

    @Test("what is unknown stays unknown, and is printed safely")
    func unknown() throws {
        var arguments = Arguments(["--source", "a", "--bogus\u{1B}[2J"])
        let source = try arguments.option("source")
        #expect(source == "a")
        // Not an option's name (it holds an escape sequence): not printed at all.
        #expect(usageError { try arguments.finish() } == "unknown argument: a value without its option (not shown: it could be a secret); see 'dirsync --help'")
        let typo = Arguments(["--sourse=x"])
        #expect(usageError { try typo.finish() } == "unknown argument '--sourse'; see 'dirsync --help'")
        for stray in ["Sup3r-Secret", "-Sup3r=Secret", "--client-secret=Sup3r"] {
            let arguments = Arguments([stray])
            #expect(!(usageError { try arguments.finish() } ?? "").contains("Sup3r"))
        }
    }
}
