import DirectorySync
import Foundation

/// `dirsync --state DIR store check`: reports damage in `DIR/store`'s files (exit status 1 when
/// damaged); changes no file. With etcd state, in the files of the store `--store DIR` names.
enum StoreCheckCommand {
    static func run(store: URL, json: Bool) throws -> Int32 {
        let health = try FileIdentityStore.check(folder: store)
        if json { try print(JSONOutput.text(health)) } else { print(Terminal.safe(lines: health.description)) }
        return health.isHealthy ? 0 : 1
    }
}
