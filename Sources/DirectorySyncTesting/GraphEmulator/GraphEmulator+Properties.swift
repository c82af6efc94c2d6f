import DirectorySync

extension GraphEmulator {
    static let userDefaultProperties = [
        "businessPhones", "displayName", "givenName", "id", "jobTitle", "mail", "mobilePhone", "officeLocation",
        "preferredLanguage", "surname", "userPrincipalName",
    ]
    static let userProperties: Set<String> = Set(userDefaultProperties + [
        "otherMails", "proxyAddresses", "accountEnabled", "userType", "department", "companyName", "city", "country",
        "employeeId", "onPremisesSamAccountName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
        "onPremisesSyncEnabled",
    ])
    static let groupDefaultProperties = [
        "id", "createdDateTime", "description", "displayName", "groupTypes", "mail", "mailEnabled", "mailNickname",
        "onPremisesSyncEnabled", "proxyAddresses", "securityEnabled", "visibility",
    ]
    static let groupProperties: Set<String> = Set(groupDefaultProperties + ["members"])
    static let userFilterable: Set<String> = [
        "id", "displayname", "mail", "userprincipalname", "givenname", "surname", "department", "jobtitle", "companyname",
        "city", "country", "officelocation", "employeeid", "usertype", "accountenabled", "onpremisessamaccountname",
        "onpremisessyncenabled", "proxyaddresses/any", "othermails/any",
    ]
    static let groupFilterable: Set<String> = ["id", "displayname", "mail", "mailenabled", "securityenabled", "description", "mailnickname"]

    /// A user property, resolved once per request rather than once per user.
    enum UserField: String {
        case id, userPrincipalName, displayName, givenName, surname, mail, otherMails, proxyAddresses, accountEnabled,
            userType, department, jobTitle, companyName, city, country, officeLocation, employeeId,
            onPremisesSamAccountName, onPremisesDomainName, onPremisesSecurityIdentifier, onPremisesSyncEnabled,
            businessPhones, mobilePhone, preferredLanguage

        /// `"name":`
        var keyBytes: [UInt8] { Array("\"\(rawValue)\":".utf8) }
    }

    static func write(_ user: DirectoryUser, properties: [String], to json: inout JSONBytes, odataType: String? = nil, synchronized: Set<String>) {
        write(user, fields: fields(properties), to: &json, odataType: odataType, synchronized: synchronized)
    }

    /// Whether a user is reported as synchronized from on-premises Active Directory now (`true`),
    /// once (`false`) or never (`nil`): see ``EmulatedTenant/synchronizedDomains``.
    /// - Parameters:
    ///   - user: The user.
    ///   - synchronized: The tenant's synchronized domains, lower-cased.
    static func onPremisesSyncEnabled(_ user: DirectoryUser, synchronized: Set<String>) -> Bool? {
        guard user.onPremisesSamAccountName != nil else { return nil }
        guard !synchronized.isEmpty, let at = user.userPrincipalName.lastIndex(of: "@") else { return false }
        return synchronized.contains(user.userPrincipalName[user.userPrincipalName.index(after: at)...].lowercased())
    }

    /// The fields for a `$select`, with their keys encoded once.
    static func fields(_ properties: [String]) -> [(field: UserField, key: [UInt8])] {
        properties.compactMap { UserField(rawValue: $0).map { ($0, $0.keyBytes) } }
    }

    /// `synchronized` is the tenant's ``EmulatedTenant/synchronizedDomains``, lower-cased (computed once per page).
    static func write(
        _ user: DirectoryUser, fields: [(field: UserField, key: [UInt8])], to json: inout JSONBytes, odataType: String? = nil,
        synchronized: Set<String>
    ) {
        // The hot path of every user page: bytes appended directly, keys pre-encoded.
        json.value { out in
        out.append(UInt8(ascii: "{"))
        if let odataType {
            out.append(contentsOf: #""@odata.type":"#.utf8)
            JSONBytes.appendString(odataType, to: &out)
        }
        for (index, (field, key)) in fields.enumerated() {
            if index > 0 || odataType != nil { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: key)
            func string(_ value: String?) {
                if let value { JSONBytes.appendString(value, to: &out) } else { out.append(contentsOf: [110, 117, 108, 108]) }
            }
            func strings(_ values: [String]) {
                out.append(UInt8(ascii: "["))
                for (position, value) in values.enumerated() {
                    if position > 0 { out.append(UInt8(ascii: ",")) }
                    JSONBytes.appendString(value, to: &out)
                }
                out.append(UInt8(ascii: "]"))
            }
            switch field {
            case .id: string(user.id)
            case .userPrincipalName: string(user.userPrincipalName)
            case .displayName: string(user.displayName)
            case .givenName: string(user.givenName)
            case .surname: string(user.surname)
            case .mail: string(user.mail)
            case .otherMails: strings(user.otherMails)
            case .proxyAddresses: strings(user.proxyAddresses)
            case .accountEnabled: out.append(contentsOf: user.accountEnabled ? [116, 114, 117, 101] : [102, 97, 108, 115, 101])
            case .userType: string(user.userType)
            case .department: string(user.department)
            case .jobTitle: string(user.jobTitle)
            case .companyName: string(user.companyName)
            case .city: string(user.city)
            case .country: string(user.country)
            case .officeLocation: string(user.officeLocation)
            case .employeeId: string(user.employeeId)
            case .onPremisesSamAccountName: string(user.onPremisesSamAccountName)
            case .onPremisesDomainName: string(user.onPremisesDomainName)
            case .onPremisesSecurityIdentifier: string(user.onPremisesSecurityIdentifier)
            case .onPremisesSyncEnabled:
                switch onPremisesSyncEnabled(user, synchronized: synchronized) {
                case nil: out.append(contentsOf: [110, 117, 108, 108])
                case true?: out.append(contentsOf: [116, 114, 117, 101])
                case false?: out.append(contentsOf: [102, 97, 108, 115, 101])
                }
            case .businessPhones: strings([])
            case .mobilePhone, .preferredLanguage: string(nil)
            }
        }
        out.append(UInt8(ascii: "}"))
        }
    }

    static func write(
        _ group: DirectoryGroup, properties: [String], to json: inout JSONBytes, odataType: String? = nil,
        extra: (inout JSONBytes) -> Void = { _ in }
    ) {
        json.beginObject()
        if let odataType { json.field("@odata.type", odataType) }
        for property in properties where property != "members" {
            json.key(property)
            switch property {
            case "id": json.string(group.id)
            case "displayName": json.string(group.displayName)
            case "description": json.string(group.description)
            case "mail": json.string(group.mail)
            case "mailEnabled": json.bool(group.mailEnabled)
            case "securityEnabled": json.bool(group.securityEnabled)
            case "groupTypes": json.strings(group.groupTypes)
            case "mailNickname": json.string(group.mail.map { String($0.prefix { $0 != "@" }) } ?? group.id.prefix(8).lowercased())
            case "proxyAddresses": json.strings(group.mail.map { ["SMTP:\($0)"] } ?? [])
            case "createdDateTime": json.string("2024-01-01T00:00:00Z")
            case "visibility": json.string(group.groupTypes.contains("Unified") ? "Private" : nil)
            default: json.string(nil)
            }
        }
        extra(&json)
        json.endObject()
    }

    static func filterValue(_ user: DirectoryUser, _ property: String, synchronized: Set<String>) -> ODataValue {
        let text: String?
        switch property.lowercased() {
        case "onpremisessyncenabled": return onPremisesSyncEnabled(user, synchronized: synchronized).map(ODataValue.bool) ?? .null
        case "id": text = user.id
        case "displayname": text = user.displayName
        case "mail": text = user.mail
        case "userprincipalname": text = user.userPrincipalName
        case "givenname": text = user.givenName
        case "surname": text = user.surname
        case "department": text = user.department
        case "jobtitle": text = user.jobTitle
        case "companyname": text = user.companyName
        case "city": text = user.city
        case "country": text = user.country
        case "officelocation": text = user.officeLocation
        case "employeeid": text = user.employeeId
        case "usertype": text = user.userType
        case "onpremisessamaccountname": text = user.onPremisesSamAccountName
        case "proxyaddresses": return .collection(user.proxyAddresses)
        case "othermails": return .collection(user.otherMails)
        case "accountenabled": return .bool(user.accountEnabled)
        default: text = nil
        }
        return text.map(ODataValue.string) ?? .null
    }

    static func filterValue(_ group: DirectoryGroup, _ property: String) -> ODataValue {
        switch property.lowercased() {
        case "id": return .string(group.id)
        case "displayname": return .string(group.displayName)
        case "mail": return group.mail.map(ODataValue.string) ?? .null
        case "description": return group.description.map(ODataValue.string) ?? .null
        case "mailenabled": return .bool(group.mailEnabled)
        case "securityenabled": return .bool(group.securityEnabled)
        default: return .null
        }
    }
}
