import DirectorySync
import DirectorySyncTesting

let source: SourceID = "contoso"
let otherSource: SourceID = "fabrikam"

func user(
    _ id: String, _ email: String?, upn: String? = nil, name: String? = nil, aliases: [String] = [],
    enabled: Bool = true, sam: String? = nil, department: String? = nil
) -> DirectoryUser {
    var proxies: [String] = []
    if let email { proxies.append("SMTP:\(email)") }
    proxies += aliases.map { "smtp:\($0)" }
    return DirectoryUser(
        id: id, userPrincipalName: upn ?? email ?? "\(id)@contoso.com", displayName: name ?? "User \(id)",
        givenName: "User", surname: id, mail: email, proxyAddresses: proxies, accountEnabled: enabled,
        department: department, onPremisesSamAccountName: sam, onPremisesDomainName: sam == nil ? nil : "corp.contoso.com")
}

func group(_ id: String, _ name: String, users: [String] = [], groups: [String] = []) -> DirectoryGroup {
    DirectoryGroup(id: id, displayName: name, memberUserIDs: DirectoryObjectIDs(users), memberGroupIDs: DirectoryObjectIDs(groups))
}

func makePlan(
    _ directory: DirectorySnapshot, _ store: some IdentityStore, settings: SyncSettings = SyncSettings(),
    for sourceID: SourceID = source
) async throws -> SyncPlan {
    try StandardSyncPlanner().plan(
        source: sourceID, directory: directory, store: try await store.contents(), settings: settings)
}

/// Plans and applies once; returns the plan and the report.
@discardableResult
func sync(
    _ directory: DirectorySnapshot, _ store: some IdentityStore, settings: SyncSettings = SyncSettings(),
    for sourceID: SourceID = source, allowExceedingGuard: Bool = false
) async throws -> (plan: SyncPlan, report: SyncReport) {
    let plan = try await makePlan(directory, store, settings: settings, for: sourceID)
    let executor = SyncExecutor(configuration: .init(allowExceedingDeletionGuard: allowExceedingGuard))
    let report = try await executor.apply(plan, to: store)
    return (plan, report)
}

func snapshot(_ users: [DirectoryUser], _ groups: [DirectoryGroup] = []) -> DirectorySnapshot {
    DirectorySnapshot(users: users, groups: groups, isComplete: true)
}

extension SyncPlan {
    func count(_ kind: SyncAction.Kind) -> Int { summary[kind] }
    func issues(_ code: SyncIssue.Code) -> [SyncIssue] { issues.filter { $0.code == code } }
    var kinds: [SyncAction.Kind] { operations.map(\.action.kind) }
}

extension IdentityStoreContents {
    func user(email: String) -> IdentityUser? { users.first { $0.profile.email?.lowercased() == email.lowercased() } }
    func user(externalID: String) -> IdentityUser? { users.first { $0.origin.externalID == externalID } }
    func group(named name: String) -> IdentityGroup? { groups.first { $0.profile.name == name } }
    func memberEmails(of name: String) -> Set<String> {
        guard let group = group(named: name) else { return [] }
        let ids = Set(group.memberIDs)
        return Set(users.filter { ids.contains($0.id) }.compactMap(\.profile.email))
    }
}
