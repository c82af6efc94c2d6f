extension DirectoryUser {
    /// Graph's property names, in the order the properties are declared.
    private enum CodingKeys: String, CodingKey {
        case id, userPrincipalName, displayName, givenName, surname, mail, otherMails, proxyAddresses, accountEnabled, userType, department
        case jobTitle, companyName, city, country, officeLocation, employeeId, onPremisesSamAccountName, onPremisesDomainName
        case onPremisesSecurityIdentifier
    }

    /// Decodes a user as a synthesized `Decodable` would: every property under its own name,
    /// the optional ones may be absent.
    /// - Parameter decoder: The decoder to read from.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func string(_ key: CodingKeys) throws -> String? { try container.decodeIfPresent(String.self, forKey: key) }
        self.init(
            id: try container.decode(String.self, forKey: .id), userPrincipalName: try container.decode(String.self, forKey: .userPrincipalName),
            displayName: try string(.displayName), givenName: try string(.givenName), surname: try string(.surname), mail: try string(.mail),
            otherMails: try container.decode([String].self, forKey: .otherMails),
            proxyAddresses: try container.decode([String].self, forKey: .proxyAddresses),
            accountEnabled: try container.decode(Bool.self, forKey: .accountEnabled), userType: try string(.userType),
            department: try string(.department), jobTitle: try string(.jobTitle), companyName: try string(.companyName),
            city: try string(.city), country: try string(.country), officeLocation: try string(.officeLocation),
            employeeId: try string(.employeeId), onPremisesSamAccountName: try string(.onPremisesSamAccountName),
            onPremisesDomainName: try string(.onPremisesDomainName), onPremisesSecurityIdentifier: try string(.onPremisesSecurityIdentifier))
    }

    /// Encodes the user as a synthesized `Encodable` would: every property under its own name,
    /// `nil` ones left out.
    /// - Parameter encoder: The encoder to write to.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(userPrincipalName, forKey: .userPrincipalName)
        try container.encodeIfPresent(displayName, forKey: .displayName)
        try container.encodeIfPresent(givenName, forKey: .givenName)
        try container.encodeIfPresent(surname, forKey: .surname)
        try container.encodeIfPresent(mail, forKey: .mail)
        try container.encode(otherMails, forKey: .otherMails)
        try container.encode(proxyAddresses, forKey: .proxyAddresses)
        try container.encode(accountEnabled, forKey: .accountEnabled)
        try container.encodeIfPresent(userType, forKey: .userType)
        try container.encodeIfPresent(department, forKey: .department)
        try container.encodeIfPresent(jobTitle, forKey: .jobTitle)
        try container.encodeIfPresent(companyName, forKey: .companyName)
        try container.encodeIfPresent(city, forKey: .city)
        try container.encodeIfPresent(country, forKey: .country)
        try container.encodeIfPresent(officeLocation, forKey: .officeLocation)
        try container.encodeIfPresent(employeeId, forKey: .employeeId)
        try container.encodeIfPresent(onPremisesSamAccountName, forKey: .onPremisesSamAccountName)
        try container.encodeIfPresent(onPremisesDomainName, forKey: .onPremisesDomainName)
        try container.encodeIfPresent(onPremisesSecurityIdentifier, forKey: .onPremisesSecurityIdentifier)
    }
}

extension DirectoryUser: CustomReflectable {
    /// The user's properties, as a struct with them stored would show them (`print`, `dump`).
    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "id": id, "userPrincipalName": userPrincipalName, "displayName": displayName as Any, "givenName": givenName as Any,
                "surname": surname as Any, "mail": mail as Any, "otherMails": otherMails, "proxyAddresses": proxyAddresses,
                "accountEnabled": accountEnabled, "userType": userType as Any, "department": department as Any, "jobTitle": jobTitle as Any,
                "companyName": companyName as Any, "city": city as Any, "country": country as Any, "officeLocation": officeLocation as Any,
                "employeeId": employeeId as Any, "onPremisesSamAccountName": onPremisesSamAccountName as Any,
                "onPremisesDomainName": onPremisesDomainName as Any, "onPremisesSecurityIdentifier": onPremisesSecurityIdentifier as Any,
            ], displayStyle: .struct)
    }
}
