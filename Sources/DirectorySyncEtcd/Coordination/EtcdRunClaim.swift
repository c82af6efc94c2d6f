import DirectorySync
import Foundation

/// A claim on a source's run held in etcd: the key `PREFIX/runs/<source>`, created at
/// ``fenceRevision`` on the coordinator's session lease.
final class EtcdRunClaim: EtcdFence, RunClaim {
    let source: SourceID
    let holder: RunHolder
    let fenceKey: String
    let fenceRevision: Int64
    let fenceEndpoints: [URL]
    let session: SessionKeeper.Session
    private let ended = Locked(false)
    private weak let coordinator: EtcdSyncCoordinator?

    init(source: SourceID, holder: RunHolder, key: String, revision: Int64, session: SessionKeeper.Session, coordinator: EtcdSyncCoordinator) {
        self.source = source
        self.holder = holder
        fenceKey = key
        fenceRevision = revision
        fenceEndpoints = coordinator.client.configuration.endpoints
        self.session = session
        self.coordinator = coordinator
    }

    var isHeld: Bool { !ended.withLock { $0 } && session.isAlive }

    var lostError: SyncCoordinationError { SyncCoordinationError.claimLost(source, replica: holder.replica) }

    func markLost() { ended.withLock { $0 = true } }

    func check() async throws {
        guard isHeld, let coordinator else {
            markLost()
            throw lostError
        }
        guard try await coordinator.stillHolds(fenceKey, createdAt: fenceRevision, what: "check the claim on '\(source)'") else {
            markLost()
            throw lostError
        }
    }

    func release() async {
        markLost()
        // Deleted only while it is still this claim's key (a lost claim's key may be another's now).
        await coordinator?.release(self)
    }
}
