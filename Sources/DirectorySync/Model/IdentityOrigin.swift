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
