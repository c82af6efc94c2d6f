extension FilterExpression: CustomStringConvertible, LosslessStringConvertible, Codable {
    /// Parses the textual form, for example
    /// `department eq 'Sales' and (displayName startsWith 'A' or city in ('Oslo','Bergen'))`.
    ///
    /// Keywords (`and`, `or`, operators, attribute names) ignore case; values are in single quotes,
    /// with a quote inside a value written twice (`'O''Brien'`); `true` and `false` may be bare.
    /// `and` binds tighter than `or`. The result is not validated: call ``validate(for:)``.
    /// Parentheses may nest at most ``maximumNesting`` deep; deeper text is refused where the
    /// first parenthesis too many opens, before the parser descends into it.
    /// - Parameter text: The filter text.
    /// - Throws: ``FilterError/syntax(message:column:)`` pointing at the 1-based column.
    public init(parsing text: String) throws(FilterError) {
        var parser = FilterParser(text)
        self = try parser.parseExpression()
    }

    /// Parses the textual form; `nil` when it is not a filter.
    /// - Parameter description: The filter text.
    public init?(_ description: String) {
        guard let parsed = try? FilterExpression(parsing: description) else { return nil }
        self = parsed
    }

    /// The textual form; parsing it gives this expression back.
    public var description: String {
        switch self {
        case .condition(let condition): condition.description
        case .and(let operands): operands.map(\.parenthesizedWhenCombined).joined(separator: " and ")
        case .or(let operands): operands.map(\.parenthesizedWhenCombined).joined(separator: " or ")
        }
    }

    private var parenthesizedWhenCombined: String {
        if case .condition = self { return description }
        return "(\(description))"
    }

    /// Decodes the textual form from a single string.
    ///
    /// - Throws: `DecodingError.dataCorrupted` when the text is not a filter (the
    ///   ``FilterError`` is its underlying error), for example parentheses nested deeper than
    ///   ``maximumNesting``.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            self = try FilterExpression(parsing: text)
        } catch {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(codingPath: decoder.codingPath, debugDescription: "the saved filter is not valid: \(error)", underlyingError: error))
        }
    }

    /// Encodes the textual form as a single string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

extension FilterCondition: CustomStringConvertible {
    /// The condition in the textual form, such as `city in ('Oslo','Bergen')`.
    public var description: String {
        let quoted = values.map(FilterCondition.quote)
        if `operator` == .in { return "\(attribute.rawValue) in (\(quoted.joined(separator: ",")))" }
        return "\(attribute.rawValue) \(`operator`.keyword) \(quoted.first ?? "''")"
    }

    /// Puts a value in single quotes, writing each quote inside it twice.
    static func quote(_ value: String) -> String {
        var quoted = "'"
        for character in value {
            quoted.append(character)
            if character == "'" { quoted.append("'") }
        }
        return quoted + "'"
    }
}

/// A recursive-descent parser over the characters of a filter's text.
struct FilterParser {
    private enum Token: Equatable {
        case word(String)
        case string(String)
        case openParenthesis, closeParenthesis, comma, end
    }

    private let characters: [Character]
    private var position = 0
    private var token: Token = .end
    private var tokenColumn = 1
    /// Parentheses open around the current token.
    private var depth = 0

    init(_ text: String) { characters = Array(text) }

    mutating func parseExpression() throws(FilterError) -> FilterExpression {
        try advance()
        if token == .end { throw .syntax(message: "the filter is empty", column: tokenColumn) }
        let expression = try parseOr()
        guard token == .end else { throw unexpected("the end of the filter") }
        return expression
    }

    private mutating func parseOr() throws(FilterError) -> FilterExpression {
        var operands = [try parseAnd()]
        while isKeyword("or") {
            try advance()
            operands.append(try parseAnd())
        }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func parseAnd() throws(FilterError) -> FilterExpression {
        var operands = [try parsePrimary()]
        while isKeyword("and") {
            try advance()
            operands.append(try parsePrimary())
        }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func parsePrimary() throws(FilterError) -> FilterExpression {
        if token == .openParenthesis {
            // Checked before descending: each level costs stack, and thousands of them crash the process.
            let limit = FilterExpression.maximumNesting
            guard depth < limit else {
                throw .syntax(message: "parentheses nest more than \(limit) deep (a filter has at most \(limit) levels); flatten them", column: tokenColumn)
            }
            depth += 1
            try advance()
            let inner = try parseOr()
            guard token == .closeParenthesis else { throw unexpected("')'") }
            depth -= 1
            try advance()
            return inner
        }
        return .condition(try parseCondition())
    }

    private mutating func parseCondition() throws(FilterError) -> FilterCondition {
        guard case .word(let name) = token else { throw unexpected("an attribute name") }
        guard let attribute = FilterAttribute(name: name) else {
            let known = FilterAttribute.allCases.map(\.rawValue).joined(separator: ", ")
            throw .syntax(message: "unknown attribute '\(name)' (known: \(known))", column: tokenColumn)
        }
        try advance()
        guard case .word(let keyword) = token else { throw unexpected("an operator (eq, ne, startsWith, endsWith, contains, in)") }
        guard let op = FilterOperator(keyword: keyword) else {
            throw .syntax(
                message: "unknown operator '\(keyword)' (use eq, ne, startsWith, endsWith, contains or in)",
                column: tokenColumn)
        }
        try advance()
        if op != .in { return FilterCondition(attribute, op, [try parseValue()]) }
        guard token == .openParenthesis else { throw unexpected("'(' to start the list of values") }
        try advance()
        var values = [try parseValue()]
        while token == .comma {
            try advance()
            values.append(try parseValue())
        }
        guard token == .closeParenthesis else { throw unexpected("',' or ')'") }
        try advance()
        return FilterCondition(attribute, op, values)
    }

    private mutating func parseValue() throws(FilterError) -> String {
        switch token {
        case .string(let value):
            try advance()
            return value
        case .word(let word) where ["true", "false"].contains(word.lowercased()):
            try advance()
            return word.lowercased()
        default:
            throw unexpected("a value in single quotes, such as 'Sales'")
        }
    }

    private func isKeyword(_ keyword: String) -> Bool {
        if case .word(let word) = token { return word.lowercased() == keyword }
        return false
    }

    private func unexpected(_ expected: String) -> FilterError {
        let found: String =
            switch token {
            case .word(let word): "'\(word)'"
            case .string(let value): "the value \(FilterCondition.quote(value))"
            case .openParenthesis: "'('"
            case .closeParenthesis: "')'"
            case .comma: "','"
            case .end: "the end of the filter"
            }
        return .syntax(message: "expected \(expected) but found \(found)", column: tokenColumn)
    }

    private mutating func advance() throws(FilterError) {
        while position < characters.count, characters[position].isWhitespace { position += 1 }
        tokenColumn = position + 1
        guard position < characters.count else {
            token = .end
            return
        }
        let character = characters[position]
        switch character {
        case "(": token = .openParenthesis; position += 1
        case ")": token = .closeParenthesis; position += 1
        case ",": token = .comma; position += 1
        case "'": token = .string(try readString())
        default:
            guard character.isLetter || character == "_" else {
                throw .syntax(message: "unexpected character '\(character)'", column: tokenColumn)
            }
            let start = position
            while position < characters.count, characters[position].isLetter || characters[position].isNumber
                || characters[position] == "_"
            {
                position += 1
            }
            token = .word(String(characters[start..<position]))
        }
    }

    private mutating func readString() throws(FilterError) -> String {
        let startColumn = position + 1
        position += 1
        var value = ""
        while position < characters.count {
            let character = characters[position]
            position += 1
            if character == "'" {
                if position < characters.count, characters[position] == "'" {
                    value.append("'")
                    position += 1
                } else {
                    return value
                }
            } else {
                value.append(character)
            }
        }
        throw .syntax(message: "the value starting here has no closing quote", column: startColumn)
    }
}
