import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("SyncCoordinator contract")
struct SyncCoordinatorContractTests {
    @Test("LocalSyncCoordinator keeps the contract", arguments: SyncCoordinatorContract.checks)
    func local(_ check: SyncCoordinatorContract.Check) async throws {
        try await check.run { count in
            let first = LocalSyncCoordinator(replica: "replica-0")
            let replicas = [first] + (1..<max(count, 1)).map { first.replica(named: "replica-\($0)") }
            return SyncCoordinatorContract.Replicas(coordinators: replicas) { replicas[$0].loseClaims() }
        }
    }

    @Test("the contract catches a coordinator that lets two replicas claim one run")
    func catchesBrokenCoordinator() async throws {
        let check = try #require(SyncCoordinatorContract.checks.first { $0.name.contains("run claim is exclusive") })
        await #expect(throws: ContractViolation.self) {
            try await check.run { count in
                let replicas = (0..<count).map { LocalSyncCoordinator(replica: "alone-\($0)") as any SyncCoordinator }
                return SyncCoordinatorContract.Replicas(coordinators: replicas) { _ in }
            }
        }
    }

    @Test("the contract catches a coordinator whose slots go to every claimer")
    func catchesSlotsClaimedTwice() async throws {
        let check = try #require(SyncCoordinatorContract.checks.first { $0.name.contains("exactly one of several") })
        await #expect(throws: ContractViolation.self) {
            try await check.run { count in
                let replicas = (0..<count).map { LocalSyncCoordinator(replica: "alone-\($0)") as any SyncCoordinator }
                return SyncCoordinatorContract.Replicas(coordinators: replicas) { _ in }
            }
        }
    }
}
