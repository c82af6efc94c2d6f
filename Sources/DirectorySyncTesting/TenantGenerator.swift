import DirectorySync

/// Makes realistic, reproducible Entra ID tenants for tests, demos and benchmarks.
///
/// The same configuration (seed included) always gives the same tenant. Tenants have members and
/// guests, disabled users, users without mail (and some whose only address is an SMTP proxy
/// address), aliases, users synchronized from on-premises AD (`onPremisesSamAccountName`),
/// security, Microsoft 365, distribution and mail-enabled security groups, nested groups and —
/// when asked — a nesting cycle and planted conflicts.
///
/// ```swift
/// let tenant = TenantGenerator(configuration: .init(users: 2_000, groups: 150, seed: 7)).generate()
/// ```
public struct TenantGenerator: Sendable {
    /// What to generate.
    public struct Configuration: Hashable, Sendable {
        /// Number of users (10 to 1,000,000 are typical).
        public var users: Int
        /// Number of groups.
        public var groups: Int
        /// The seed; equal seeds give equal tenants.
        public var seed: UInt64
        /// The tenant's primary domain.
        public var domain: String
        /// Share of guests.
        public var guestShare: Double
        /// Share of disabled accounts.
        public var disabledShare: Double
        /// Share of users with no address at all.
        public var withoutEmailShare: Double
        /// Share of users whose only address is an `SMTP:` proxy address (`mail` unset).
        public var proxyOnlyEmailShare: Double
        /// Share of users with one or two `smtp:` aliases.
        public var aliasShare: Double
        /// Share of users synchronized from on-premises Active Directory.
        public var onPremisesShare: Double
        /// Average number of groups a user is a direct member of.
        public var membershipsPerUser: Int
        /// Share of groups that contain one or two nested groups.
        public var nestedGroupShare: Double
        /// Whether two groups contain each other (a cycle Entra allows).
        public var includesNestingCycle: Bool
        /// Pairs of users given the same email (a conflict the planner must report).
        public var duplicateEmailPairs: Int

        /// Creates a configuration. The defaults make the `dirsync demo` tenant.
        public init(
            users: Int = 2_000, groups: Int = 150, seed: UInt64 = 2026, domain: String = "contoso.com",
            guestShare: Double = 0.03, disabledShare: Double = 0.04, withoutEmailShare: Double = 0.01,
            proxyOnlyEmailShare: Double = 0.02, aliasShare: Double = 0.25, onPremisesShare: Double = 0.4,
            membershipsPerUser: Int = 3, nestedGroupShare: Double = 0.1, includesNestingCycle: Bool = true,
            duplicateEmailPairs: Int = 0
        ) {
            self.users = users
            self.groups = groups
            self.seed = seed
            self.domain = domain
            self.guestShare = guestShare
            self.disabledShare = disabledShare
            self.withoutEmailShare = withoutEmailShare
            self.proxyOnlyEmailShare = proxyOnlyEmailShare
            self.aliasShare = aliasShare
            self.onPremisesShare = onPremisesShare
            self.membershipsPerUser = membershipsPerUser
            self.nestedGroupShare = nestedGroupShare
            self.includesNestingCycle = includesNestingCycle
            self.duplicateEmailPairs = duplicateEmailPairs
        }
    }

    /// What to generate.
    public var configuration: Configuration

    /// Creates a generator.
    /// - Parameter configuration: What to generate.
    public init(configuration: Configuration = Configuration()) { self.configuration = configuration }

    /// Generates the tenant.
    /// - Returns: The tenant; equal configurations give equal tenants.
    public func generate() -> GeneratedTenant {
        var random = SeededRandomNumberGenerator(seed: configuration.seed)
        var users: [DirectoryUser] = []
        users.reserveCapacity(configuration.users)
        for number in 0..<configuration.users { users.append(makeUser(number, &random)) }
        for pair in 0..<min(configuration.duplicateEmailPairs, configuration.users / 2) {
            users[users.count - 1 - pair].mail = users[pair].mail ?? users[pair].userPrincipalName
        }
        let groups = makeGroups(users: users, &random)
        return GeneratedTenant(domain: configuration.domain, users: users, groups: groups)
    }

    private func makeUser(_ number: Int, _ random: inout SeededRandomNumberGenerator) -> DirectoryUser {
        let domain = configuration.domain
        let first = Names.first[Int.random(in: 0..<Names.first.count, using: &random)]
        let last = Names.last[Int.random(in: 0..<Names.last.count, using: &random)]
        let local = "\(first).\(last)\(number)".lowercased()
        let isGuest = random.chance(configuration.guestShare)
        var user = DirectoryUser(
            id: random.guid(), userPrincipalName: "\(local)@\(domain)", displayName: "\(first) \(last)",
            givenName: first, surname: last, accountEnabled: !random.chance(configuration.disabledShare),
            department: Names.departments[Int.random(in: 0..<Names.departments.count, using: &random)],
            jobTitle: Names.titles[Int.random(in: 0..<Names.titles.count, using: &random)],
            companyName: "Contoso", city: Names.cities[Int.random(in: 0..<Names.cities.count, using: &random)],
            country: "NO", employeeId: String(100_000 + number))
        if isGuest {
            let external = "\(first.lowercased())\(number)@partner.example"
            user.userType = "Guest"
            user.userPrincipalName = "\(first.lowercased())\(number)_partner.example#EXT#@\(domain)"
            user.mail = external
            user.proxyAddresses = ["SMTP:\(external)"]
            return user
        }
        if random.chance(configuration.withoutEmailShare) { return user }
        let email = "\(local)@\(domain)"
        if random.chance(configuration.proxyOnlyEmailShare) {
            user.proxyAddresses = ["SMTP:\(email)"]
        } else {
            user.mail = email
            user.proxyAddresses = ["SMTP:\(email)"]
        }
        if random.chance(configuration.aliasShare) {
            user.proxyAddresses.append("smtp:\(first.lowercased())\(number)@\(domain)")
            if random.chance(0.3) { user.proxyAddresses.append("smtp:\(local)@mail.\(domain)") }
        }
        if random.chance(configuration.onPremisesShare) {
            user.onPremisesSamAccountName = "\(first.prefix(1))\(last)\(number)".lowercased()
            user.onPremisesDomainName = "corp.\(domain)"
            user.onPremisesSecurityIdentifier = "S-1-5-21-1004336348-1177238915-682003330-\(1000 + number)"
        }
        return user
    }

    private func makeGroups(users: [DirectoryUser], _ random: inout SeededRandomNumberGenerator) -> [DirectoryGroup] {
        let count = configuration.groups
        guard count > 0 else { return [] }
        var groups: [DirectoryGroup] = (0..<count).map { number in
            let department = Names.departments[number % Names.departments.count]
            let team = Names.teams[(number / Names.departments.count) % Names.teams.count]
            let name = "\(department) \(team) \(number)"
            let roll = Double(random.next() >> 11) / Double(1 << 53)
            let slug = name.lowercased().split(separator: " ").joined(separator: "-")
            switch roll {
            case ..<0.6:
                return DirectoryGroup(id: random.guid(), displayName: name, description: "Security group for \(department)")
            case ..<0.85:
                return DirectoryGroup(
                    id: random.guid(), displayName: name, description: "Microsoft 365 group", mail: "\(slug)@\(configuration.domain)",
                    mailEnabled: true, securityEnabled: false, groupTypes: ["Unified"])
            case ..<0.95:
                return DirectoryGroup(
                    id: random.guid(), displayName: name, mail: "\(slug)@\(configuration.domain)", mailEnabled: true,
                    securityEnabled: false)
            default:
                return DirectoryGroup(
                    id: random.guid(), displayName: name, mail: "\(slug)@\(configuration.domain)", mailEnabled: true,
                    securityEnabled: true)
            }
        }
        let perUser = configuration.membershipsPerUser
        if perUser > 0 {
            for user in users {
                let memberships = Int.random(in: 0...(2 * perUser), using: &random)
                let (id, key) = (user.id, user.objectKey)
                for _ in 0..<memberships {
                    groups[Int.random(in: 0..<count, using: &random)].memberUserIDs.append(id, key: key)
                }
            }
            for index in groups.indices {
                var unique = DirectoryObjectIDs()
                unique.join(groups[index].memberUserIDs)
                groups[index].memberUserIDs = unique
            }
        }
        for index in 0..<count where index + 1 < count && random.chance(configuration.nestedGroupShare) {
            let children = Int.random(in: 1...2, using: &random)
            for _ in 0..<children {
                let child = Int.random(in: (index + 1)..<count, using: &random)
                if !groups[index].memberGroupIDs.contains(groups[child].id) {
                    groups[index].memberGroupIDs.append(groups[child].id)
                }
            }
        }
        if configuration.includesNestingCycle && count >= 2 {
            if !groups[0].memberGroupIDs.contains(groups[1].id) { groups[0].memberGroupIDs.append(groups[1].id) }
            if !groups[1].memberGroupIDs.contains(groups[0].id) { groups[1].memberGroupIDs.append(groups[0].id) }
        }
        return groups
    }
}

/// Word lists for realistic names.
enum Names {
    static let first = [
        "Adele", "Alex", "Allan", "Anna", "Bianca", "Brian", "Carla", "Christie", "Daniel", "Debra", "Diego", "Elena",
        "Emily", "Enrico", "Fatima", "Grady", "Hanna", "Henrietta", "Ingrid", "Isaiah", "Jana", "Joni", "Kai", "Lee",
        "Lidia", "Lynne", "Megan", "Miriam", "Nestor", "Nora", "Olav", "Patti", "Pradeep", "Raul", "Sakura", "Sven",
        "Tomas", "Una", "Wei", "Yusuf", "Zoe", "Åsa", "Øystein", "Zoë", "Renée", "José",
    ]
    static let last = [
        "Vance", "Wilber", "Deyoung", "Brown", "Hansen", "Cline", "Jones", "Johnson", "Sellers", "Berg", "Lindqvist",
        "Larsen", "Bowen", "Wilkins", "Gonzalez", "Patel", "Nakamura", "O'Brien", "Müller", "Nilsen", "Holt", "Zhang",
        "Okafor", "Kowalski", "Rossi", "Dubois", "Ahmed", "Singh", "García", "Smith", "Taylor", "Moreau",
    ]
    static let departments = [
        "Sales", "Marketing", "Engineering", "Finance", "Legal", "Operations", "Support", "Research", "HR", "IT",
    ]
    static let teams = ["North", "South", "Platform", "Field", "Core", "Growth", "Ops", "Labs"]
    static let titles = ["Engineer", "Manager", "Analyst", "Director", "Specialist", "Consultant", "Designer", "Lead"]
    static let cities = ["Oslo", "Bergen", "Trondheim", "Stockholm", "Copenhagen", "Berlin", "London", "Seattle"]
}
