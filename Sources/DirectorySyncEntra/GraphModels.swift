import DirectorySync

/// A Graph user as `$select` returns it; every field lenient (Graph sends `null` for unset ones).
struct GraphUser: Decodable {
    var id: String
    var userPrincipalName: String?
    var displayName: String?
    var givenName: String?
    var surname: String?
    var mail: String?
    var otherMails: [String]?
    var proxyAddresses: [String]?
    var accountEnabled: Bool?
    var userType: String?
    var department: String?
    var jobTitle: String?
    var companyName: String?
    var city: String?
    var country: String?
    var officeLocation: String?
    var employeeId: String?
    var onPremisesSamAccountName: String?
    var onPremisesDomainName: String?
    var onPremisesSecurityIdentifier: String?

    static let select = [
        "id", "userPrincipalName", "displayName", "givenName", "surname", "mail", "otherMails", "proxyAddresses",
        "accountEnabled", "userType", "department", "jobTitle", "companyName", "city", "country", "officeLocation",
        "employeeId", "onPremisesSamAccountName", "onPremisesDomainName", "onPremisesSecurityIdentifier",
    ]

    /// The model's user; `consuming`, so a user read and then mapped hands its strings on
    /// instead of copying them.
    var directoryUser: DirectoryUser {
        consuming get {
            DirectoryUser(
                id: id, userPrincipalName: userPrincipalName ?? id, displayName: displayName, givenName: givenName, surname: surname,
                mail: mail, otherMails: otherMails ?? [], proxyAddresses: proxyAddresses ?? [], accountEnabled: accountEnabled ?? true,
                userType: userType, department: department, jobTitle: jobTitle, companyName: companyName, city: city,
                country: country, officeLocation: officeLocation, employeeId: employeeId,
                onPremisesSamAccountName: onPremisesSamAccountName, onPremisesDomainName: onPremisesDomainName,
                onPremisesSecurityIdentifier: onPremisesSecurityIdentifier)
        }
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
