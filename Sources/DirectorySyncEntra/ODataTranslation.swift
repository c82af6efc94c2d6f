import Foundation
import DirectorySync

/// Turns a user filter into Graph's `$filter`, when Graph can evaluate every condition of it.
///
/// Without extra headers Graph evaluates `eq`, `in` and `startsWith` on these attributes; `ne`
/// and `endsWith` (the latter on `mail` and `userPrincipalName` only) need
/// `ConsistencyLevel: eventual` with `$count=true`; `contains` never. A filter with any condition
/// Graph cannot evaluate is not pushed down at all: the planner evaluates it on the full read.
enum ODataTranslation {
    struct Result: Equatable {
        var filter: String
        var needsAdvancedQuery: Bool
    }

    static let pushable: Set<FilterAttribute> = [
        .displayName, .mail, .userPrincipalName, .givenName, .surname, .department, .jobTitle, .companyName, .city,
        .country, .officeLocation, .employeeId, .userType, .accountEnabled,
    ]

    /// An OData string literal: the value in single quotes, each quote in it doubled (`'O''Brien'`),
    /// so a value can never end the literal early.
    static func literal(_ value: String) -> String {
        "'" + value.replacingOccurrences(of: "'", with: "''") + "'"
    }

    static func translate(_ expression: FilterExpression) -> Result? {
        var advanced = false
        guard let text = translate(expression, &advanced) else { return nil }
        return Result(filter: text, needsAdvancedQuery: advanced)
    }

    private static func translate(_ expression: FilterExpression, _ advanced: inout Bool) -> String? {
        switch expression {
        case .condition(let condition): return translate(condition, &advanced)
        case .and(let operands), .or(let operands):
            var parts: [String] = []
            for operand in operands {
                guard let part = translate(operand, &advanced) else { return nil }
                parts.append(part)
            }
            let joiner: String
            if case .and = expression { joiner = " and " } else { joiner = " or " }
            return "(" + parts.joined(separator: joiner) + ")"
        }
    }

    private static func translate(_ condition: FilterCondition, _ advanced: inout Bool) -> String? {
        let attribute = condition.attribute
        guard pushable.contains(attribute) else { return nil }
        let name = attribute.rawValue
        func literal(_ value: String) -> String { attribute.isBoolean ? value.lowercased() : Self.literal(value) }
        guard let first = condition.values.first else { return nil }
        switch condition.operator {
        case .equals: return "\(name) eq \(literal(first))"
        case .in: return "\(name) in (\(condition.values.map(literal).joined(separator: ",")))"
        case .startsWith where !attribute.isBoolean: return "startsWith(\(name),\(literal(first)))"
        case .notEquals:
            advanced = true
            return "\(name) ne \(literal(first))"
        case .endsWith where attribute == .mail || attribute == .userPrincipalName:
            advanced = true
            return "endsWith(\(name),\(literal(first)))"
        default: return nil
        }
    }
}
