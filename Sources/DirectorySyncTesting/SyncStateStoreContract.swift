import DirectorySync
import Foundation

/// The rules every ``DirectorySync/SyncStateStore`` must keep, as checks to run against any implementation.
///
/// The factory makes an **empty** store for each check (a fresh folder, a fresh key prefix).
/// ```swift
/// @Test(arguments: SyncStateStoreContract.checks)
/// func myStore(_ check: SyncStateStoreContract.Check) async throws {
///     try await check.run { MyDatabaseStateStore(emptyDatabase()) }
/// }
/// ```
///
/// The checks: bytes round-trip exactly and are replaced whole; removing removes; a missing key
/// reads as `nil`; the keys of different sources, and the service's own, never share a place;
/// documents of several megabytes round-trip; a fenced write of several documents
/// (``DirectorySync/SyncStateStore/setData(_:fencedBy:)``) writes all of them while its claim is
/// held and none once it is lost; concurrent writers of different keys do not disturb each other.
public enum SyncStateStoreContract {
    /// Makes an empty store.
    public typealias Factory = @Sendable () async throws -> any SyncStateStore

    /// One named rule.
    public typealias Check = ContractCheck<Factory>

    /// Every check.
    public static let checks: [Check] = [
        Check("bytes round-trip exactly, are replaced whole, and can be removed; a missing key reads as nil") { factory, expect in
            let store = try await factory()
            let key = StateKey("contoso", "delta")
            try expect.that(try await store.data(for: key) == nil, "a key never written read back bytes")
            let bytes = Data((0...255).map { UInt8($0) } + Array("{\"ünïcode\": \"✓\"}\n".utf8))
            try await store.setData(bytes, for: key)
            try expect.that(try await store.data(for: key) == bytes, "the bytes written did not read back exactly")
            try await store.setData(Data("two".utf8), for: key)
            try expect.that(try await store.data(for: key) == Data("two".utf8), "a write did not replace the document whole")
            try await store.setData(Data(), for: key)
            try expect.that(try await store.data(for: key) == Data(), "an empty document did not read back empty")
            try await store.remove(key)
            try expect.that(try await store.data(for: key) == nil, "a removed key still reads back")
            try await store.remove(key)
            try await store.remove(StateKey("never", "written"))
        },
        Check("the keys of different sources, names and the service's own state are kept apart") { factory, expect in
            let store = try await factory()
            let keys: [StateKey] = [
                .service("sources"), StateKey("_service", "sources"), StateKey("service", "sources"), StateKey("%5Fservice", "sources"),
                StateKey("contoso", "sources"), StateKey("contoso", "sources-2"), StateKey("contoso/x", "y"), StateKey("contoso", "x/y"),
                StateKey("Contoso", "sources"), StateKey("fabrikam", "preview"), StateKey("../../etc", "../passwd"), StateKey("", ""),
            ]
            for (index, key) in keys.enumerated() { try await store.setData(Data("\(index):\(key)".utf8), for: key) }
            for (index, key) in keys.enumerated() {
                let read = try await store.data(for: key)
                try expect.that(read == Data("\(index):\(key)".utf8), "'\(key)' read back '\(read.map { String(decoding: $0, as: UTF8.self) } ?? "nil")'")
            }
            try await store.remove(StateKey("contoso", "sources"))
            try expect.that(try await store.data(for: StateKey("contoso", "sources-2")) != nil, "removing one key removed another")
            try expect.that(try await store.data(for: .service("sources")) != nil, "removing a source's key removed the service's")
        },
        Check("documents of several megabytes round-trip byte for byte, and replace each other whole") { factory, expect in
            let store = try await factory()
            let key = StateKey("contoso", "mirror")
            var generator = SeededRandomNumberGenerator(seed: 19)
            let large = Data((0..<(5 * 1024 * 1024 + 17)).map { _ in UInt8.random(in: 0...255, using: &generator) })
            try await store.setData(large, for: key)
            try expect.that(try await store.data(for: key) == large, "a 5 MiB document did not read back exactly")
            let other = Data(repeating: 0x41, count: 3 * 1024 * 1024 - 5)
            try await store.setData(other, for: key)
            try expect.that(try await store.data(for: key) == other, "a large document did not replace another whole")
            try await store.setData(Data("small".utf8), for: key)
            try expect.that(try await store.data(for: key) == Data("small".utf8), "a small document did not replace a large one")
            try await store.setData(large, for: key)
            try await store.remove(key)
            try expect.that(try await store.data(for: key) == nil, "a removed large document still reads back")
        },
        Check("a fenced write of several documents writes all of them while its claim is held, and none once it is lost") { factory, expect in
            let store = try await factory()
            let tracking = StateKey("contoso", "tracking")
            let mirror = StateKey("contoso", "mirror")
            let gone = StateKey("contoso", "pending")
            try await store.setData(Data("old tracking".utf8), for: tracking)
            try await store.setData(Data("old pending".utf8), for: gone)
            let claim = ContractRunClaim(source: "contoso")
            let big = Data(repeating: 0x5A, count: 2 * 1024 * 1024 + 3)
            try await store.setData([(tracking, Data("new tracking".utf8)), (mirror, big), (gone, nil)], fencedBy: claim)
            try expect.that(try await store.data(for: tracking) == Data("new tracking".utf8), "a held fence did not write the first document")
            try expect.that(try await store.data(for: mirror) == big, "a held fence did not write the large document")
            try expect.that(try await store.data(for: gone) == nil, "a held fence did not remove the document")

            claim.lose()
            do {
                try await store.setData([(tracking, Data("late tracking".utf8)), (mirror, Data("late".utf8)), (gone, Data("late".utf8))], fencedBy: claim)
                throw ContractViolation(check: expect.check, message: "a write fenced by a lost claim succeeded")
            } catch let error as SyncCoordinationError {
                try expect.that(error.code == .claimLost, "a lost fence failed with \(error.code), not claimLost")
            }
            try expect.that(try await store.data(for: tracking) == Data("new tracking".utf8), "a lost fence still wrote a document")
            try expect.that(try await store.data(for: mirror) == big, "a lost fence still wrote the large document")
            try expect.that(try await store.data(for: gone) == nil, "a lost fence still wrote a removed document")

            try await store.setData([(tracking, Data("unfenced".utf8))], fencedBy: nil)
            try expect.that(try await store.data(for: tracking) == Data("unfenced".utf8), "an unfenced write of several documents did not write")
        },
        Check("concurrent writers of different keys never disturb each other") { factory, expect in
            let store = try await factory()
            let writers = 8
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        let key = StateKey(SourceID("source-\(writer)"), "history")
                        for round in 0..<5 {
                            let bytes = Data(repeating: UInt8(writer), count: 1_000 * (round + 1) + writer)
                            try await store.setData(bytes, for: key)
                            let read = try await store.data(for: key)
                            guard read == bytes else {
                                throw ContractViolation(check: expect.check, message: "writer \(writer) read back another document in round \(round)")
                            }
                        }
                    }
                }
                try await group.waitForAll()
            }
            for writer in 0..<writers {
                let read = try await store.data(for: StateKey(SourceID("source-\(writer)"), "history"))
                try expect.that(read == Data(repeating: UInt8(writer), count: 5_000 + writer), "writer \(writer)'s last document is not what it wrote")
            }
        },
    ]
}

/// A run claim the contract holds and loses by hand: ``DirectorySync/CoordinationFence/check()`` throws
/// `claimLost` once it is lost.
final class ContractRunClaim: RunClaim {
    private let lost = Locked(false)
    private let source: SourceID
    let holder: RunHolder

    init(source: SourceID) {
        self.source = source
        holder = RunHolder(replica: "contract", runID: "contract-run", since: Date(timeIntervalSince1970: 1_790_000_000))
    }

    var isHeld: Bool { !lost.withLock { $0 } }

    func lose() { lost.withLock { $0 = true } }

    func check() async throws {
        guard isHeld else { throw SyncCoordinationError.claimLost(source, replica: holder.replica) }
    }

    func release() async { lose() }
}
