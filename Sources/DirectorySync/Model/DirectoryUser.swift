/// A user as the directory (Microsoft Entra ID) reports it.
///
/// The fields mirror the Microsoft Graph `user` properties the synchronization needs. Unset
/// properties are `nil`; lists are empty when Graph sends `null`.
public struct DirectoryUser: Hashable, Codable, Sendable, Identifiable {
    /// The string properties, kept together (see ``Fields``).
    private(set) var fields: Fields

    /// The Entra object id (a GUID). Stable for the life of the user.
    public var id: String {
        get { fields.string(.id)! }
        set { fields.replace(.id, with: .string(newValue)) }
    }
    /// The user principal name, for example `adele@contoso.com`.
    public var userPrincipalName: String {
        get { fields.string(.userPrincipalName)! }
        set { fields.replace(.userPrincipalName, with: .string(newValue)) }
    }
    /// The display name.
    public var displayName: String? {
        get { fields.string(.displayName) }
        set { fields.replace(.displayName, with: .string(newValue)) }
    }
    /// The given (first) name.
    public var givenName: String? {
        get { fields.string(.givenName) }
        set { fields.replace(.givenName, with: .string(newValue)) }
    }
    /// The surname.
    public var surname: String? {
        get { fields.string(.surname) }
        set { fields.replace(.surname, with: .string(newValue)) }
    }
    /// The `mail` property: the primary SMTP address when the user has a mailbox.
    public var mail: String? {
        get { fields.string(.mail) }
        set { fields.replace(.mail, with: .string(newValue)) }
    }
    /// Additional addresses the user registered (often external); not synchronized as aliases.
    public var otherMails: [String] {
        get { fields.strings(.otherMails) }
        set { fields.replace(.otherMails, with: .list(newValue)) }
    }
    /// Proxy addresses such as `SMTP:primary@contoso.com` (upper-case prefix) and `smtp:alias@contoso.com`.
    public var proxyAddresses: [String] {
        get { fields.strings(.proxyAddresses) }
        set { fields.replace(.proxyAddresses, with: .list(newValue)) }
    }
    /// Whether the account can sign in.
    public var accountEnabled: Bool
    /// `Member` or `Guest`.
    public var userType: String? {
        get { fields.string(.userType) }
        set { fields.replace(.userType, with: .string(newValue)) }
    }
    /// The department.
    public var department: String? {
        get { fields.string(.department) }
        set { fields.replace(.department, with: .string(newValue)) }
    }
    /// The job title.
    public var jobTitle: String? {
        get { fields.string(.jobTitle) }
        set { fields.replace(.jobTitle, with: .string(newValue)) }
    }
    /// The company name.
    public var companyName: String? {
        get { fields.string(.companyName) }
        set { fields.replace(.companyName, with: .string(newValue)) }
    }
    /// The city.
    public var city: String? {
        get { fields.string(.city) }
        set { fields.replace(.city, with: .string(newValue)) }
    }
    /// The country or region.
    public var country: String? {
        get { fields.string(.country) }
        set { fields.replace(.country, with: .string(newValue)) }
    }
    /// The office location.
    public var officeLocation: String? {
        get { fields.string(.officeLocation) }
        set { fields.replace(.officeLocation, with: .string(newValue)) }
    }
    /// The employee identifier.
    public var employeeId: String? {
        get { fields.string(.employeeId) }
        set { fields.replace(.employeeId, with: .string(newValue)) }
    }
    /// The on-premises `sAMAccountName`, for users synchronized from Active Directory.
    public var onPremisesSamAccountName: String? {
        get { fields.string(.onPremisesSamAccountName) }
        set { fields.replace(.onPremisesSamAccountName, with: .string(newValue)) }
    }
    /// The on-premises DNS domain name, for example `corp.contoso.com`.
    public var onPremisesDomainName: String? {
        get { fields.string(.onPremisesDomainName) }
        set { fields.replace(.onPremisesDomainName, with: .string(newValue)) }
    }
    /// The on-premises security identifier (SID).
    public var onPremisesSecurityIdentifier: String? {
        get { fields.string(.onPremisesSecurityIdentifier) }
        set { fields.replace(.onPremisesSecurityIdentifier, with: .string(newValue)) }
    }

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
        fields = Fields([
            .string(id), .string(userPrincipalName), .string(mail), .list(proxyAddresses),
            .string(displayName), .string(givenName), .string(surname), .string(onPremisesSamAccountName), .string(onPremisesDomainName),
            .string(userType), .string(department), .string(jobTitle), .string(companyName), .string(city),
            .string(country), .string(officeLocation), .string(employeeId), .string(onPremisesSecurityIdentifier), .list(otherMails),
        ])
        self.accountEnabled = accountEnabled
    }
}

extension DirectoryUser {
    /// The user's email: `mail`, else the `SMTP:` primary of `proxyAddresses`, else `nil`.
    public var primaryEmail: String? { Self.primaryEmail(mail: mail, proxyAddresses: proxyAddresses) }

    private static func primaryEmail(mail: String?, proxyAddresses: [String]) -> String? {
        if let mail = mail?.trimmed, !mail.isEmpty { return mail }
        return proxyAddresses.lazy.compactMap(Self.smtpAddress).first { $0.isPrimary }?.address
    }

    /// The `smtp:` addresses of `proxyAddresses` other than ``primaryEmail``, without duplicates
    /// (compared case-insensitively), in the order Graph lists them.
    public var emailAliases: [String] { emailAddresses().aliases }

    /// The user's addresses with their case-insensitive keys, worked out once: ``primaryEmail``
    /// and ``emailAliases``.
    struct EmailAddresses {
        var primary: String?
        /// `primary` lower-cased.
        var primaryKey: String?
        var aliases: [String] = []
        /// Each alias lower-cased, in the same order.
        var aliasKeys: [String] = []
    }

    /// ``primaryEmail`` and ``emailAliases`` with their keys, in one pass over the proxy addresses.
    func emailAddresses() -> EmailAddresses { Self.emailAddresses(mail: mail, proxyAddresses: proxyAddresses) }

    /// ``emailAddresses()`` of a user with this `mail` and these `proxyAddresses` (a planner
    /// passes the two fields, not a copy of the whole user).
    static func emailAddresses(mail: String?, proxyAddresses: [String]) -> EmailAddresses {
        let primary = primaryEmail(mail: mail, proxyAddresses: proxyAddresses)
        var addresses = EmailAddresses(primary: primary, primaryKey: primary?.lowercasedKey)
        guard !proxyAddresses.isEmpty else { return addresses }
        // Keys seen so far: the primary and the aliases (a short list; a set for long ones).
        var seenSet: Set<String>? = proxyAddresses.count > 16 ? Set(addresses.primaryKey.map { [$0] } ?? []) : nil
        for entry in proxyAddresses {
            // The primary's own entry (usually `SMTP:` and the primary): skipped without a copy.
            if let key = addresses.primaryKey, Self.isSMTPEntry(entry, of: key) { continue }
            guard let smtp = Self.smtpAddress(entry) else { continue }
            let key = smtp.address.lowercasedKey
            if seenSet != nil {
                guard seenSet!.insert(key).inserted else { continue }
            } else {
                guard key != addresses.primaryKey, !addresses.aliasKeys.contains(key) else { continue }
            }
            addresses.aliases.append(smtp.address)
            addresses.aliasKeys.append(key)
        }
        return addresses
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

    /// `NETBIOS\samAccountName`, for users synchronized from on-premises Active Directory.
    var netBIOSLogin: String? {
        guard let (label, sam) = netBIOSParts else { return nil }
        return "\(label)\\\(sam)"
    }

    /// Whether a user with this `sAMAccountName` and domain has a ``netBIOSLogin``.
    static func hasNetBIOSLogin(samAccountName: String?, domainName: String?) -> Bool {
        netBIOSParts(samAccountName: samAccountName, domainName: domainName) != nil
    }

    /// Whether `login` is the ``netBIOSLogin`` of a user with this `sAMAccountName` and domain, byte
    /// for byte (`false` also when there is none), decided without building it.
    static func isNetBIOSLogin(_ login: String, samAccountName: String?, domainName: String?) -> Bool {
        isNetBIOSLogin(bytes: login.utf8, samAccountName: samAccountName, domainName: domainName)
    }

    /// Whether a login's UTF-8 bytes are the ``netBIOSLogin`` of a user with this
    /// `sAMAccountName` and domain (see ``isNetBIOSLogin(_:samAccountName:domainName:)``).
    static func isNetBIOSLogin(bytes login: some Sequence<UInt8>, samAccountName: String?, domainName: String?) -> Bool {
        guard let (label, sam) = netBIOSParts(samAccountName: samAccountName, domainName: domainName) else { return false }
        var bytes = login.makeIterator()
        for byte in label.utf8 { guard bytes.next() == byte else { return false } }
        guard bytes.next() == UInt8(ascii: "\\") else { return false }
        for byte in sam.utf8 { guard bytes.next() == byte else { return false } }
        return bytes.next() == nil
    }

    /// ``isNetBIOSLogin(bytes:samAccountName:domainName:)`` (with `login`) or
    /// ``hasNetBIOSLogin(samAccountName:domainName:)`` (without) from the values' UTF-8 bytes, when
    /// both are printable ASCII without white space (nothing to trim, and upper-casing is byte for
    /// byte); `nil` for other values, which the strings decide.
    static func netBIOSLogin(
        matches login: UnsafeBufferPointer<UInt8>?, samAccountName sam: UnsafeBufferPointer<UInt8>?, domainName domain: UnsafeBufferPointer<UInt8>?
    ) -> Bool? {
        let isPlain = { (bytes: UnsafeBufferPointer<UInt8>?) in bytes?.allSatisfy { (0x21..<0x7F).contains($0) } ?? true }
        guard isPlain(sam), isPlain(domain) else { return nil }
        guard let sam, !sam.isEmpty, let domain else { return false }
        // The first non-empty label.
        let start = domain.firstIndex { $0 != UInt8(ascii: ".") } ?? domain.endIndex
        let end = domain[start...].firstIndex(of: UInt8(ascii: ".")) ?? domain.endIndex
        guard start < end else { return false }
        guard let login else { return true }
        let label = UnsafeBufferPointer(rebasing: domain[start..<end])
        guard login.count == label.count + 1 + sam.count, login[label.count] == UInt8(ascii: "\\") else { return false }
        for (byte, labelByte) in zip(login, label) {
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(labelByte) ? labelByte & ~0x20 : labelByte
            guard byte == upper else { return false }
        }
        return UnsafeBufferPointer(rebasing: login[(label.count + 1)...]).elementsEqual(sam)
    }

    /// The NetBIOS name (the first non-empty label of the on-premises domain, upper-cased) and the
    /// `sAMAccountName`, both trimmed.
    private var netBIOSParts: (label: String, sam: String)? {
        Self.netBIOSParts(samAccountName: onPremisesSamAccountName, domainName: onPremisesDomainName)
    }

    private static func netBIOSParts(samAccountName: String?, domainName: String?) -> (label: String, sam: String)? {
        guard let sam = samAccountName?.trimmed, !sam.isEmpty, let domain = domainName?.trimmed else { return nil }
        // The first non-empty label, as `split(separator: ".").first` gives it, without the array.
        let label = domain.drop { $0 == "." }.prefix { $0 != "." }
        guard !label.isEmpty else { return nil }
        return (label.uppercased(), sam)
    }

    /// Whether `entry` is `smtp:` (any case) followed by the address whose lower-cased key is `key`
    /// (a primary key: trimmed, not empty): what ``smtpAddress(_:)`` would parse to an address with
    /// that key, found without copying it. The address may differ from the key in the case of its
    /// ASCII letters only; `false` sends other entries (and keys that do not start with ASCII) to
    /// the full parse.
    static func isSMTPEntry(_ entry: String, of key: String) -> Bool {
        entry.utf8.withContiguousStorageIfAvailable { entry in key.utf8.withContiguousStorageIfAvailable { isSMTPEntry(entry, of: $0) } ?? false } ?? false
    }

    /// ``isSMTPEntry(_:of:)`` of an entry's and a key's UTF-8 bytes.
    static func isSMTPEntry(_ bytes: UnsafeBufferPointer<UInt8>, of key: UnsafeBufferPointer<UInt8>) -> Bool {
        // A key that starts with ASCII: the colon is a character of its own, and the address is
        // the bytes after it.
        guard bytes.count == key.count + 5, let first = key.first, first < 0x80 else { return false }
        // `smtp:` in any case: the letters' bytes with 0x20 set, the colon as it is.
        guard bytes[0] | 0x20 == UInt8(ascii: "s"), bytes[1] | 0x20 == UInt8(ascii: "m"), bytes[2] | 0x20 == UInt8(ascii: "t"),
            bytes[3] | 0x20 == UInt8(ascii: "p"), bytes[4] == UInt8(ascii: ":")
        else { return false }
        // ASCII capitals lower-case byte for byte; every other byte (of other scalars, which
        // lower-case to themselves in a key) is the key's. (ASCII bytes occur in no other scalar.)
        for index in key.indices {
            let byte = bytes[index + 5]
            guard (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == key[index] else { return false }
        }
        return true
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
