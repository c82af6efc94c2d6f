import DirectorySync
import Testing

@Suite("Filters: limits and validation")
struct FilterValidationTests {
    private func condition(_ n: Int) -> FilterExpression { .condition(.init(.city, .equals, "c\(n)")) }

    @Test("ten conditions are allowed, eleven are not")
    func conditionLimit() throws {
        try FilterExpression.or((0..<10).map(condition)).validate(for: .users)
        #expect(throws: FilterError.tooManyConditions(count: 11, limit: 10)) {
            try FilterExpression.or((0..<11).map(condition)).validate(for: .users)
        }
    }

    @Test("three levels of nesting are allowed, four are not")
    func nestingLimit() throws {
        let three = FilterExpression.and([condition(1), .or([condition(2), .and([condition(3), condition(4)])])])
        #expect(three.nesting == 3)
        try three.validate(for: .users)
        let four = FilterExpression.and([condition(1), .or([condition(2), .and([condition(3), .or([condition(4), condition(5)])])])])
        #expect(throws: FilterError.tooDeeplyNested(levels: 4, limit: 3)) { try four.validate(for: .users) }
    }

    @Test("attributes must belong to the target")
    func attributeTarget() throws {
        try FilterExpression.condition(.init(.groupType, .equals, "Security")).validate(for: .groups)
        #expect(throws: FilterError.unknownAttribute("groupType", target: .users)) {
            try FilterExpression.condition(.init(.groupType, .equals, "Security")).validate(for: .users)
        }
        #expect(throws: FilterError.unknownAttribute("department", target: .groups)) {
            try FilterExpression.condition(.init(.department, .equals, "x")).validate(for: .groups)
        }
    }

    @Test("values must be present, non-empty and boolean where the attribute is")
    func values() {
        #expect(throws: FilterError.emptyValue(attribute: .city)) { try FilterExpression.condition(.init(.city, .equals, " ")).validate(for: .users) }
        #expect(throws: FilterError.wrongValueCount(attribute: .city, operator: .in, count: 0)) {
            try FilterExpression.condition(.init(.city, .in, [])).validate(for: .users)
        }
        #expect(throws: FilterError.wrongValueCount(attribute: .city, operator: .equals, count: 2)) {
            try FilterExpression.condition(.init(.city, .equals, ["a", "b"])).validate(for: .users)
        }
        #expect(throws: FilterError.notABoolean(attribute: .accountEnabled, value: "yes")) {
            try FilterExpression.condition(.init(.accountEnabled, .equals, "yes")).validate(for: .users)
        }
        #expect(throws: FilterError.operatorNotSupported(attribute: .mailEnabled, operator: .contains)) {
            try FilterExpression.condition(.init(.mailEnabled, .contains, "t")).validate(for: .groups)
        }
        #expect(throws: FilterError.tooFewOperands) { try FilterExpression.and([condition(1)]).validate(for: .users) }
    }

    @Test("every error names the rule and a fix")
    func messages() {
        let errors: [FilterError] = [
            .tooManyConditions(count: 11, limit: 10), .tooDeeplyNested(levels: 4, limit: 3), .tooFewOperands,
            .unknownAttribute("x", target: .users), .emptyValue(attribute: .city), .notABoolean(attribute: .mailEnabled, value: "x"),
        ]
        for error in errors {
            #expect(!error.fix.isEmpty && error.description.hasSuffix(error.fix), "\(error.description) should say what to do")
        }
        #expect(FilterError.tooManyConditions(count: 11, limit: 10).description.contains("at most 10"))
        #expect(FilterError.tooDeeplyNested(levels: 4, limit: 3).description.contains("at most 3"))
    }
}
