import DirectorySync
import Testing

@Suite("Filters: evaluation")
struct FilterEvaluationTests {
    let adele = DirectoryUser(
        id: "1", userPrincipalName: "Adele@contoso.com", displayName: "Adele Vance", mail: "adele@contoso.com",
        accountEnabled: true, department: "Sales", city: "Oslo")

    @Test("string operators ignore case", arguments: [
        ("department eq 'SALES'", true), ("department ne 'sales'", false), ("displayName startsWith 'adele'", true),
        ("displayName endsWith 'VANCE'", true), ("displayName contains 'LE V'", true), ("city in ('bergen','OSLO')", true),
        ("city in ('bergen')", false), ("jobTitle eq 'x'", false), ("jobTitle ne 'x'", true), ("accountEnabled eq 'TRUE'", true),
        ("department eq 'Sales' and (displayName startsWith 'B' or city in ('Oslo'))", true),
        ("department eq 'Legal' or city eq 'Bergen'", false),
    ])
    func users(text: String, expected: Bool) throws {
        #expect(try FilterExpression(parsing: text).matches(adele) == expected)
    }

    @Test("groups are tested by type and flags")
    func groups() throws {
        let unified = DirectoryGroup(id: "g", displayName: "Sales team", mailEnabled: true, securityEnabled: false, groupTypes: ["Unified"])
        #expect(unified.kind == .microsoft365)
        #expect(try FilterExpression(parsing: "groupType eq 'microsoft365' and mailEnabled eq true").matches(unified))
        #expect(try !FilterExpression(parsing: "groupType eq 'Security'").matches(unified))
        #expect(DirectoryGroup(id: "s", displayName: "S").kind == .security)
        #expect(DirectoryGroup(id: "d", displayName: "D", mailEnabled: true, securityEnabled: false).kind == .distribution)
        #expect(DirectoryGroup(id: "m", displayName: "M", mailEnabled: true, securityEnabled: true).kind == .mailEnabledSecurity)
    }
}
