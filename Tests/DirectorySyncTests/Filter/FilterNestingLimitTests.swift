import DirectorySync
import Foundation
import Testing

@Suite("Filters: nesting is refused beyond the limit before the parser descends")
struct FilterNestingLimitTests {
    static func nested(_ depth: Int) -> String {
        String(repeating: "(", count: depth) + "city eq 'Oslo'" + String(repeating: ")", count: depth)
    }

    @Test("parentheses up to the limit parse")
    func withinLimit() throws {
        let parsed = try FilterExpression(parsing: Self.nested(FilterExpression.maximumNesting))
        #expect(parsed == .condition(.init(.city, .equals, "Oslo")))
        // Three parentheses deep parses; the AND/OR levels are then validate(for:)'s business.
        let deepest = try FilterExpression(parsing: "city eq 'x' and (department eq 'y' or (surname eq 'z' and (givenName eq 'w' or country eq 'v')))")
        #expect(throws: FilterError.tooDeeplyNested(levels: 4, limit: FilterExpression.maximumNesting)) { try deepest.validate(for: .users) }
    }

    @Test("one level too many is a syntax error at that parenthesis, naming the limit", arguments: [4, 5_000, 100_000])
    func tooDeep(depth: Int) {
        let limit = FilterExpression.maximumNesting
        #expect {
            _ = try FilterExpression(parsing: Self.nested(depth))
        } throws: { error in
            guard let error = error as? FilterError, error.code == .syntax else { return false }
            return error.column == limit + 1 && error.detail.contains("more than \(limit) deep")
        }
        #expect(FilterExpression(Self.nested(depth)) == nil)
    }

    @Test("a saved filter nested 100,000 deep decodes to a DecodingError with the FilterError underneath")
    func savedTextTooDeep() throws {
        let document = try JSONSerialization.data(withJSONObject: ["mode": "usersByUser", "expression": Self.nested(100_000)])
        do {
            _ = try JSONDecoder().decode(SyncFilter.self, from: document)
            Issue.record("a 100,000-deep filter decoded")
        } catch DecodingError.dataCorrupted(let context) {
            let underlying = try #require(context.underlyingError as? FilterError)
            #expect(underlying.code == .syntax, "unexpected \(underlying)")
            #expect(underlying.column == FilterExpression.maximumNesting + 1)
            #expect(context.debugDescription.contains("more than \(FilterExpression.maximumNesting) deep"))
        }
    }

    @Test("a JSON document nested 100,000 deep is refused by the decoder, not a crash", arguments: ["[", "{\"expression\":"])
    func deepJSON(opening: String) {
        let closing = opening == "[" ? "]" : "}"
        let document = Data((String(repeating: opening, count: 100_000) + "1" + String(repeating: closing, count: 100_000)).utf8)
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(SyncFilter.self, from: document) }
        #expect(throws: DecodingError.self) { _ = try JSONDecoder().decode(FilterExpression.self, from: document) }
    }

    @Test("a saved state document holding a deep filter reads back as unreadable state")
    func stateDocument() async throws {
        let store = InMemorySyncStateStore()
        let key = StateKey("contoso", "filter")
        let document = #"{"formatVersion":1,"value":{"mode":"usersByGroup","expression":"\#(Self.nested(100_000))"}}"#
        try await store.setData(Data(document.utf8), for: key)
        await #expect {
            _ = try await store.load(SyncFilter.self, for: key)
        } throws: { error in
            guard let error = error as? SyncStateError, error.code == .unreadable else { return false }
            return error.detail.contains("more than \(FilterExpression.maximumNesting) deep") && error.underlying is DecodingError
        }
    }
}
