/// An attribute a filter condition can test, named as Microsoft Graph names it.
public enum FilterAttribute: String, Hashable, Codable, Sendable, CaseIterable {
    /// Users and groups: the display name.
    case displayName
    /// Users and groups: the `mail` property.
    case mail
    /// Users: the user principal name.
    case userPrincipalName
    /// Users: the given name.
    case givenName
    /// Users: the surname.
    case surname
    /// Users: the department.
    case department
    /// Users: the job title.
    case jobTitle
    /// Users: the company name.
    case companyName
    /// Users: the city.
    case city
    /// Users: the country or region.
    case country
    /// Users: the office location.
    case officeLocation
    /// Users: the employee identifier.
    case employeeId
    /// Users: `Member` or `Guest`.
    case userType
    /// Users: `true` or `false`.
    case accountEnabled
    /// Groups: the description.
    case description
    /// Groups: `Security`, `Microsoft365`, `MailEnabledSecurity` or `Distribution`.
    case groupType
    /// Groups: `true` or `false`.
    case securityEnabled
    /// Groups: `true` or `false`.
    case mailEnabled

    /// What a filter selects: users (user filter) or groups (group filter).
    public enum Target: String, Hashable, Codable, Sendable {
        /// A filter over users.
        case users
        /// A filter over groups.
        case groups
    }

    /// Whether the attribute exists on the target.
    /// - Parameter target: Users or groups.
    public func applies(to target: Target) -> Bool {
        switch self {
        case .displayName, .mail: true
        case .userPrincipalName, .givenName, .surname, .department, .jobTitle, .companyName, .city, .country,
            .officeLocation, .employeeId, .userType, .accountEnabled:
            target == .users
        case .description, .groupType, .securityEnabled, .mailEnabled: target == .groups
        }
    }

    /// Whether the attribute holds `true` or `false`.
    public var isBoolean: Bool { self == .accountEnabled || self == .securityEnabled || self == .mailEnabled }

    /// The attributes a filter over `target` may use.
    /// - Parameter target: Users or groups.
    public static func all(for target: Target) -> [FilterAttribute] { allCases.filter { $0.applies(to: target) } }

    /// Looks an attribute up by name, ignoring case.
    /// - Parameter name: The attribute's name, such as `department`.
    public init?(name: String) {
        guard let match = Self.allCases.first(where: { $0.rawValue.lowercased() == name.lowercased() }) else { return nil }
        self = match
    }
}
