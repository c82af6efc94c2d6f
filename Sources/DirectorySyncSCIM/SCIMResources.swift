import DirectorySync
import Foundation

/// The SCIM 2.0 user resource, as far as DirectorySync maps it.
struct SCIMUser: Codable {
    struct Name: Codable {
        var givenName: String?
        var familyName: String?
    }

    struct MultiValue: Codable, Equatable {
        var value: String
        var type: String?
        var primary: Bool?
    }

    struct Meta: Codable { var version: String? }

    var schemas: [String]? = ["urn:ietf:params:scim:schemas:core:2.0:User"]
    var id: String?
    var externalId: String?
    var userName: String
    var name: Name?
    var displayName: String?
    var active: Bool?
    var emails: [MultiValue]?
    var ims: [MultiValue]?
    var meta: Meta?

    static let loginType = "directorysync-login"

    init(profile: UserProfile, origin: IdentityOrigin) {
        // userName is required and unique: the first login (the UPN), else the email, else the name.
        userName = profile.logins.first ?? profile.email ?? profile.name
        externalId = SCIMOwnership.externalID(for: origin)
        name = Name(givenName: profile.firstName, familyName: profile.lastName)
        displayName = profile.name
        active = profile.isEnabled
        var emails: [MultiValue] = []
        if let email = profile.email { emails.append(MultiValue(value: email, type: "work", primary: true)) }
        emails += profile.aliases.map { MultiValue(value: $0, type: "other", primary: false) }
        self.emails = emails
        ims = profile.logins.map { MultiValue(value: $0, type: Self.loginType, primary: nil) }
    }

    var profile: UserProfile {
        let primary = emails?.first { $0.primary == true }?.value
        let aliases = (emails ?? []).filter { $0.primary != true }.map(\.value)
        let logins = (ims ?? []).filter { $0.type == Self.loginType }.map(\.value)
        return UserProfile(
            name: displayName ?? userName, firstName: name?.givenName, lastName: name?.familyName, email: primary,
            aliases: aliases, logins: logins, isEnabled: active ?? true)
    }
}

/// The SCIM 2.0 group resource.
struct SCIMGroup: Codable {
    struct Member: Codable { var value: String }
    struct Meta: Codable { var version: String? }

    var schemas: [String]? = ["urn:ietf:params:scim:schemas:core:2.0:Group"]
    var id: String?
    var externalId: String?
    var displayName: String
    var members: [Member]?
    var meta: Meta?
}

/// A SCIM list response.
struct SCIMList<Resource: Decodable>: Decodable {
    var totalResults: Int?
    var itemsPerPage: Int?
    var startIndex: Int?
    var resources: [Resource]?

    enum CodingKeys: String, CodingKey {
        case totalResults, itemsPerPage, startIndex
        case resources = "Resources"
    }
}

/// `/ServiceProviderConfig`, as far as the store adapts to it.
struct SCIMServiceProviderConfig: Decodable {
    struct Supported: Decodable { var supported: Bool? }
    struct Filter: Decodable {
        var supported: Bool?
        var maxResults: Int?
    }

    var patch: Supported?
    var bulk: Supported?
    var filter: Filter?
    var etag: Supported?

    init() {}
}

/// A SCIM error body; `status` may be a string or a number.
struct SCIMErrorBody: Decodable {
    var status: String?
    var scimType: String?
    var detail: String?

    enum CodingKeys: String, CodingKey { case status, scimType, detail }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let text = try? container.decodeIfPresent(String.self, forKey: .status) {
            status = text
        } else if let number = try? container.decodeIfPresent(Int.self, forKey: .status) {
            status = String(number)
        }
        scimType = try? container.decodeIfPresent(String.self, forKey: .scimType)
        detail = try? container.decodeIfPresent(String.self, forKey: .detail)
    }
}

/// How ownership is written into SCIM: `externalId` is `directorysync:<source>:<object id>` for
/// identities a source owns (the source percent-encoded), and anything else — no `externalId`, or
/// one written by another tool — is a manual identity. A manual identity is never taken for a
/// synchronized one.
enum SCIMOwnership {
    static let prefix = "directorysync:"

    static func externalID(for origin: IdentityOrigin) -> String? {
        guard case .directory(let source, let externalID) = origin else { return nil }
        let encoded = source.rawValue.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? source.rawValue
        return prefix + encoded + ":" + externalID
    }

    static func origin(of externalID: String?) -> IdentityOrigin {
        guard let externalID, externalID.hasPrefix(prefix) else { return .manual }
        let rest = externalID.dropFirst(prefix.count)
        guard let colon = rest.firstIndex(of: ":") else { return .manual }
        let source = String(rest[..<colon]).removingPercentEncoding ?? String(rest[..<colon])
        let object = String(rest[rest.index(after: colon)...])
        guard !source.isEmpty, !object.isEmpty else { return .manual }
        return .directory(SourceID(source), externalID: object)
    }
}

/// SCIM filter literals: JSON strings, with `"` and `\\` escaped and control characters as `\\u`.
enum SCIMFilter {
    static func literal(_ value: String) -> String {
        var result = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }

    /// Percent-encodes a query value strictly: `+` becomes `%2B` (servers read a bare `+` as a space).
    static func encode(_ value: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
