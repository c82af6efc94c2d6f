import Foundation

/// One source per tenant.
///
/// A source *names* its tenant by what the administrator typed — its domain and the tenant of its
/// credentials (a domain or the tenant id) — and, once a connection test passed, *knows* it: the
/// tenant's id and verified domains (``Source/tenant``; the id alone when the connector could
/// read only that, as the Entra connector does from the access token without
/// `Organization.Read.All`), so two sources that typed different names for one tenant are still
/// found out. A source whose credentials passed a test
/// (or that knows its tenant — new credentials leave the tenant known until they pass their own
/// test) *holds* the tenant; one not tested yet is a draft that holds only its
/// domain (`duplicateDomain`), so whichever source passes its test first keeps the tenant. A
/// source is for a tenant another holds when a name of one is a name of the other, when what one
/// knows names the other, or when both know the same tenant id. The rule is checked where each
/// fact arrives:
///
/// | where | compares |
/// | --- | --- |
/// | ``DirectoryService/addSource(name:domain:description:)``, ``DirectoryService/editSource(_:name:description:domain:)`` | the domain given with the other sources' names and known tenants |
/// | ``DirectoryService/testConnection(_:)`` | the tenant the test found, the domain and the credentials' tenant with everything the other sources name and know: the `tenant` step fails, and the test does not count as passed |
/// | ``DirectoryService/turnOn(_:)`` | the same again, with what the other sources learned since |
///
/// A refusal is a ``DirectoryServiceError`` `duplicateTenant` naming the other source.
extension DirectoryService {
    /// What a source says about its tenant, for comparison with the others.
    struct TenantClaim {
        /// The names typed: the source's domain and its credentials' tenant, normalised.
        var names: [String]
        /// What a passed connection test found.
        var known: TenantIdentity?

        init(domain: String?, typedTenant: String?, known: TenantIdentity?) {
            names = [domain, typedTenant].compactMap { $0.map(TenantIdentity.normalized) }.filter { !$0.isEmpty }
            self.known = known
        }

        init(_ source: Source) {
            self.init(domain: source.domain, typedTenant: source.credentials?.tenant, known: source.tenant)
        }

        /// Whether both claims are for the same tenant.
        func overlaps(_ other: TenantClaim) -> Bool {
            if names.contains(where: other.names.contains) { return true }
            if let known, other.names.contains(where: known.isNamed(by:)) { return true }
            if let theirs = other.known, names.contains(where: theirs.isNamed(by:)) { return true }
            if let known, let theirs = other.known, known.id == theirs.id { return true }
            return false
        }
    }

    /// The error for a claim on a tenant another source holds (see above), if one holds it.
    /// - Parameters:
    ///   - claim: What the source being checked names and knows.
    ///   - id: The source being checked (left out of the comparison), or `nil` for a new one.
    /// - Returns: `duplicateTenant` naming the other source, or `nil`.
    func tenantConflict(_ claim: TenantClaim, for id: SourceID?) -> DirectoryServiceError? {
        // A source being removed still holds its tenant: its removal may fail and bring it back.
        for other in listed where other.id != id && (other.credentialsTestedAt != nil || other.tenant != nil) {
            let theirs = TenantClaim(other)
            guard claim.overlaps(theirs) else { continue }
            let tenant = other.tenant ?? claim.known
            let which = tenant.map { "\($0)" } ?? "the tenant named '\(theirs.names.first(where: claim.names.contains) ?? other.domain)'"
            return DirectoryServiceError(
                .duplicateTenant,
                "The source '\(other.name)' already synchronizes \(which); a tenant can have one source (a second would read the same users)",
                fix: "Synchronize the tenant through '\(other.name)' (its filter can select users of every verified domain), or remove '\(other.name)' first.")
        }
        return nil
    }

    /// The connector's result with the service's own last step, `tenant`: failed when another
    /// source synchronizes the tenant the test found (then the test does not count as passed),
    /// skipped when the connector's test failed.
    func checkingTenant(_ result: ConnectionTestResult, of id: SourceID, connection: SourceConnection) -> ConnectionTestResult {
        var result = result
        guard result.isSuccessful else {
            result.steps.append(.init(.tenant, .skipped, "skipped"))
            return result
        }
        let claim = TenantClaim(domain: connection.domain, typedTenant: connection.credentials.tenant, known: result.tenant)
        if let conflict = tenantConflict(claim, for: id) {
            result.steps.append(.init(.tenant, .failed, conflict.message))
            result.errorCode = conflict.code.rawValue
        } else if let tenant = result.tenant {
            result.steps.append(.init(.tenant, .passed, "no other source synchronizes \(tenant)"))
        } else {
            result.steps.append(.init(.tenant, .passed, "no other source names this tenant (its id and verified domains were not read)"))
        }
        return result
    }

    /// Keeps what a passed test of the saved credentials found: when, and the tenant (a test that
    /// could not read the tenant keeps the one known from these credentials, and one that found
    /// only the tenant's id — from the access token, without `/organization` — keeps the verified
    /// domains known for that id).
    func recordPassedTest(_ id: SourceID, _ result: ConnectionTestResult) {
        sources[id]?.credentialsTestedAt = clock.now()
        keepTenant(result.tenant, of: id)
    }

    /// Keeps the tenant a passed test found on the source — but the verified domains already known
    /// for the same id when the test read only the id (from the access token).
    func keepTenant(_ tenant: TenantIdentity?, of id: SourceID) {
        guard let tenant else { return }
        if tenant.verifiedDomains.isEmpty, let known = sources[id]?.tenant, known.id == tenant.id { return }
        sources[id]?.tenant = tenant
    }
}
