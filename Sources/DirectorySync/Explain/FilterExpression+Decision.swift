extension FilterExpression {
    /// Whether the expression holds, and the conditions that decide it: when it holds, those that
    /// made it hold (every operand of an `and`, the first that holds of an `or`); when it does not,
    /// those that failed (the first failing operand of an `and`, every operand of an `or`).
    func decision(_ test: (FilterCondition) -> Bool) -> (matches: Bool, deciding: [FilterCondition]) {
        switch self {
        case .condition(let condition):
            return (test(condition), [condition])
        case .and(let operands):
            var deciding: [FilterCondition] = []
            for operand in operands {
                let (matches, conditions) = operand.decision(test)
                if !matches { return (false, conditions) }
                deciding += conditions
            }
            return (true, deciding)
        case .or(let operands):
            var deciding: [FilterCondition] = []
            for operand in operands {
                let (matches, conditions) = operand.decision(test)
                if matches { return (true, conditions) }
                deciding += conditions
            }
            return (false, deciding)
        }
    }

    /// ``decision(_:)`` for a user.
    func decision(for user: DirectoryUser) -> (matches: Bool, deciding: [FilterCondition]) {
        decision { $0.matches(user.value(of: $0.attribute)) }
    }

    /// ``decision(_:)`` for a group.
    func decision(for group: DirectoryGroup) -> (matches: Bool, deciding: [FilterCondition]) {
        decision { $0.matches(group.value(of: $0.attribute)) }
    }
}
