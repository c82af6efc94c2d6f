import Foundation
import DirectorySync
import DirectorySyncTesting
import Testing

@Suite("Filters: textual form")
struct FilterParserTests {
    @Test("the issue's example parses into the expected tree")
    func example() throws {
        let parsed = try FilterExpression(parsing: "department eq 'Sales' and (displayName startsWith 'A' or city in ('Oslo','Bergen'))")
        #expect(parsed == .and([
            .condition(.init(.department, .equals, "Sales")),
            .or([.condition(.init(.displayName, .startsWith, "A")), .condition(.init(.city, .in, ["Oslo", "Bergen"]))]),
        ]))
        #expect(parsed.description == "department eq 'Sales' and (displayName startsWith 'A' or city in ('Oslo','Bergen'))")
    }

    @Test("and binds tighter than or; keywords ignore case")
    func precedence() throws {
        let parsed = try FilterExpression(parsing: "CITY EQ 'a' OR city eq 'b' AND department NE 'c'")
        #expect(parsed == .or([
            .condition(.init(.city, .equals, "a")),
            .and([.condition(.init(.city, .equals, "b")), .condition(.init(.department, .notEquals, "c"))]),
        ]))
    }

    @Test("quotes inside values are doubled, and Unicode survives")
    func quoting() throws {
        let parsed = try FilterExpression(parsing: "surname eq 'O''Brien' or displayName contains 'Zoë Øystein'")
        #expect(parsed.conditions.map(\.values) == [["O'Brien"], ["Zoë Øystein"]])
        #expect(parsed.description == "surname eq 'O''Brien' or displayName contains 'Zoë Øystein'")
    }

    @Test("bare true and false are accepted for booleans")
    func booleans() throws {
        let parsed = try FilterExpression(parsing: "accountEnabled eq TRUE")
        #expect(parsed == .condition(.init(.accountEnabled, .equals, "true")))
    }

    @Test("syntax errors point at the column", arguments: [
        ("department eq", 14, "expected a value"),
        ("department eq 'Sales", 15, "no closing quote"),
        ("department equals 'x'", 12, "unknown operator"),
        ("departmnt eq 'x'", 1, "unknown attribute"),
        ("(city eq 'a'", 13, "expected ')'"),
        ("city eq 'a' city eq 'b'", 13, "expected the end"),
        ("city in 'a'", 9, "'(' to start"),
        ("city eq 'a' and", 16, "expected an attribute"),
        ("", 1, "empty"),
        ("city eq 'a' # x", 13, "unexpected character"),
    ])
    func syntaxErrors(text: String, column: Int, fragment: String) {
        do {
            _ = try FilterExpression(parsing: text)
            Issue.record("'\(text)' parsed")
        } catch {
            #expect(error.code == .syntax, "unexpected \(error)")
            #expect(error.column == column, "\(error.detail)")
            #expect(error.detail.contains(fragment), "\(error.detail)")
            #expect(error.description.contains("column \(column)"))
        }
    }

    @Test("printing then parsing gives the same tree (seeded random expressions)")
    func roundTrip() throws {
        var random = SeededRandomNumberGenerator(seed: 2024)
        for _ in 0..<2_000 {
            let expression = Self.randomExpression(depth: 0, using: &random)
            let text = expression.description
            #expect(try FilterExpression(parsing: text) == expression, "\(text)")
        }
    }

    @Test("a filter round-trips through JSON as its text")
    func codable() throws {
        let filter = SyncFilter.usersByGroup(try FilterExpression(parsing: "groupType eq 'Security' and displayName startsWith 'Sales'"))
        let data = try JSONEncoder().encode(filter)
        #expect(String(decoding: data, as: UTF8.self).contains("usersByGroup"))
        #expect(try JSONDecoder().decode(SyncFilter.self, from: data) == filter)
    }

    static func randomExpression(depth: Int, using random: inout SeededRandomNumberGenerator) -> FilterExpression {
        if depth >= 3 || random.chance(0.4) {
            let attribute = FilterAttribute.allCases.randomElement(using: &random)!
            let op = FilterOperator.allCases.randomElement(using: &random)!
            let alphabet = Array("aZ' ()ø,\"\\ë-")
            func value() -> String { String((0..<Int.random(in: 1...6, using: &random)).map { _ in alphabet.randomElement(using: &random)! }) }
            let values = op == .in ? (0..<Int.random(in: 1...3, using: &random)).map { _ in value() } : [value()]
            return .condition(FilterCondition(attribute, op, values))
        }
        let operands = (0..<Int.random(in: 2...3, using: &random)).map { _ in randomExpression(depth: depth + 1, using: &random) }
        return random.chance(0.5) ? .and(operands) : .or(operands)
    }
}
