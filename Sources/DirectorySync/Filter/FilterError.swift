/// A filter breaks a rule or its text cannot be parsed. Branch on ``code``; the ``description``
/// names the rule and the fix.
public struct FilterError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<FilterError>

    /// Which rule.
    public var code: Code
    /// The rule broken, naming the attribute or value that broke it.
    public var detail: String
    /// What to do.
    public var fix: String
    /// For `syntax`, the 1-based column of the filter text where parsing stopped.
    public var column: Int?

    /// Creates an error.
    /// - Parameters:
    ///   - code: Which rule.
    ///   - detail: The rule broken.
    ///   - fix: What to do.
    ///   - column: The 1-based column of a syntax error.
    public init(_ code: Code, detail: String, fix: String, column: Int? = nil) {
        self.code = code
        self.detail = detail
        self.fix = fix
        self.column = column
    }

    /// More conditions than the product allows.
    /// - Parameters:
    ///   - count: The filter's conditions.
    ///   - limit: The most allowed.
    /// - Returns: The error.
    public static func tooManyConditions(count: Int, limit: Int) -> FilterError {
        FilterError(
            .tooManyConditions, detail: "The filter has \(count) conditions but at most \(limit) are allowed",
            fix: "Remove conditions or use `in` to test several values at once.")
    }

    /// More levels of AND/OR nesting than the product allows.
    /// - Parameters:
    ///   - levels: The filter's levels.
    ///   - limit: The most allowed.
    /// - Returns: The error.
    public static func tooDeeplyNested(levels: Int, limit: Int) -> FilterError {
        FilterError(
            .tooDeeplyNested, detail: "The filter nests AND/OR \(levels) levels deep but at most \(limit) levels are allowed",
            fix: "Flatten the parentheses.")
    }

    /// An AND or OR with fewer than two operands.
    public static let tooFewOperands = FilterError(
        .tooFewOperands, detail: "An AND or OR needs at least two operands", fix: "Remove the empty or single-operand group.")

    /// An attribute that does not exist, or not on this target.
    /// - Parameters:
    ///   - name: The attribute's name.
    ///   - target: Users or groups.
    /// - Returns: The error.
    public static func unknownAttribute(_ name: String, target: FilterAttribute.Target) -> FilterError {
        FilterError(
            .unknownAttribute, detail: "'\(name)' is not an attribute of \(target)",
            fix: "Use one of: \(FilterAttribute.all(for: target).map(\.rawValue).joined(separator: ", ")).")
    }

    /// `in` without values, or another operator without exactly one value.
    /// - Parameters:
    ///   - attribute: The attribute.
    ///   - op: The operator.
    ///   - count: The values given.
    /// - Returns: The error.
    public static func wrongValueCount(attribute: FilterAttribute, operator op: FilterOperator, count: Int) -> FilterError {
        op == .in
            ? FilterError(
                .wrongValueCount, detail: "'\(attribute.rawValue) in' needs at least one value in parentheses",
                fix: "Write it as \(attribute.rawValue) in ('a','b').")
            : FilterError(
                .wrongValueCount, detail: "'\(attribute.rawValue) \(op.keyword)' takes exactly one value but has \(count)", fix: "Use `in` for several.")
    }

    /// A value is empty.
    /// - Parameter attribute: The attribute.
    /// - Returns: The error.
    public static func emptyValue(attribute: FilterAttribute) -> FilterError {
        FilterError(.emptyValue, detail: "A value for '\(attribute.rawValue)' is empty", fix: "Give a non-empty value.")
    }

    /// A true/false attribute compared with something else than `true` or `false`.
    /// - Parameters:
    ///   - attribute: The attribute.
    ///   - value: The value given.
    /// - Returns: The error.
    public static func notABoolean(attribute: FilterAttribute, value: String) -> FilterError {
        FilterError(.notABoolean, detail: "'\(attribute.rawValue)' is true or false, not '\(value)'", fix: "Compare it with 'true' or 'false'.")
    }

    /// A true/false attribute used with an operator other than `eq` or `ne`.
    /// - Parameters:
    ///   - attribute: The attribute.
    ///   - op: The operator.
    /// - Returns: The error.
    public static func operatorNotSupported(attribute: FilterAttribute, operator op: FilterOperator) -> FilterError {
        FilterError(
            .operatorNotSupported, detail: "'\(attribute.rawValue)' is true or false and cannot be used with '\(op.keyword)'", fix: "Use eq or ne.")
    }

    /// Text that is not a filter.
    /// - Parameters:
    ///   - message: What the parser found wrong.
    ///   - column: The 1-based column where it stopped.
    /// - Returns: The error.
    public static func syntax(message: String, column: Int) -> FilterError {
        FilterError(.syntax, detail: "Filter syntax error at column \(column): \(message)", fix: "Correct the filter at column \(column).", column: column)
    }
}

extension ErrorCode where Area == FilterError {
    /// More conditions than the product allows.
    public static let tooManyConditions = Self(rawValue: "tooManyConditions")
    /// More levels of AND/OR nesting than the product allows.
    public static let tooDeeplyNested = Self(rawValue: "tooDeeplyNested")
    /// An AND or OR with fewer than two operands.
    public static let tooFewOperands = Self(rawValue: "tooFewOperands")
    /// The attribute does not exist, or not on this target (users or groups).
    public static let unknownAttribute = Self(rawValue: "unknownAttribute")
    /// `in` without values, or another operator without exactly one value.
    public static let wrongValueCount = Self(rawValue: "wrongValueCount")
    /// A value is empty.
    public static let emptyValue = Self(rawValue: "emptyValue")
    /// A true/false attribute compared with something else than `true` or `false`.
    public static let notABoolean = Self(rawValue: "notABoolean")
    /// A true/false attribute used with an operator other than `eq` or `ne`.
    public static let operatorNotSupported = Self(rawValue: "operatorNotSupported")
    /// The text is not a filter; ``FilterError/column`` points at the place.
    public static let syntax = Self(rawValue: "syntax")
}
