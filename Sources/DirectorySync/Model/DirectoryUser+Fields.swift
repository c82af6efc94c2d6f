extension DirectoryUser {
    /// A user's string properties, kept together (see ``PackedStrings``).
    typealias Fields = PackedStrings<FieldSlot>

    /// A user's string properties in the order they are kept: the ones a plan reads first.
    enum FieldSlot: Int, CaseIterable, PackedSlot {
        case id, userPrincipalName, mail, proxyAddresses, displayName, givenName, surname
        case onPremisesSamAccountName, onPremisesDomainName, userType, department, jobTitle, companyName
        case city, country, officeLocation, employeeId, onPremisesSecurityIdentifier, otherMails

        /// Whether the slot holds a list of strings (else one optional string).
        var isList: Bool { self == .proxyAddresses || self == .otherMails }

        /// Every slot in order (without the array `allCases` makes).
        static let all = allCases
    }
}
