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
        "city", "country", "officelocation", "employeeid", "usertype", "accountenabled",
    ]
    static let groupFilterable: Set<String> = ["id", "displayname", "mail", "mailenabled", "securityenabled", "description", "mailnickname"]

    static func write(_ user: DirectoryUser, properties: [String], to json: inout JSONBytes, odataType: String? = nil) {
        json.beginObject()
        if let odataType { json.field("@odata.type", odataType) }
        for property in properties {
            json.key(property)
            switch property {
            case "id": json.string(user.id)
            case "userPrincipalName": json.string(user.userPrincipalName)
            case "displayName": json.string(user.displayName)
            case "givenName": json.string(user.givenName)
            case "surname": json.string(user.surname)
            case "mail": json.string(user.mail)
            case "otherMails": json.strings(user.otherMails)
            case "proxyAddresses": json.strings(user.proxyAddresses)
            case "accountEnabled": json.bool(user.accountEnabled)
            case "userType": json.string(user.userType)
            case "department": json.string(user.department)
            case "jobTitle": json.string(user.jobTitle)
            case "companyName": json.string(user.companyName)
            case "city": json.string(user.city)
            case "country": json.string(user.country)
            case "officeLocation": json.string(user.officeLocation)
            case "employeeId": json.string(user.employeeId)
            case "onPremisesSamAccountName": json.string(user.onPremisesSamAccountName)
            case "onPremisesDomainName": json.string(user.onPremisesDomainName)
            case "onPremisesSecurityIdentifier": json.string(user.onPremisesSecurityIdentifier)
            case "onPremisesSyncEnabled": json.bool(user.onPremisesSamAccountName == nil ? nil : true)
            case "businessPhones": json.strings([])
            default: json.string(nil)
            }
        }
        json.endObject()
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

    static func filterValue(_ user: DirectoryUser, _ property: String) -> ODataValue {
        let text: String?
        switch property.lowercased() {
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
