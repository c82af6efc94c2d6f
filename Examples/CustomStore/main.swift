// A host's own identity store: the shape an integrator copies.
//
// `JSONFileIdentityStore` keeps users and groups in a JSON file behind an actor and implements the
// `IdentityStore` protocol; the program synchronizes a small generated tenant into it, checks the
// result with the SDK's contract suite, and runs again to show that nothing changes.
import DirectorySync
import DirectorySyncTesting
import Foundation

let file = FileManager.default.temporaryDirectory.appendingPathComponent("custom-store-\(ProcessInfo.processInfo.processIdentifier).json")
defer { try? FileManager.default.removeItem(at: file) }

// 1. The host's store keeps the same rules as every store: run the contract against it.
for check in IdentityStoreContract.checks {
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).json")
    defer { try? FileManager.default.removeItem(at: scratch) }
    try await check.run(on: JSONFileIdentityStore(file: scratch))
}
print("JSONFileIdentityStore passes all \(IdentityStoreContract.checks.count) IdentityStore contract checks.")

// 2. Synchronize a tenant into it.
let tenant = TenantGenerator(configuration: .init(users: 300, groups: 20, seed: 1)).generate()
let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
let store = try JSONFileIdentityStore(file: file)
let planner = StandardSyncPlanner()

for run in 1...2 {
    let plan = try planner.plan(source: "contoso", directory: try await directory.read(), store: try await store.contents())
    let report = try await SyncExecutor().apply(plan, to: store)
    print("Run \(run): \(plan.operations.count) operations, \(report.succeeded) succeeded, \(report.failed.count) failed.")
    guard report.isSuccess else { exit(1) }
}

// 3. A later process reads the same file.
let reopened = try JSONFileIdentityStore(file: file)
let contents = try await reopened.contents()
print("The file holds \(contents.users.count) users and \(contents.groups.count) groups.")
guard contents.users.count == tenant.users.count else { exit(1) }
