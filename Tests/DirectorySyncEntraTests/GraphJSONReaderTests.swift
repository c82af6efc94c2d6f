import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation
import Testing

/// Random Graph-shaped documents: pages of users, groups with member changes, members and delta
/// entries, with every JSON feature that is valid — escapes, surrogate pairs, raw UTF-8, nulls,
/// duplicate keys, unknown keys holding any value, whitespace, a byte order mark.
struct GraphDocumentGenerator {
    var random: SeededRandomNumberGenerator

    mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func whitespace() -> String { chance(80) ? "" : [" ", "\n", "\r\n", "\t", "  "].randomElement(using: &random)! }

    mutating func string() -> String {
        let pieces = [
            "a", "Z", "0", "é", "Ω", "中", "😀", "\\\"", "\\\\", "\\/", "\\n", "\\t", "\\b", "\\f", "\\r", "\\u00e9", "\\u0000",
            "\\ud83d\\ude00", "\\u4E2D", "\\u0041", "'", "@", ".", " ", "\u{7F}", "e\\u0301",
        ]
        let count = Int.random(in: 0..<8, using: &random)
        return "\"" + (0..<count).map { _ in pieces.randomElement(using: &random)! }.joined() + "\""
    }

    mutating func number() -> String {
        ["0", "-0", "12", "-3.25", "1e5", "2E-3", "6.02e+23", "1e999", "123456789012345678901234567890"].randomElement(using: &random)!
    }

    mutating func anyValue(depth: Int = 0) -> String {
        switch Int.random(in: 0..<(depth > 3 ? 6 : 8), using: &random) {
        case 0: return string()
        case 1: return number()
        case 2: return "true"
        case 3: return "false"
        case 4, 5: return "null"
        case 6: return "[" + (0..<Int.random(in: 0..<4, using: &random)).map { _ in anyValue(depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            return object((0..<Int.random(in: 0..<4, using: &random)).map { _ in (string(), anyValue(depth: depth + 1)) })
        }
    }

    mutating func object(_ members: [(String, String)]) -> String {
        "{" + members.map { key, value in whitespace() + key + whitespace() + ":" + whitespace() + value + whitespace() }.joined(separator: ",") + "}"
    }

    /// The members of an object with these fields: a value of the right kind (or null) for some,
    /// sometimes twice, plus unknown keys.
    mutating func members(strings: [String], bools: [String] = [], arrays: [String] = [], objects: [String: () -> String] = [:], id: Bool) -> [(String, String)] {
        var result: [(String, String)] = []
        if id { result.append(("\"id\"", chance(3) ? "null" : string())) }
        for name in strings where chance(70) { result.append(("\"\(name)\"", chance(15) ? "null" : string())) }
        for name in bools where chance(70) { result.append(("\"\(name)\"", chance(15) ? "null" : Bool.random(using: &random).description)) }
        for name in arrays where chance(60) {
            result.append(("\"\(name)\"", chance(15) ? "null" : "[" + (0..<Int.random(in: 0..<3, using: &random)).map { _ in string() }.joined(separator: ",") + "]"))
        }
        for (name, value) in objects.sorted(by: { $0.key < $1.key }) where chance(30) { result.append(("\"\(name)\"", chance(20) ? "null" : value())) }
        for _ in 0..<Int.random(in: 0..<3, using: &random) { result.append((string(), anyValue())) }
        if chance(10), let duplicate = result.randomElement(using: &random) { result.append(duplicate) }
        if chance(5) { result.append(("\"id\"", string())) }
        result.shuffle(using: &random)
        if chance(90), let index = result.firstIndex(where: { $0.0 == "\"id\"" }) { result.swapAt(0, index) }
        return result
    }

    mutating func removed() -> String { object([("\"reason\"", chance(50) ? "\"changed\"" : chance(50) ? "\"deleted\"" : "null")]) }

    mutating func user() -> String {
        let strings = [
            "userPrincipalName", "displayName", "givenName", "surname", "mail", "userType", "department", "jobTitle", "companyName", "city",
            "country", "officeLocation", "employeeId", "onPremisesSamAccountName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
        ]
        var this = self
        defer { self = this }
        return this.object(
            this.members(
                strings: strings, bools: ["accountEnabled"], arrays: ["otherMails", "proxyAddresses"],
                objects: ["@removed": { [self] in var copy = self; return copy.removed() }], id: true))
    }

    mutating func member() -> String {
        var result = [("\"id\"", string())]
        if chance(80) { result.append(("\"@odata.type\"", chance(50) ? "\"#microsoft.graph.user\"" : chance(50) ? "\"#microsoft.graph.group\"" : string())) }
        if chance(20) { result.append(("\"@removed\"", removed())) }
        return object(result)
    }

    mutating func group() -> String {
        var members: [(String, String)] = self.members(
            strings: ["displayName", "description", "mail"], bools: ["mailEnabled", "securityEnabled"], arrays: ["groupTypes"], id: true)
        if chance(60) { members.append(("\"members@delta\"", "[" + (0..<Int.random(in: 0..<4, using: &random)).map { _ in member() }.joined(separator: ",") + "]")) }
        if chance(15) { members.append(("\"@removed\"", removed())) }
        return object(members)
    }

    mutating func page() -> String {
        let item = Int.random(in: 0..<3, using: &random)
        let items = (0..<Int.random(in: 0..<5, using: &random)).map { _ in item == 0 ? user() : item == 1 ? group() : member() }
        var members: [(String, String)] = [("\"value\"", "[" + items.joined(separator: "," + whitespace()) + "]")]
        if chance(50) { members.append(("\"@odata.nextLink\"", chance(10) ? "null" : string())) }
        if chance(30) { members.append(("\"@odata.deltaLink\"", chance(10) ? "null" : string())) }
        if chance(50) { members.append(("\"@odata.context\"", string())) }
        members.shuffle(using: &random)
        // A repeated next link: the first one counts.
        if chance(10) { members.append(("\"@odata.nextLink\"", chance(20) ? "null" : string())) }
        return (chance(5) ? "\u{FEFF}" : "") + whitespace() + object(members) + whitespace()
    }
}

@Suite("GraphJSONReader: the hand-written page reader against JSONDecoder")
struct GraphJSONReaderTests {
    @Test("on random valid Graph documents both readers accept and reject the same documents and return the same values", arguments: [1, 2, 3, 4] as [UInt64])
    func differential(seed: UInt64) {
        var generator = GraphDocumentGenerator(random: SeededRandomNumberGenerator(seed: seed))
        var accepted = 0
        for _ in 0..<500 {
            let document = generator.page()
            let comparison = EntraDecodingHooks.comparePageReaders(Data(document.utf8))
            #expect(comparison.disagreements.isEmpty, "\(comparison.disagreements) in \(document)")
            #expect(comparison.rejectedByReaderOnly.isEmpty, "valid JSON rejected as \(comparison.rejectedByReaderOnly): \(document)")
            accepted += comparison.accepted.count
        }
        // Most documents are readable as some page shape: the comparison is not vacuous.
        #expect(accepted > 500)
    }

    @Test("strings are read eight bytes at a time: an escape, a quote, a control character or UTF-8 at every position of every length up to 40")
    func stringScan() {
        // (text in the document, whether it is valid JSON)
        let specials: [(String, Bool)] = [("\\\"", true), ("\\\\", true), ("\\u00e9", true), ("é", true), ("😀", true), ("\u{7F}", true), ("\t", false), ("\u{01}", false)]
        for length in 0..<40 {
            for position in 0..<max(length, 1) {
                for (special, valid) in specials {
                    var text = Array(repeating: "a", count: length)
                    if length > 0 { text[position] = special }
                    let id = text.joined()
                    let document = #"{"value":[{"id":"\#(id)","displayName":"x"}],"@odata.nextLink":"\#(id)"}"#
                    let comparison = EntraDecodingHooks.comparePageReaders(Data(document.utf8))
                    #expect(comparison.disagreements.isEmpty, "\(comparison.disagreements)")
                    #expect(comparison.accepted.contains("GraphPage<GraphUser>") == (valid || length == 0), "\(document)")
                }
            }
        }
    }

    @Test("the next link found before a page is read is the one reading the page finds", arguments: [
        #"{"@odata.nextLink":"https://g/2","value":[{"id":"a"}]}"#, #"{"value":[{"id":"a"}],"@odata.nextLink":"https://g/2"}"#,
        #"{"@odata.context":"c","value":[],"@odata.nextLink":"https://g/2"}"#, #"{"@odata.nextLink":null,"value":[{"id":"a"}]}"#,
        #"{"@odata.nextLink":"https://g/2","@odata.nextLink":"https://g/3","value":[]}"#, #"{"@odata.nextLink":null,"@odata.nextLink":"https://g/3","value":[]}"#,
        #"{"value":[{"id":"a","@odata.nextLink":"https://g/9"}],"@odata.deltaLink":"https://g/d"}"#, #"{"@odata.next\u004cink":"https://g/2","value":[]}"#,
        "\u{FEFF} {\"@odata.nextLink\" : \"https://g/\\u0032\", \"value\":[]}",
    ])
    func nextLinkEarly(document: String) {
        let comparison = EntraDecodingHooks.comparePageReaders(Data(document.utf8))
        #expect(comparison.disagreements.isEmpty, "\(comparison.disagreements)")
        #expect(comparison.accepted.contains("GraphPage<GraphUser>"))
    }

    @Test("invalid JSON is refused even where JSONDecoder lets it pass", arguments: [
        #"{"value":[{"id":"a",}]}"#, #"{"value":[{"id":"a"},]}"#, #"{"value":[{"id":"a","x":01}]}"#, #"{"value":[{"id":"a","x":1.}]}"#,
        #"{"value":[{"id":"a","x":-}]}"#, #"{"value":[{"id":"a","x":.5}]}"#, #"{"value":[{"id":"a","x":1e}]}"#,
        #"{"value":[{"id":"a","x":tru}]}"#, #"{"value":[{"id":"a"/*c*/}]}"#, #"{"value":[{"id":"\ud800"}]}"#, #"{"value":[{"id":"\udc00x"}]}"#,
        #"{"value":[{"id":"\x"}]}"#, #"{"value":[{"id":"\u12"}]}"#, "{\"value\":[{\"id\":\"a\tb\"}]}", #"{"value":[{"id":"a"}]} x"#,
        #"{"value":[{"id":"a"}]"#, #"{"value":[{"id":"a}]}"#, #"{"value":[{'id':"a"}]}"#, #"[]"#, "", "null", #"{"value":[{"id":"a"}]}}"#,
        #"{"value" [{"id":"a"}]}"#, #"{"value":[{"id":"a" "x":1}]}"#, #"{"value":[{"id":"a","x":NaN}]}"#,
    ])
    func refusesInvalid(document: String) {
        let comparison = EntraDecodingHooks.comparePageReaders(Data(document.utf8))
        #expect(comparison.accepted.isEmpty && comparison.disagreements.isEmpty, "\(comparison)")
    }

    @Test("invalid UTF-8 in a value or key (read or skipped), and nesting deeper than 512, are refused; 512 levels are read")
    func bytesAndDepth() {
        let invalid: [[UInt8]] = [
            Array(#"{"value":[{"id":""#.utf8) + [0xFF] + Array(#""}]}"#.utf8),
            Array(#"{"value":[{"id":""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}]}"#.utf8),
            Array(#"{"value":[{"id":"a",""#.utf8) + [0xC3] + Array(#"":1}]}"#.utf8),
            Array(#"{"value":[{"id":"a\n"#.utf8) + [0xFF] + Array(#""}]}"#.utf8),
            // In values nobody reads, too (JSONDecoder lets these pass).
            Array(#"{"value":[{"id":"a","x":""#.utf8) + [0xFF] + Array(#""}]}"#.utf8),
            Array(#"{"value":[{"id":"a","x":[""#.utf8) + [0xC3] + Array(#""]}]}"#.utf8),
        ]
        for bytes in invalid {
            let comparison = EntraDecodingHooks.comparePageReaders(Data(bytes))
            #expect(comparison.accepted.isEmpty && comparison.disagreements.isEmpty, "\(bytes)")
        }
        func nested(_ levels: Int) -> Data {
            // The page and `value` take two levels, the user one more.
            Data((#"{"value":[{"id":"a","x":"# + String(repeating: "[", count: levels - 3) + String(repeating: "]", count: levels - 3) + "}]}").utf8)
        }
        #expect(EntraDecodingHooks.comparePageReaders(nested(512)).accepted.contains("GraphPage<GraphUser>"))
        let tooDeep = EntraDecodingHooks.comparePageReaders(nested(513))
        #expect(tooDeep.accepted.isEmpty && tooDeep.disagreements.isEmpty)
    }

}
