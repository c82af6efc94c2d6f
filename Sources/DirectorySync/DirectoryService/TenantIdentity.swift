/// Which tenant a source's credentials reach: the tenant's id and its verified domains, as a
/// connection test that passed found them (Entra ID: `GET /organization`'s `id` and
/// `verifiedDomains[].name`; when the application may not read `/organization`, the id alone,
/// from the access token's `tid` claim).
///
/// ``DirectoryService`` keeps it on the source (``Source/tenant``) and refuses a second source for
/// the same tenant, whichever of its verified domains or its id names it
/// (`duplicateTenant`, a ``DirectoryServiceError``).
///
/// Its JSON (in a ``ConnectionTestResult`` and in the saved source) is
/// `{"id": "6f1c4f6e-…", "verifiedDomains": ["contoso.com", "contoso.onmicrosoft.com"]}`.
public struct TenantIdentity: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The tenant's id (a GUID), lower-cased.
    public var id: String
    /// The tenant's verified domains, lower-cased, without a trailing dot, in the order the
    /// directory listed them.
    public var verifiedDomains: [String]

    /// Creates a tenant's identity; the id and domains are lower-cased and trimmed (a trailing dot
    /// removed, duplicates and empty names dropped).
    /// - Parameters:
    ///   - id: The tenant id.
    ///   - verifiedDomains: The tenant's verified domains.
    public init(id: String, verifiedDomains: [String]) {
        self.id = id.trimmed.lowercased()
        var seen: Set<String> = []
        self.verifiedDomains = verifiedDomains.map(Self.normalized).filter { !$0.isEmpty && seen.insert($0).inserted }
    }

    /// Whether `name` — a domain or a tenant id, as typed — names this tenant (ignoring case and a
    /// trailing dot).
    /// - Parameter name: A domain or a tenant id.
    /// - Returns: `true` when it is the tenant's id or one of its verified domains.
    public func isNamed(by name: String) -> Bool {
        let name = Self.normalized(name)
        return !name.isEmpty && (name == id || verifiedDomains.contains(name))
    }

    /// `tenant 6f1c4f6e-… (contoso.com, contoso.onmicrosoft.com)`.
    public var description: String {
        "tenant \(id)" + (verifiedDomains.isEmpty ? "" : " (\(verifiedDomains.joined(separator: ", ")))")
    }

    static func normalized(_ name: String) -> String {
        var name = name.trimmed.lowercased()
        if name.hasSuffix(".") { name.removeLast() }
        return name
    }

    private enum CodingKeys: String, CodingKey { case id, verifiedDomains }

    /// Decodes `{"id", "verifiedDomains"}`.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for another shape.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try container.decode(String.self, forKey: .id),
            verifiedDomains: try container.decodeIfPresent([String].self, forKey: .verifiedDomains) ?? [])
    }

    /// Encodes `{"id", "verifiedDomains"}`.
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(verifiedDomains, forKey: .verifiedDomains)
    }
}
