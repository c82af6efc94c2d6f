extension FilterExpression {
    /// Whether the user satisfies the expression.
    /// - Parameter user: The user to test.
    public func matches(_ user: DirectoryUser) -> Bool {
        evaluate { condition in condition.matches(user.value(of: condition.attribute)) }
    }

    /// Whether the group satisfies the expression.
    /// - Parameter group: The group to test.
    public func matches(_ group: DirectoryGroup) -> Bool {
        evaluate { condition in condition.matches(group.value(of: condition.attribute)) }
    }

    private func evaluate(_ test: (FilterCondition) -> Bool) -> Bool {
        switch self {
        case .condition(let condition): test(condition)
        case .and(let operands): operands.allSatisfy { $0.evaluate(test) }
        case .or(let operands): operands.contains { $0.evaluate(test) }
        }
    }
}

extension FilterCondition {
    /// Compares an attribute's value with the condition, ignoring case. An unset value matches
    /// only `ne`.
    func matches(_ actual: String?) -> Bool {
        guard let actual = actual?.lowercased() else { return `operator` == .notEquals }
        let first = values.first?.lowercased() ?? ""
        switch `operator` {
        case .equals: return actual == first
        case .notEquals: return actual != first
        case .startsWith: return actual.hasPrefix(first)
        case .endsWith: return actual.hasSuffix(first)
        case .contains: return actual.contains(first)
        case .in: return values.contains { $0.lowercased() == actual }
        }
    }
}

extension DirectoryUser {
    /// The value a filter compares for `attribute`; booleans as `true`/`false`.
    func value(of attribute: FilterAttribute) -> String? {
        switch attribute {
        case .displayName: displayName
        case .mail: mail
        case .userPrincipalName: userPrincipalName
        case .givenName: givenName
        case .surname: surname
        case .department: department
        case .jobTitle: jobTitle
        case .companyName: companyName
        case .city: city
        case .country: country
        case .officeLocation: officeLocation
        case .employeeId: employeeId
        case .userType: userType
        case .accountEnabled: String(accountEnabled)
        case .description, .groupType, .securityEnabled, .mailEnabled: nil
        }
    }
}

extension DirectoryGroup {
    /// The value a filter compares for `attribute`; booleans as `true`/`false`.
    func value(of attribute: FilterAttribute) -> String? {
        switch attribute {
        case .displayName: displayName
        case .mail: mail
        case .description: description
        case .groupType: kind.rawValue
        case .securityEnabled: String(securityEnabled)
        case .mailEnabled: String(mailEnabled)
        default: nil
        }
    }
}
