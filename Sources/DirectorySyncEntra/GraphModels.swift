import DirectorySync

/// A Graph user as `$select` returns it, read straight into the model's shape: Graph sends `null`
/// for unset properties, and they become the model's values as the user is read — absent
/// properties `nil`, the user principal name the id, lists empty, `accountEnabled` `true` — so a
/// read keeps the user without converting it.
struct GraphUser: Decodable {
    /// The user as the model holds it.
    var directoryUser: DirectoryUser

    var id: String { directoryUser.id }

    static let select = [
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "otherMails", "proxyAddresses",
        "accountEnabled", "userType", "department", "jobTitle", "companyName", "city", "country", "officeLocation",
        "employeeId", "onPremisesSamAccountName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
    ]

    init(directoryUser: DirectoryUser) { self.directoryUser = directoryUser }

    private enum CodingKeys: String, CodingKey {
        case id, userPrincipalName, displayName, givenName, surname, mail, otherMails, proxyAddresses, accountEnabled, userType, department
        case jobTitle, companyName, city, country, officeLocation, employeeId, onPremisesSamAccountName, onPremisesDomainName
        case onPremisesSecurityIdentifier
    }

    /// `JSONDecoder`'s reading: the reference ``GraphJSONReader`` is compared with.
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func string(_ key: CodingKeys) throws -> String? { try container.decodeIfPresent(String.self, forKey: key) }
        let id = try container.decode(String.self, forKey: .id)
        directoryUser = DirectoryUser(
            id: id, userPrincipalName: try string(.userPrincipalName) ?? id, displayName: try string(.displayName),
            givenName: try string(.givenName), surname: try string(.surname), mail: try string(.mail),
            otherMails: try container.decodeIfPresent([String].self, forKey: .otherMails) ?? [],
            proxyAddresses: try container.decodeIfPresent([String].self, forKey: .proxyAddresses) ?? [],
            accountEnabled: try container.decodeIfPresent(Bool.self, forKey: .accountEnabled) ?? true, userType: try string(.userType),
            department: try string(.department), jobTitle: try string(.jobTitle), companyName: try string(.companyName),
            city: try string(.city), country: try string(.country), officeLocation: try string(.officeLocation),
            employeeId: try string(.employeeId), onPremisesSamAccountName: try string(.onPremisesSamAccountName),
            onPremisesDomainName: try string(.onPremisesDomainName), onPremisesSecurityIdentifier: try string(.onPremisesSecurityIdentifier))
    }
}

/// A group as `/groups` returns it, or an entry of a group delta round with its `members@delta` chunk.
struct GraphDeltaGroup: Decodable {
    struct Member: Decodable {
        var id: String
        var type: String?
        var removed: Removed?

        enum CodingKeys: String, CodingKey {
            case id
            case type = "@odata.type"
            case removed = "@removed"
        }
    }

    struct Removed: Decodable { var reason: String? }

    var id: String
    var displayName: String?
    var description: String?
    var mail: String?
    var mailEnabled: Bool?
    var securityEnabled: Bool?
    var groupTypes: [String]?
    var members: [Member]?
    var removed: Removed?

    enum CodingKeys: String, CodingKey {
        case id, displayName, description, mail, mailEnabled, securityEnabled, groupTypes
        case members = "members@delta"
        case removed = "@removed"
    }

    static let select = ["id", "displayName", "description", "mail", "mailEnabled", "securityEnabled", "groupTypes", "members"]

    /// The group without members (they are merged separately).
    var directoryGroup: DirectoryGroup {
        DirectoryGroup(
            id: id, displayName: displayName ?? id, description: description, mail: mail, mailEnabled: mailEnabled ?? false,
            securityEnabled: securityEnabled ?? true, groupTypes: groupTypes ?? [])
    }
}

/// A member of a group as `/members` returns it.
struct GraphMember: Decodable {
    var id: String
    var type: String?

    enum CodingKeys: String, CodingKey {
        case id
        case type = "@odata.type"
    }
}
