/// A user as the directory (Microsoft Entra ID) reports it.
///
/// The fields mirror the Microsoft Graph `user` properties the synchronization needs. Unset
/// properties are `nil`; lists are empty when Graph sends `null`.
public struct DirectoryUser: Hashable, Codable, Sendable, Identifiable {
    /// The Entra object id (a GUID). Stable for the life of the user.
    public var id: String
    /// The user principal name, for example `adele@contoso.com`.
    public var userPrincipalName: String
    /// The display name.
    public var displayName: String?
    /// The given (first) name.
    public var givenName: String?
    /// The surname.
    public var surname: String?
    /// The `mail` property: the primary SMTP address when the user has a mailbox.
    public var mail: String?
    /// Additional addresses the user registered (often external); not synchronized as aliases.
    public var otherMails: [String]
    /// Proxy addresses such as `SMTP:primary@contoso.com` (upper-case prefix) and `smtp:alias@contoso.com`.
    public var proxyAddresses: [String]
    /// Whether the account can sign in.
    public var accountEnabled: Bool
    /// `Member` or `Guest`.
    public var userType: String?
    /// The department.
    public var department: String?
    /// The job title.
    public var jobTitle: String?
    /// The company name.
    public var companyName: String?
    /// The city.
    public var city: String?
    /// The country or region.
    public var country: String?
    /// The office location.
    public var officeLocation: String?
    /// The employee identifier.
    public var employeeId: String?
    /// The on-premises `sAMAccountName`, for users synchronized from Active Directory.
    public var onPremisesSamAccountName: String?
    /// The on-premises DNS domain name, for example `corp.contoso.com`.
    public var onPremisesDomainName: String?
    /// The on-premises security identifier (SID).
    public var onPremisesSecurityIdentifier: String?

    /// Creates a directory user.
    /// - Parameters:
    ///   - id: The Entra object id.
    ///   - userPrincipalName: The user principal name.
    ///   - displayName: The display name.
    ///   - givenName: The given name.
    ///   - surname: The surname.
    ///   - mail: The `mail` property.
    ///   - otherMails: Additional registered addresses.
    ///   - proxyAddresses: Proxy addresses (`SMTP:` primary, `smtp:` alias).
    ///   - accountEnabled: Whether the account can sign in.
    ///   - userType: `Member` or `Guest`.
    ///   - department: The department.
    ///   - jobTitle: The job title.
    ///   - companyName: The company name.
    ///   - city: The city.
    ///   - country: The country or region.
    ///   - officeLocation: The office location.
    ///   - employeeId: The employee identifier.
    ///   - onPremisesSamAccountName: The on-premises `sAMAccountName`.
    ///   - onPremisesDomainName: The on-premises DNS domain name.
    ///   - onPremisesSecurityIdentifier: The on-premises SID.
    public init(
        id: String, userPrincipalName: String, displayName: String? = nil, givenName: String? = nil,
        surname: String? = nil, mail: String? = nil, otherMails: [String] = [], proxyAddresses: [String] = [],
        accountEnabled: Bool = true, userType: String? = "Member", department: String? = nil,
        jobTitle: String? = nil, companyName: String? = nil, city: String? = nil, country: String? = nil,
        officeLocation: String? = nil, employeeId: String? = nil, onPremisesSamAccountName: String? = nil,
        onPremisesDomainName: String? = nil, onPremisesSecurityIdentifier: String? = nil
    ) {
        self.id = id
        self.userPrincipalName = userPrincipalName
        self.displayName = displayName
        self.givenName = givenName
        self.surname = surname
        self.mail = mail
        self.otherMails = otherMails
        self.proxyAddresses = proxyAddresses
        self.accountEnabled = accountEnabled
        self.userType = userType
        self.department = department
        self.jobTitle = jobTitle
        self.companyName = companyName
        self.city = city
        self.country = country
        self.officeLocation = officeLocation
        self.employeeId = employeeId
        self.onPremisesSamAccountName = onPremisesSamAccountName
        self.onPremisesDomainName = onPremisesDomainName
        self.onPremisesSecurityIdentifier = onPremisesSecurityIdentifier
    }
}

extension DirectoryUser {
    /// The user's email: `mail`, else the `SMTP:` primary of `proxyAddresses`, else `nil`.
    public var primaryEmail: String? {
        if let mail = mail?.trimmed, !mail.isEmpty { return mail }
        return proxyAddresses.lazy.compactMap(Self.smtpAddress).first { $0.isPrimary }?.address
    }

    /// The `smtp:` addresses of `proxyAddresses` other than ``primaryEmail``, without duplicates
    /// (compared case-insensitively), in the order Graph lists them.
    public var emailAliases: [String] {
        guard !proxyAddresses.isEmpty else { return [] }
        // Lower-cased addresses seen so far: a short list (users have a few), a set for long ones.
        var seen: [String] = primaryEmail.map { [$0.lowercasedKey] } ?? []
        var seenSet: Set<String>? = proxyAddresses.count > 16 ? Set(seen) : nil
        var aliases: [String] = []
        for entry in proxyAddresses {
            guard let smtp = Self.smtpAddress(entry) else { continue }
            let key = smtp.address.lowercasedKey
            if seenSet != nil {
                guard seenSet!.insert(key).inserted else { continue }
            } else {
                guard !seen.contains(key) else { continue }
                seen.append(key)
            }
            aliases.append(smtp.address)
        }
        return aliases
    }

    /// The sign-in names the directory knows for this user: the UPN and, for users synchronized
    /// from on-premises Active Directory, `NETBIOS\samAccountName` (the NetBIOS name taken as the
    /// first label of `onPremisesDomainName`, upper-cased).
    public var logins: [String] {
        var result = [userPrincipalName]
        if let netBIOS = netBIOSLogin { result.append(netBIOS) }
        return result
    }

    /// Every name an administrator may have typed as this user's login, lower-cased: the UPN,
    /// `NETBIOS\sam` and `dns.domain\sam`. Used to match manual identities.
    public var loginMatchKeys: [String] {
        var keys = [userPrincipalName.lowercasedKey]
        if let netBIOS = netBIOSLogin { keys.append(netBIOS.lowercasedKey) }
        if let sam = onPremisesSamAccountName?.trimmed, !sam.isEmpty,
            let domain = onPremisesDomainName?.trimmed, domain.contains(".")
        {
            keys.append("\(domain)\\\(sam)".lowercased())
        }
        return keys
    }

    private var netBIOSLogin: String? {
        guard let sam = onPremisesSamAccountName?.trimmed, !sam.isEmpty,
            let domain = onPremisesDomainName?.trimmed, let label = domain.split(separator: ".").first,
            !label.isEmpty
        else { return nil }
        return "\(label.uppercased())\\\(sam)"
    }

    /// Parses one `proxyAddresses` entry; `nil` unless it is an SMTP address.
    static func smtpAddress(_ entry: String) -> (address: String, isPrimary: Bool)? {
        let bytes = entry.utf8
        // An ASCII start: the first five characters are the first five bytes.
        if bytes.count > 5, bytes.prefix(6).allSatisfy({ $0 < 0x80 }) {
            guard bytes.prefix(5).elementsEqual("smtp:".utf8, by: { $1 == UInt8(ascii: ":") ? $0 == $1 : $0 | 0x20 == $1 }) else { return nil }
        } else {
            guard entry.count > 5, entry.prefix(5).lowercased() == "smtp:" else { return nil }
        }
        let address = String(entry.dropFirst(5)).trimmed
        guard !address.isEmpty else { return nil }
        return (address, entry.hasPrefix("SMTP:"))
    }
}
