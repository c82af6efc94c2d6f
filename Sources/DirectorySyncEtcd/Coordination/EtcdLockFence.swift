import DirectorySync
import Foundation

/// A lock held in etcd, as the fence `withLock` hands its body: the lock's key
/// `PREFIX/locks/<lock>/<lease>-<uuid>`, created at ``fenceRevision`` on the coordinator's session
/// lease. A write fenced by it (``EtcdSyncStateStore/setData(_:fencedBy:)``) compares the key's
/// create revision, so a replica that lost the lock (paused past the time to live) writes nothing.
final class EtcdLockFence: EtcdFence {
    let lock: CoordinationLock
    let replica: String
    let fenceKey: String
    let fenceRevision: Int64
    let fenceEndpoints: [URL]
    let session: SessionKeeper.Session
    private let ended = Locked(false)
    private weak let coordinator: EtcdSyncCoordinator?

    init(lock: CoordinationLock, replica: String, key: String, revision: Int64, session: SessionKeeper.Session, coordinator: EtcdSyncCoordinator) {
        self.lock = lock
        self.replica = replica
        fenceKey = key
        fenceRevision = revision
        self.session = session
        self.coordinator = coordinator
        fenceEndpoints = coordinator.client.configuration.endpoints
    }

    var isHeld: Bool { !ended.withLock { $0 } && session.isAlive }

    var lostError: SyncCoordinationError {
        SyncCoordinationError(
            .lockLost, "Replica '\(replica)' lost the lock '\(lock)' (its etcd session expired or was revoked) and stopped writing",
            fix: "Another replica holds it now; retry the operation. If this repeats, check the replica's load and etcd's latency, or lengthen the session's time to live.")
    }

    func markLost() { ended.withLock { $0 = true } }

    func check() async throws {
        guard isHeld, let coordinator else {
            markLost()
            throw lostError
        }
        guard try await coordinator.stillHolds(fenceKey, createdAt: fenceRevision, what: "check the lock '\(lock)'") else {
            markLost()
            throw lostError
        }
    }
}
