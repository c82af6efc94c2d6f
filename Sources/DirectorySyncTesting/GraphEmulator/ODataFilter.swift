/// The subset of OData `$filter` that Graph evaluates on users and groups: `eq`, `ne`, `in`,
/// `startsWith`, `endsWith`, `not`, `and`, `or`, parentheses, string literals with `''` escaping,
/// `true`, `false` and `null`, and the lambda `any` over a collection property
/// (`proxyAddresses/any(p:p eq 'smtp:a@contoso.com')`).
///
/// The parser is recursive, so it bounds its input before recursing: parentheses and `not` may
/// nest at most ``maximumDepth`` levels and a filter may hold at most ``maximumConditions``
/// conditions. Beyond either the request is refused with Graph's 400 `BadRequest`
/// ("Invalid filter clause: …"), never a stack overflow.
indirect enum ODataFilter: Equatable {
    case compare(property: String, op: String, value: ODataValue)
    case membership(property: String, values: [ODataValue])
    case function(name: String, property: String, value: String)
    case not(ODataFilter)
    /// `property/any(variable:inner)`: some item of the collection satisfies `inner`, in which
    /// `variable` stands for the item.
    case any(property: String, variable: String, inner: ODataFilter)
    case and(ODataFilter, ODataFilter)
    case or(ODataFilter, ODataFilter)

    /// Properties Graph filters only in advanced queries, whatever the operator (lower-cased).
    static let advancedProperties: Set<String> = ["onpremisessamaccountname"]

    /// Whether evaluating the filter needs `ConsistencyLevel: eventual` and `$count=true`.
    var isAdvanced: Bool {
        switch self {
        case .compare(let property, let op, _): op == "ne" || Self.advancedProperties.contains(property.lowercased())
        case .membership(let property, _): Self.advancedProperties.contains(property.lowercased())
        case .function(let name, let property, _): name == "endswith" || Self.advancedProperties.contains(property.lowercased())
        case .any(_, _, let inner): inner.isAdvanced
        case .not: true
        case .and(let a, let b), .or(let a, let b): a.isAdvanced || b.isAdvanced
        }
    }

    var properties: [String] {
        switch self {
        case .compare(let property, _, _), .membership(let property, _), .function(_, let property, _): [property]
        case .not(let inner): inner.properties
        case .any(let property, _, _): ["\(property)/any"]
        case .and(let a, let b), .or(let a, let b): a.properties + b.properties
        }
    }

    /// Evaluates against an object's property values (strings lower-cased by the caller's lookup).
    func matches(_ value: (String) -> ODataValue) -> Bool {
        switch self {
        case .compare(let property, let op, let expected):
            let actual = value(property)
            return op == "eq" ? actual.equals(expected) : !actual.equals(expected)
        case .membership(let property, let values):
            let actual = value(property)
            return values.contains { actual.equals($0) }
        case .function(let name, let property, let text):
            guard case .string(let actual) = value(property) else { return false }
            return name == "startswith" ? actual.lowercased().hasPrefix(text.lowercased()) : actual.lowercased().hasSuffix(text.lowercased())
        case .not(let inner): return !inner.matches(value)
        case .any(let property, let variable, let inner):
            guard case .collection(let items) = value(property) else { return false }
            return items.contains { item in inner.matches { $0 == variable ? .string(item) : value($0) } }
        case .and(let a, let b): return a.matches(value) && b.matches(value)
        case .or(let a, let b): return a.matches(value) || b.matches(value)
        }
    }

    struct ParseError: Error { var message: String }

    /// How deep parentheses and `not` may nest (Graph's own limit is lower still; 100 keeps any
    /// real filter and keeps the recursive parser and evaluator far from the stack's end).
    static let maximumDepth = 100
    /// How many conditions (`eq`, `in`, `startsWith` …) a filter may hold; `and`/`or` chains
    /// build trees this deep, which evaluation walks recursively.
    static let maximumConditions = 1_000

    static func parse(_ text: String) throws -> ODataFilter {
        var parser = Parser(Array(text))
        let filter = try parser.orExpression()
        parser.skipSpaces()
        guard parser.atEnd else { throw ParseError(message: "Invalid filter clause") }
        return filter
    }

    private struct Parser {
        let characters: [Character]
        var position = 0
        var depth = 0
        var conditions = 0
        init(_ characters: [Character]) { self.characters = characters }

        var atEnd: Bool { position >= characters.count }

        mutating func skipSpaces() { while !atEnd, characters[position].isWhitespace { position += 1 } }

        mutating func word() -> String? {
            skipSpaces()
            let start = position
            while !atEnd, characters[position].isLetter || characters[position].isNumber || characters[position] == "_" || characters[position] == "/" {
                position += 1
            }
            return start == position ? nil : String(characters[start..<position])
        }

        mutating func peekWord() -> String? {
            let saved = position
            defer { position = saved }
            return word()
        }

        mutating func expect(_ character: Character) throws {
            skipSpaces()
            guard !atEnd, characters[position] == character else { throw ParseError(message: "Invalid filter clause") }
            position += 1
        }

        mutating func peek(_ character: Character) -> Bool {
            skipSpaces()
            return !atEnd && characters[position] == character
        }

        mutating func orExpression() throws -> ODataFilter {
            var left = try andExpression()
            while peekWord()?.lowercased() == "or" {
                _ = word()
                left = .or(left, try andExpression())
            }
            return left
        }

        mutating func andExpression() throws -> ODataFilter {
            var left = try unary()
            while peekWord()?.lowercased() == "and" {
                _ = word()
                left = .and(left, try unary())
            }
            return left
        }

        /// Counts one more level of nesting, refusing it before recursing past the limit.
        mutating func nest() throws {
            depth += 1
            guard depth <= ODataFilter.maximumDepth else {
                throw ParseError(message: "Invalid filter clause: the filter nests parentheses or 'not' more than \(ODataFilter.maximumDepth) levels deep")
            }
        }

        mutating func unary() throws -> ODataFilter {
            if peekWord()?.lowercased() == "not" {
                _ = word()
                try nest()
                defer { depth -= 1 }
                return .not(try unary())
            }
            if peek("(") {
                try expect("(")
                try nest()
                defer { depth -= 1 }
                let inner = try orExpression()
                try expect(")")
                return inner
            }
            conditions += 1
            guard conditions <= ODataFilter.maximumConditions else {
                throw ParseError(message: "Invalid filter clause: the filter has more than \(ODataFilter.maximumConditions) conditions")
            }
            guard let name = word() else { throw ParseError(message: "Invalid filter clause") }
            let lowered = name.lowercased()
            if lowered.hasSuffix("/any") && peek("(") { return try lambda(over: String(name.dropLast(4))) }
            if (lowered == "startswith" || lowered == "endswith") && peek("(") {
                try expect("(")
                guard let property = word() else { throw ParseError(message: "Invalid filter clause") }
                try expect(",")
                guard case .string(let text) = try literal() else { throw ParseError(message: "Invalid filter clause") }
                try expect(")")
                return .function(name: lowered, property: property, value: text)
            }
            guard let op = word()?.lowercased() else { throw ParseError(message: "Invalid filter clause") }
            switch op {
            case "eq", "ne": return .compare(property: name, op: op, value: try literal())
            case "in":
                try expect("(")
                var values = [try literal()]
                while peek(",") {
                    try expect(",")
                    values.append(try literal())
                }
                try expect(")")
                return .membership(property: name, values: values)
            default: throw ParseError(message: "Unsupported query operator '\(op)'")
            }
        }

        /// `(variable:condition)` after `property/any`: the condition may use only the variable.
        mutating func lambda(over property: String) throws -> ODataFilter {
            try expect("(")
            guard !property.isEmpty, !property.contains("/"), let variable = word(), !variable.contains("/") else {
                throw ParseError(message: "Invalid filter clause")
            }
            try expect(":")
            try nest()
            defer { depth -= 1 }
            let inner = try orExpression()
            try expect(")")
            guard inner.properties.allSatisfy({ $0 == variable }) else {
                throw ParseError(message: "Invalid filter clause: a lambda expression may only refer to its variable '\(variable)'")
            }
            return .any(property: property, variable: variable, inner: inner)
        }

        mutating func literal() throws -> ODataValue {
            skipSpaces()
            if peek("'") {
                position += 1
                var text = ""
                while !atEnd {
                    let character = characters[position]
                    position += 1
                    if character == "'" {
                        if !atEnd, characters[position] == "'" {
                            text.append("'")
                            position += 1
                        } else {
                            return .string(text)
                        }
                    } else {
                        text.append(character)
                    }
                }
                throw ParseError(message: "Unterminated string literal")
            }
            switch word()?.lowercased() {
            case "true": return .bool(true)
            case "false": return .bool(false)
            case "null": return .null
            default: throw ParseError(message: "Invalid filter clause")
            }
        }
    }
}

/// A value a filter compares.
enum ODataValue: Equatable {
    case string(String)
    case bool(Bool)
    case null
    /// A collection of strings, which only a lambda (`any`) can test.
    case collection([String])

    func equals(_ other: ODataValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)): a.lowercased() == b.lowercased()
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }
}
