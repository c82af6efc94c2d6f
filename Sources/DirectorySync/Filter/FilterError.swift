/// A filter breaks a rule or its text cannot be parsed. The description names the rule and the fix.
public enum FilterError: Error, Hashable, Sendable, CustomStringConvertible {
    /// More conditions than the product allows.
    case tooManyConditions(count: Int, limit: Int)
    /// More levels of AND/OR nesting than the product allows.
    case tooDeeplyNested(levels: Int, limit: Int)
    /// An AND or OR with fewer than two operands.
    case tooFewOperands
    /// The attribute does not exist, or not on this target (users or groups).
    case unknownAttribute(String, target: FilterAttribute.Target)
    /// `in` without values, or another operator without exactly one value.
    case wrongValueCount(attribute: FilterAttribute, operator: FilterOperator, count: Int)
    /// A value is empty.
    case emptyValue(attribute: FilterAttribute)
    /// A true/false attribute compared with something else than `true` or `false`.
    case notABoolean(attribute: FilterAttribute, value: String)
    /// A true/false attribute used with an operator other than `eq` or `ne`.
    case operatorNotSupported(attribute: FilterAttribute, operator: FilterOperator)
    /// The text is not a filter; `column` is 1-based.
    case syntax(message: String, column: Int)

    /// The cause and the fix in one sentence.
    public var description: String {
        switch self {
        case .tooManyConditions(let count, let limit):
            "The filter has \(count) conditions but at most \(limit) are allowed; remove conditions or use `in` to test several values at once."
        case .tooDeeplyNested(let levels, let limit):
            "The filter nests AND/OR \(levels) levels deep but at most \(limit) levels are allowed; flatten the parentheses."
        case .tooFewOperands:
            "An AND or OR needs at least two operands; remove the empty or single-operand group."
        case .unknownAttribute(let name, let target):
            "'\(name)' is not an attribute of \(target); use one of: \(FilterAttribute.all(for: target).map(\.rawValue).joined(separator: ", "))."
        case .wrongValueCount(let attribute, let op, let count):
            op == .in
                ? "'\(attribute.rawValue) in' needs at least one value in parentheses, such as \(attribute.rawValue) in ('a','b')."
                : "'\(attribute.rawValue) \(op.keyword)' takes exactly one value but has \(count); use `in` for several."
        case .emptyValue(let attribute):
            "A value for '\(attribute.rawValue)' is empty; give a non-empty value."
        case .notABoolean(let attribute, let value):
            "'\(attribute.rawValue)' is true or false, not '\(value)'; compare it with 'true' or 'false'."
        case .operatorNotSupported(let attribute, let op):
            "'\(attribute.rawValue)' is true or false and cannot be used with '\(op.keyword)'; use eq or ne."
        case .syntax(let message, let column):
            "Filter syntax error at column \(column): \(message)."
        }
    }
}
