import DirectorySync
import DirectorySyncTesting
import Foundation

/// The embedded default that `demo` and `preview` run on: a generated tenant, and an in-memory
/// store pre-filled with manual users (some match Entra users by email or login, some match
/// nobody), a manual group named like an Entra group, and one user of another source holding an
/// Entra user's email.
struct DemoEnvironment {
    static let source: SourceID = "contoso"

    let tenant: GeneratedTenant
    let directory: InMemoryDirectoryProvider
    let store: any IdentityStore
    let manualUsers: Int

    static let options = """
          --users N    users in the tenant (10 to 1,000,000; default 2,000)
          --groups N   groups in the tenant (1 to 100,000; default 150)
          --seed N     the generator's seed (default 2026)
          --scim-url URL --scim-token-env VAR
                       use a SCIM 2.0 server as the store (its base URL, such as
                       https://scim.example.com/v2, and the variable holding its bearer token)
        """

    static func make(_ arguments: inout Arguments) async throws -> DemoEnvironment {
        let users = try arguments.integer("users", in: 10...1_000_000) ?? 2_000
        let groups = try arguments.integer("groups", in: 1...100_000) ?? 150
        let seed = try arguments.integer("seed", in: 0...Int.max) ?? 2026
        let store: any IdentityStore = try SCIMStoreOptions.parse(&arguments) ?? InMemoryIdentityStore()
        let tenant = TenantGenerator(configuration: .init(users: users, groups: groups, seed: UInt64(seed))).generate()
        let scale = max(1, users / 400)
        let manual = tenant.manualUsers(matchingByEmail: 5 * scale, matchingByLogin: 3 * scale, unmatched: 2 * scale, seed: UInt64(seed))
        for profile in manual { _ = try await store.createUser(profile, origin: .manual) }
        _ = try await store.createGroup(GroupProfile(name: tenant.groups[0].displayName.uppercased(), description: "made by hand"), origin: .manual)
        if let taken = tenant.users.last(where: { $0.mail != nil }) {
            _ = try await store.createUser(UserProfile(name: "Fabrikam copy", email: taken.mail), origin: .directory("fabrikam", externalID: "f-1"))
        }
        return DemoEnvironment(
            tenant: tenant, directory: InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups), store: store,
            manualUsers: manual.count)
    }
}
