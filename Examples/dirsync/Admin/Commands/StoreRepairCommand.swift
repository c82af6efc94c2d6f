import DirectorySync
import Foundation

/// `dirsync --state DIR store repair`: keeps every write before the damage; the damaged files go
/// to `DIR/store/backup/`. Needs the folder to itself. With etcd state, repairs the store
/// `--store DIR` names (its own lock keeps a writing process out meanwhile).
enum StoreRepairCommand {
    static func run(folder: URL, json: Bool) async throws -> Int32 {
        guard let ownership = try AdminControl.Ownership.take(folder, command: "store repair", attempts: 3) else {
            let holder = AdminControl.Ownership.holder(of: folder).map { "process \($0.pid) ('\($0.command)')" } ?? "another process"
            throw AdminControl.ForwardedFailure(description: "'\(folder.path)' is in use by \(holder); stop it before repairing the store")
        }
        let status = try await run(store: folder.appendingPathComponent("store"), json: json)
        withExtendedLifetime(ownership) {}
        return status
    }

    /// Repairs the file identity store in `store`.
    static func run(store: URL, json: Bool) async throws -> Int32 {
        let report = try await FileIdentityStore.repair(folder: store)
        if json { try print(JSONOutput.text(report)) } else { print(Terminal.safe(lines: report.description)) }
        return 0
    }
}
