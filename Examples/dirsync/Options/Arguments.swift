/// A small command-line reader: `--name value`, `--name=value` and `--flag`.
struct Arguments: Sendable {
    private var words: [String]
    /// The options and flags taken so far, to tell "given twice" from "unknown".
    private var taken: Set<String> = []

    init(_ words: [String]) { self.words = words }

    var isEmpty: Bool { words.isEmpty }

    /// Takes the first word if it is not an option (a subcommand).
    mutating func subcommand() -> String? {
        guard let first = words.first, !first.hasPrefix("-") else { return nil }
        words.removeFirst()
        return first
    }

    /// Takes `--name`. A flag given twice is left over, and ``finish()`` reports it as given twice.
    mutating func flag(_ name: String) -> Bool {
        guard let index = words.firstIndex(of: "--\(name)") else { return false }
        words.remove(at: index)
        taken.insert(name)
        return true
    }

    /// Whether `--name` (or `--name=value`) is given, without taking it.
    func contains(_ name: String) -> Bool { words.contains { $0 == "--\(name)" || $0.hasPrefix("--\(name)=") } }

    /// Takes `--name value` or `--name=value`.
    /// - Throws: ``UsageError`` when the value is missing or the option is given twice.
    mutating func option(_ name: String) throws -> String? {
        let value: String
        if let index = words.firstIndex(where: { $0.hasPrefix("--\(name)=") }) {
            value = String(words.remove(at: index).dropFirst(name.count + 3))
        } else {
            guard let index = words.firstIndex(of: "--\(name)") else { return nil }
            guard index + 1 < words.count, !words[index + 1].hasPrefix("--") else {
                throw UsageError("--\(name) needs a value")
            }
            value = words[index + 1]
            words.removeSubrange(index...(index + 1))
        }
        // Taking the first and ignoring the second would act on a value the user did not mean.
        if words.contains(where: { $0 == "--\(name)" || $0.hasPrefix("--\(name)=") }) {
            throw UsageError("--\(name) is given twice; give it once")
        }
        taken.insert(name)
        return value
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = try option(name) else { return nil }
        guard let value = Int(text.filter { $0 != "_" }), range.contains(value) else {
            throw UsageError("--\(name) must be a whole number from \(range.lowerBound) to \(range.upperBound), not '\(text)'")
        }
        return value
    }

    /// Fails on anything left over, so that typos are never ignored.
    func finish() throws {
        guard let first = words.first else { return }
        if first.hasPrefix("--"), taken.contains(String(first.dropFirst(2).prefix { $0 != "=" })) {
            throw UsageError("\(first.prefix { $0 != "=" }) is given twice; give it once")
        }
        // An option's name is shown; anything else is not: it could be a secret typed in the wrong place.
        let name = first.prefix { $0 != "=" }
        if name.wholeMatch(of: /--[a-z][a-z0-9-]{0,40}/) != nil {
            throw UsageError("unknown argument '\(name)'; see 'dirsync --help'")
        }
        throw UsageError("unknown argument: a value without its option (not shown: it could be a secret); see 'dirsync --help'")
    }
}
