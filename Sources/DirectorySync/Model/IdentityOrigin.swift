/// Where an identity in the store comes from.
///
/// Manual identities belong to the administrator: synchronization never changes or removes them,
/// except to *adopt* one (link it to a directory object) when it matches a directory user or group.
/// Directory identities belong to one source and are kept in step with it.
public enum IdentityOrigin: Hashable, Codable, Sendable, CustomStringConvertible {
    /// Created and managed by an administrator.
    case manual
    /// Synchronized from a source; `externalID` is the directory object id (the Entra object id).
    case directory(SourceID, externalID: String)

    /// The owning source, or `nil` for a manual identity.
    public var sourceID: SourceID? {
        if case .directory(let source, _) = self { return source }
        return nil
    }

    /// The directory object id, or `nil` for a manual identity.
    public var externalID: String? {
        if case .directory(_, let externalID) = self { return externalID }
        return nil
    }

    /// Whether this identity is owned by the given source.
    /// - Parameter source: The source to compare with.
    public func isOwned(by source: SourceID) -> Bool { sourceID == source }

    /// `manual`, or `directory(<source>/<external id>)`.
    public var description: String {
        switch self {
        case .manual: "manual"
        case .directory(let source, let externalID): "directory(\(source)/\(externalID))"
        }
    }
}

extension IdentityOrigin {
    private enum CodingKeys: String, CodingKey { case kind, source, externalID }

    /// Decodes `{"kind": "manual"}` or `{"kind": "directory", "source": …, "externalID": …}`, and
    /// the form stores wrote before it (`{"manual": {}}`, `{"directory": {"_0": …, "externalID": …}}`).
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` when the value is neither.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let kind = try container.decodeIfPresent(String.self, forKey: .kind) {
            switch kind {
            case "manual": self = .manual
            case "directory":
                self = .directory(try container.decode(SourceID.self, forKey: .source), externalID: try container.decode(String.self, forKey: .externalID))
            default: throw DecodingError.unknownCase(kind, of: "origin", known: ["manual", "directory"], codingPath: container.codingPath)
            }
            return
        }
        let (name, values) = try decoder.synthesizedEnumCase(expected: "an origin")
        switch name {
        case "manual": self = .manual
        case "directory":
            self = .directory(try values.decode(SourceID.self, forKey: AnyCodingKey("_0")), externalID: try values.decode(String.self, forKey: AnyCodingKey("externalID")))
        default: throw DecodingError.unknownCase(name, of: "origin", known: ["manual", "directory"], codingPath: decoder.codingPath)
        }
    }

    /// Encodes `{"kind": "manual"}` or `{"kind": "directory", "source": …, "externalID": …}`.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .manual:
            try container.encode("manual", forKey: .kind)
        case .directory(let source, let externalID):
            try container.encode("directory", forKey: .kind)
            try container.encode(source, forKey: .source)
            try container.encode(externalID, forKey: .externalID)
        }
    }
}
