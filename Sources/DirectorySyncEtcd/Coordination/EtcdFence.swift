import DirectorySync
import Foundation

/// A run's claim or a lock whose holding etcd can check inside a transaction: its key still exists
/// with the revision that created it. ``EtcdSyncStateStore`` adds that comparison to a fenced write.
protocol EtcdFence: CoordinationFence {
    /// The claim's key.
    var fenceKey: String { get }
    /// The revision that created the claim's key.
    var fenceRevision: Int64 { get }
    /// The endpoints of the cluster that holds the key: a store on another cluster cannot compare
    /// it, and asks the claim instead (``DirectorySync/CoordinationFence/check()``).
    var fenceEndpoints: [URL] { get }
    /// The error a write fenced by a lost claim throws.
    var lostError: SyncCoordinationError { get }
    /// Records that it is lost (a fenced transaction found its key gone or replaced).
    func markLost()
}

extension EtcdFence {
    /// Whether the fence's key is on the cluster `client` talks to (the same endpoints, in any order).
    func isOnCluster(of client: EtcdClient) -> Bool {
        Set(fenceEndpoints.map(EtcdClient.describe)) == Set(client.configuration.endpoints.map(EtcdClient.describe))
    }
}
