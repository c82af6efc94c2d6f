/// One successful write to an identity store, as ``FileIdentityStore`` logs it.
///
/// JSON (one record of the store's files), by `kind`: `{"kind": "putUser", "id": …, "origin": …,
/// "profile": …}`, `{"kind": "putGroup", "id": …, "origin": …, "profile": …}`,
/// `{"kind": "deleteUser", "id": …}`, `{"kind": "deleteGroup", "id": …}`, and
/// `{"kind": "addMembers", "group": …, "members": […]}` (or `removeMembers`). Records written
/// before this form (`{"putUser": {"_0": …}}`) are read too, so existing stores keep working.
package enum StoreChange: Hashable, Codable, Sendable {
    /// A user created or updated (with its identifier).
    case putUser(IdentityUser)
    /// A user deleted.
    case deleteUser(IdentityID)
    /// A group created or updated (with its identifier).
    case putGroup(IdentityID, origin: IdentityOrigin, profile: GroupProfile)
    /// A group deleted.
    case deleteGroup(IdentityID)
    /// Members added to a group.
    case addMembers([IdentityID], IdentityID)
    /// Members removed from a group.
    case removeMembers([IdentityID], IdentityID)
}

extension StoreChange {
    private enum CodingKeys: String, CodingKey { case kind, id, origin, profile, group, members }

    private static let kinds = ["putUser", "deleteUser", "putGroup", "deleteGroup", "addMembers", "removeMembers"]

    /// Decodes the designed form, or the form written before it.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        guard let kind = try container.decodeIfPresent(String.self, forKey: .kind) else {
            self = try Self.synthesized(decoder)
            return
        }
        switch kind {
        case "putUser":
            self = .putUser(
                IdentityUser(
                    id: try container.decode(IdentityID.self, forKey: .id), origin: try container.decode(IdentityOrigin.self, forKey: .origin),
                    profile: try container.decode(UserProfile.self, forKey: .profile)))
        case "deleteUser": self = .deleteUser(try container.decode(IdentityID.self, forKey: .id))
        case "putGroup":
            self = .putGroup(
                try container.decode(IdentityID.self, forKey: .id), origin: try container.decode(IdentityOrigin.self, forKey: .origin),
                profile: try container.decode(GroupProfile.self, forKey: .profile))
        case "deleteGroup": self = .deleteGroup(try container.decode(IdentityID.self, forKey: .id))
        case "addMembers":
            self = .addMembers(try container.decode([IdentityID].self, forKey: .members), try container.decode(IdentityID.self, forKey: .group))
        case "removeMembers":
            self = .removeMembers(try container.decode([IdentityID].self, forKey: .members), try container.decode(IdentityID.self, forKey: .group))
        default: throw DecodingError.unknownCase(kind, of: "store change", known: Self.kinds, codingPath: decoder.codingPath)
        }
    }

    /// `{"putUser": {"_0": {…}}}`, `{"addMembers": {"_0": […], "_1": "group-1"}}`, …
    private static func synthesized(_ decoder: any Decoder) throws -> StoreChange {
        let (name, values) = try decoder.synthesizedEnumCase(expected: "a store change with a \"kind\"")
        let first = AnyCodingKey("_0")
        switch name {
        case "putUser": return .putUser(try values.decode(IdentityUser.self, forKey: first))
        case "deleteUser": return .deleteUser(try values.decode(IdentityID.self, forKey: first))
        case "putGroup":
            return .putGroup(
                try values.decode(IdentityID.self, forKey: first), origin: try values.decode(IdentityOrigin.self, forKey: AnyCodingKey("origin")),
                profile: try values.decode(GroupProfile.self, forKey: AnyCodingKey("profile")))
        case "deleteGroup": return .deleteGroup(try values.decode(IdentityID.self, forKey: first))
        case "addMembers": return .addMembers(try values.decode([IdentityID].self, forKey: first), try values.decode(IdentityID.self, forKey: AnyCodingKey("_1")))
        case "removeMembers":
            return .removeMembers(try values.decode([IdentityID].self, forKey: first), try values.decode(IdentityID.self, forKey: AnyCodingKey("_1")))
        default: throw DecodingError.unknownCase(name, of: "store change", known: kinds, codingPath: decoder.codingPath)
        }
    }

    /// Encodes the designed form.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .putUser(let user):
            try container.encode("putUser", forKey: .kind)
            try container.encode(user.id, forKey: .id)
            try container.encode(user.origin, forKey: .origin)
            try container.encode(user.profile, forKey: .profile)
        case .deleteUser(let id):
            try container.encode("deleteUser", forKey: .kind)
            try container.encode(id, forKey: .id)
        case .putGroup(let id, let origin, let profile):
            try container.encode("putGroup", forKey: .kind)
            try container.encode(id, forKey: .id)
            try container.encode(origin, forKey: .origin)
            try container.encode(profile, forKey: .profile)
        case .deleteGroup(let id):
            try container.encode("deleteGroup", forKey: .kind)
            try container.encode(id, forKey: .id)
        case .addMembers(let members, let group), .removeMembers(let members, let group):
            if case .addMembers = self { try container.encode("addMembers", forKey: .kind) } else { try container.encode("removeMembers", forKey: .kind) }
            try container.encode(group, forKey: .group)
            try container.encode(members, forKey: .members)
        }
    }
}
