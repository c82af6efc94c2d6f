/// A tree of AND/OR over conditions, such as
/// `department eq 'Sales' and (displayName startsWith 'A' or city in ('Oslo','Bergen'))`.
///
/// Build one in code, or parse the textual form with ``init(parsing:)``; ``description`` prints
/// it back, and parsing the printed text gives the same tree. ``validate(for:)`` enforces the
/// product's limits: at most ``maximumConditions`` conditions and ``maximumNesting`` levels.
public indirect enum FilterExpression: Hashable, Sendable {
    /// One condition.
    case condition(FilterCondition)
    /// True when every operand is true.
    case and([FilterExpression])
    /// True when any operand is true.
    case or([FilterExpression])

    /// The most conditions one filter may hold.
    public static let maximumConditions = 10
    /// The most levels of AND/OR nesting one filter may have (`a and (b or c)` has two).
    public static let maximumNesting = 3

    /// The number of conditions in the tree.
    public var conditionCount: Int {
        switch self {
        case .condition: 1
        case .and(let operands), .or(let operands): operands.reduce(0) { $0 + $1.conditionCount }
        }
    }

    /// The levels of AND/OR nesting: 0 for a single condition, 1 for `a and b`.
    public var nesting: Int {
        switch self {
        case .condition: 0
        case .and(let operands), .or(let operands): 1 + (operands.map(\.nesting).max() ?? 0)
        }
    }

    /// Every condition in the tree, left to right.
    public var conditions: [FilterCondition] {
        switch self {
        case .condition(let condition): [condition]
        case .and(let operands), .or(let operands): operands.flatMap(\.conditions)
        }
    }

    /// Checks the filter against the product's limits and the target's attributes.
    /// - Parameter target: Whether the filter selects users or groups.
    /// - Throws: ``FilterError`` naming the first rule broken.
    public func validate(for target: FilterAttribute.Target) throws(FilterError) {
        let count = conditionCount
        if count > Self.maximumConditions { throw .tooManyConditions(count: count, limit: Self.maximumConditions) }
        let depth = nesting
        if depth > Self.maximumNesting { throw .tooDeeplyNested(levels: depth, limit: Self.maximumNesting) }
        try validateStructure()
        for condition in conditions { try condition.validate(for: target) }
    }

    private func validateStructure() throws(FilterError) {
        switch self {
        case .condition: return
        case .and(let operands), .or(let operands):
            if operands.count < 2 { throw .tooFewOperands }
            for operand in operands { try operand.validateStructure() }
        }
    }
}

/// One binary condition: an attribute, an operator and the value (or values, for `in`).
public struct FilterCondition: Hashable, Codable, Sendable {
    /// The attribute tested.
    public var attribute: FilterAttribute
    /// The comparison.
    public var `operator`: FilterOperator
    /// The value to compare with; several only for ``FilterOperator/in``.
    public var values: [String]

    /// Creates a condition.
    /// - Parameters:
    ///   - attribute: The attribute tested.
    ///   - operator: The comparison.
    ///   - values: The value, or the values for `in`.
    public init(_ attribute: FilterAttribute, _ operator: FilterOperator, _ values: [String]) {
        self.attribute = attribute
        self.operator = `operator`
        self.values = values
    }

    /// Creates a single-value condition.
    /// - Parameters:
    ///   - attribute: The attribute tested.
    ///   - operator: The comparison.
    ///   - value: The value.
    public init(_ attribute: FilterAttribute, _ operator: FilterOperator, _ value: String) {
        self.init(attribute, `operator`, [value])
    }

    /// Checks the attribute's target, the number of values, and that none is empty.
    /// - Parameter target: Whether the filter selects users or groups.
    /// - Throws: ``FilterError``.
    public func validate(for target: FilterAttribute.Target) throws(FilterError) {
        guard attribute.applies(to: target) else {
            throw .unknownAttribute(attribute.rawValue, target: target)
        }
        if `operator` == .in {
            if values.isEmpty { throw .wrongValueCount(attribute: attribute, operator: `operator`, count: 0) }
        } else if values.count != 1 {
            throw .wrongValueCount(attribute: attribute, operator: `operator`, count: values.count)
        }
        if values.contains(where: { $0.trimmed.isEmpty }) { throw .emptyValue(attribute: attribute) }
        if attribute.isBoolean {
            guard [FilterOperator.equals, .notEquals].contains(`operator`) else {
                throw .operatorNotSupported(attribute: attribute, operator: `operator`)
            }
            if let bad = values.first(where: { !["true", "false"].contains($0.lowercased()) }) {
                throw .notABoolean(attribute: attribute, value: bad)
            }
        }
    }
}
