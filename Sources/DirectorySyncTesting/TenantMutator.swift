import DirectorySync

/// Applies seeded random changes to a tenant, the way a directory changes between two
/// synchronizations: new and deleted users, renames, changed and traded emails, disabled accounts,
/// department moves, membership and nesting changes, renamed, traded, new and deleted groups.
///
/// ```swift
/// var random = SeededRandomNumberGenerator(seed: 3)
/// var mutator = TenantMutator(tenant)
/// mutator.apply(steps: 20, using: &random)
/// let changed = mutator.tenant
/// ```
public struct TenantMutator: Sendable {
    /// The kinds of change.
    public enum Change: String, CaseIterable, Sendable {
        /// A new user, in one group.
        case addUser
        /// A user deleted, with its memberships.
        case deleteUser
        /// A new display name and surname.
        case renameUser
        /// A new email address.
        case changeEmail
        /// Two users trade their emails.
        case tradeEmails
        /// A deleted user's email given to another user.
        case reuseDeletedEmail
        /// An account disabled or enabled.
        case toggleEnabled
        /// Another department (filter-relevant).
        case moveDepartment
        /// A user joins a group.
        case addMembership
        /// A user leaves a group.
        case removeMembership
        /// A group nested in another (cycles allowed).
        case nestGroup
        /// A nested group taken out.
        case unnestGroup
        /// A group renamed.
        case renameGroup
        /// Two groups trade names.
        case tradeGroupNames
        /// A new group with a few members.
        case addGroup
        /// A group deleted.
        case deleteGroup
    }

    /// The tenant as changed so far.
    public private(set) var tenant: GeneratedTenant
    private var counter = 0
    private var freedEmails: [String] = []

    /// Starts from a tenant.
    /// - Parameter tenant: The tenant to change.
    public init(_ tenant: GeneratedTenant) { self.tenant = tenant }

    /// Applies `steps` random changes.
    /// - Parameters:
    ///   - steps: How many changes.
    ///   - random: The seeded generator.
    /// - Returns: The changes applied, in order.
    @discardableResult
    public mutating func apply(steps: Int, using random: inout SeededRandomNumberGenerator) -> [Change] {
        (0..<steps).map { _ in
            let change = Change.allCases.randomElement(using: &random)!
            apply(change, using: &random)
            return change
        }
    }

    /// Applies one change (a no-op when the tenant has nothing it applies to).
    /// - Parameters:
    ///   - change: The kind of change.
    ///   - random: The seeded generator.
    public mutating func apply(_ change: Change, using random: inout SeededRandomNumberGenerator) {
        counter += 1
        let users = tenant.users.indices
        let groups = tenant.groups.indices
        let domain = tenant.domain
        switch change {
        case .addUser:
            let id = random.guid()
            let email = "new\(counter)-\(id.prefix(4))@\(domain)"
            tenant.users.append(
                DirectoryUser(
                    id: id, userPrincipalName: email, displayName: "New User \(counter)", givenName: "New",
                    surname: "User \(counter)", mail: email, proxyAddresses: ["SMTP:\(email)"],
                    department: Names.departments.randomElement(using: &random)))
            if let group = groups.randomElement(using: &random) { tenant.groups[group].memberUserIDs.append(id) }
        case .deleteUser:
            guard let index = users.randomElement(using: &random) else { return }
            let removed = tenant.users.remove(at: index)
            if let email = removed.primaryEmail { freedEmails.append(email) }
            let removedID = removed.id
            for group in tenant.groups.indices { tenant.groups[group].memberUserIDs.removeAll(removedID) }
        case .renameUser:
            guard let index = users.randomElement(using: &random) else { return }
            tenant.users[index].displayName = "Renamed \(counter)"
            tenant.users[index].surname = "Renamed\(counter)"
        case .changeEmail:
            guard let index = users.randomElement(using: &random) else { return }
            setEmail(index, "changed\(counter)-\(tenant.users[index].id.prefix(4))@\(domain)")
        case .tradeEmails:
            guard let a = users.randomElement(using: &random), let b = users.randomElement(using: &random), a != b else { return }
            let first = tenant.users[a].primaryEmail
            let second = tenant.users[b].primaryEmail
            setEmail(a, second)
            setEmail(b, first)
        case .reuseDeletedEmail:
            guard !freedEmails.isEmpty, let index = users.randomElement(using: &random) else { return }
            setEmail(index, freedEmails.removeLast())
        case .toggleEnabled:
            guard let index = users.randomElement(using: &random) else { return }
            tenant.users[index].accountEnabled.toggle()
        case .moveDepartment:
            guard let index = users.randomElement(using: &random) else { return }
            tenant.users[index].department = Names.departments.randomElement(using: &random)
        case .addMembership:
            guard let user = users.randomElement(using: &random), let group = groups.randomElement(using: &random) else { return }
            let id = tenant.users[user].id
            if !tenant.groups[group].memberUserIDs.contains(id) { tenant.groups[group].memberUserIDs.append(id) }
        case .removeMembership:
            guard let group = groups.randomElement(using: &random), !tenant.groups[group].memberUserIDs.isEmpty else { return }
            tenant.groups[group].memberUserIDs.remove(at: Int.random(in: 0..<tenant.groups[group].memberUserIDs.count, using: &random))
        case .nestGroup:
            guard let parent = groups.randomElement(using: &random), let child = groups.randomElement(using: &random) else { return }
            let id = tenant.groups[child].id
            if !tenant.groups[parent].memberGroupIDs.contains(id) { tenant.groups[parent].memberGroupIDs.append(id) }
        case .unnestGroup:
            guard let group = groups.randomElement(using: &random), !tenant.groups[group].memberGroupIDs.isEmpty else { return }
            tenant.groups[group].memberGroupIDs.removeLast()
        case .renameGroup:
            guard let group = groups.randomElement(using: &random) else { return }
            tenant.groups[group].displayName = "Renamed group \(counter)"
        case .tradeGroupNames:
            guard let a = groups.randomElement(using: &random), let b = groups.randomElement(using: &random), a != b else { return }
            let name = tenant.groups[a].displayName
            tenant.groups[a].displayName = tenant.groups[b].displayName
            tenant.groups[b].displayName = name
        case .addGroup:
            let members = (0..<3).compactMap { _ in users.randomElement(using: &random).map { tenant.users[$0].id } }
            tenant.groups.append(
                DirectoryGroup(id: random.guid(), displayName: "New group \(counter)", memberUserIDs: DirectoryObjectIDs(Set(members).sorted())))
        case .deleteGroup:
            guard let index = groups.randomElement(using: &random) else { return }
            let removed = tenant.groups.remove(at: index)
            for group in tenant.groups.indices { tenant.groups[group].memberGroupIDs.removeAll(removed.id) }
        }
    }

    private mutating func setEmail(_ index: Int, _ email: String?) {
        tenant.users[index].mail = email
        tenant.users[index].proxyAddresses = email.map { ["SMTP:\($0)"] } ?? []
    }
}
