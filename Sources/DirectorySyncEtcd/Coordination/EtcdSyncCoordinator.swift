import DirectorySync
import Foundation

/// Coordinates the replicas of a host through etcd: a ``DirectorySync/SyncCoordinator`` for services
/// that run on several processes or machines over one state store and one identity store.
///
/// ```swift
/// let client = try EtcdClient(configuration: .init(endpoints: [URL(string: "https://etcd:2379")!]))
/// let coordinator = EtcdSyncCoordinator(client: client, prefix: "/dirsync/prod", replica: "web-2")
/// let service = try await DirectoryService.open(…, configuration: .init(coordinator: coordinator))
/// …
/// await coordinator.shutdown()   // releases its locks and claims at once
/// ```
///
/// **Session.** Each coordinator holds one etcd lease (``Configuration/ttl``, 10 seconds by
/// default), renewed in the background every third of it; its locks, run claims and slot claims
/// ride on it, with a key `PREFIX/sessions/<replica>/<lease>` that says the session lives. A replica
/// that is paused, cut off or too slow to renew loses the lease: etcd deletes everything attached to
/// it, other replicas take over, and the replica's claims report it (``DirectorySync/CoordinationFence/isHeld``
/// turns false once the last acknowledged renewal plus the time to live has passed, measured on
/// a monotonic clock; ``DirectorySync/CoordinationFence/check()`` asks etcd). Its next claims ride on a new session.
/// Every leased write is a transaction conditional on the session key, so a write under a lost
/// lease fails its condition instead of being refused by etcd.
///
/// **Keys** under the prefix:
/// - `locks/<lock>/<lease>-<n>`: one key per replica waiting for or holding a lock; the one created
///   first (lowest create revision) holds it, the others wait in that order, polling. A lock rides
///   on the session: a replica paused past the time to live inside it loses it, and the next one
///   enters — which is why the writes that matter are fenced: by the run's claim, or by the lock
///   itself (the fence `withLock` hands its body: the key's create revision).
/// - `runs/<source>`: the claim on a source's run, its value the ``DirectorySync/RunHolder`` JSON. A
///   fenced write compares the key's create revision with the claim's (``EtcdSyncStateStore``).
/// - `slots/<source>/<due>`: a scheduled slot's claim, `{"replica": …, "state": "claimed" | "done"}`
///   (`due` in seconds since 1970, 12 digits), not leased, so a finished slot is remembered;
///   `slots/<source>/<due>/alive` is leased: a claimed slot without it is abandoned. Slots due more
///   than ``Configuration/finishedSlotRetention`` ago are deleted when a slot of the source finishes.
///
/// **Releases and unknown outcomes.** A release that fails is tried again; when it keeps failing,
/// the session is dropped (no longer renewed, revoked), so the key goes with the lease instead of
/// staying on one renewed for as long as the process lives. A claim or lock request whose outcome
/// is unknown is read back: this replica's key on its lease is adopted; otherwise the session is
/// dropped the same way, so the request, should etcd apply it late, leaves nothing behind.
///
/// Waiting (for a lock, for a run to end) polls with a growing pause up to
/// ``Configuration/maximumPollInterval``: the gateway's watch is a stream that a request-and-answer
/// ``DirectorySyncHTTP/HTTPTransport`` cannot read as it arrives.
public final class EtcdSyncCoordinator: SyncCoordinator {
    /// How the coordinator uses etcd.
    public struct Configuration: Sendable {
        /// The session lease's time to live: 10 seconds by default. A replica that has not renewed
        /// it for that long loses its claims; a crashed replica's sources and slots are taken over
        /// after about that long.
        public var ttl: Duration
        /// How often the lease is renewed: a third of the time to live by default, so two renewals
        /// may fail before it expires. An interval of half the time to live or more is taken as a
        /// third of it (with it, one late renewal would lose every claim).
        public var renewalInterval: Duration?
        /// The first pause while waiting for a lock or a run: 50 ms, doubling up to ``maximumPollInterval``.
        public var pollInterval: Duration
        /// The longest pause while waiting: 1 second by default.
        public var maximumPollInterval: Duration
        /// How long finished slots are remembered: 7 days by default (a scheduler never computes a
        /// slot older than that again).
        public var finishedSlotRetention: Duration

        /// Creates a configuration.
        /// - Parameters:
        ///   - ttl: The session lease's time to live (default 10 s; etcd's minimum is about 2 s).
        ///   - renewalInterval: How often it is renewed (default: a third of the time to live).
        ///   - pollInterval: The first pause while waiting (default 50 ms).
        ///   - maximumPollInterval: The longest pause while waiting (default 1 s).
        ///   - finishedSlotRetention: How long finished slots are remembered (default 7 days).
        public init(
            ttl: Duration = .seconds(10), renewalInterval: Duration? = nil, pollInterval: Duration = .milliseconds(50),
            maximumPollInterval: Duration = .seconds(1), finishedSlotRetention: Duration = .seconds(7 * 86_400)
        ) {
            self.ttl = ttl
            self.renewalInterval = renewalInterval
            self.pollInterval = pollInterval
            self.maximumPollInterval = maximumPollInterval
            self.finishedSlotRetention = finishedSlotRetention
        }
    }

    /// This replica's name.
    public let replica: String
    /// The etcd client.
    public let client: EtcdClient
    /// The key prefix shared by every replica of the deployment, without a trailing `/`.
    public let prefix: String
    /// How the coordinator uses etcd.
    public let configuration: Configuration
    private let clock: SyncClock
    private let sessions: SessionKeeper
    /// The slots this replica claimed and has not finished: slot key → the lease it claimed under.
    private let claimedSlots = Locked<[String: Int64]>([:])

    /// Creates a coordinator. It talks to etcd only when first asked for a lock or a claim.
    /// - Parameters:
    ///   - client: The etcd client.
    ///   - prefix: The key prefix of the deployment (the state store's, such as `/dirsync/prod`).
    ///   - replica: This replica's name, shown to the others (status, refusals); unique per replica.
    ///   - configuration: Time to live and polling.
    ///   - clock: The wall time that dates claims (``DirectorySync/RunHolder/since``) and ages
    ///     finished slots. Leases expire on etcd's time, so renewals and waits use real time.
    public init(client: EtcdClient, prefix: String, replica: String, configuration: Configuration = Configuration(), clock: SyncClock = .system) {
        self.client = client
        var trimmed = prefix
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.prefix = trimmed
        self.replica = replica
        var configuration = configuration
        configuration.ttl = max(configuration.ttl, .seconds(1))
        self.configuration = configuration
        self.clock = clock
        sessions = SessionKeeper(
            client: client, keyPrefix: "\(trimmed)/sessions/\(EtcdKeySegment.encode(replica))/", replica: replica, ttl: configuration.ttl,
            renewalInterval: configuration.renewalInterval ?? configuration.ttl / 3)
    }

    deinit { sessions.stop() }

    /// Stops renewing the session and revokes its lease: every lock and claim of this replica is
    /// released at once (instead of after the time to live). Call it when the host shuts down:
    /// afterwards every lock and claim asked of this coordinator fails with
    /// ``DirectorySync/SyncCoordinationError`` `unavailable`.
    public func shutdown() async { await sessions.end() }

    /// The current session's lease, if any (tests revoke it behind the coordinator's back).
    var sessionLease: Int64? { sessions.currentLease }

    // MARK: Locks

    /// Runs `body` while holding `lock` across every replica. The fence handed to `body` is the
    /// lock's key: a write fenced by it (``EtcdSyncStateStore``) compares the key's create revision,
    /// so a replica that lost the lock inside `body` (paused past the time to live) writes nothing.
    /// - Parameters:
    ///   - lock: Which lock.
    ///   - body: The work that needs the lock, given the lock's fence.
    /// - Returns: What `body` returned.
    /// - Throws: `CancellationError`; ``DirectorySync/SyncCoordinationError`` (`unavailable`); what `body` threw.
    nonisolated(nonsending) public func withLock<Result>(_ lock: CoordinationLock, _ body: (any CoordinationFence) async throws -> Result) async throws -> Result {
        let held = try await acquire(lock)
        let fence = EtcdLockFence(lock: lock, replica: replica, key: held.key, revision: held.revision, session: held.session, coordinator: self)
        let result: Result
        do {
            result = try await body(fence)
        } catch {
            fence.markLost()
            await release(held.key, session: held.session)
            throw error
        }
        fence.markLost()
        await release(held.key, session: held.session)
        return result
    }

    /// Queues for a lock and returns once this replica's key is the oldest under the lock's prefix.
    private func acquire(_ lock: CoordinationLock) async throws -> (key: String, revision: Int64, session: SessionKeeper.Session) {
        let lockPrefix = "\(prefix)/locks/\(EtcdKeySegment.encode(lock.name))/"
        var attempt = 0
        while true {
            attempt += 1
            guard attempt <= 5 else { throw SyncCoordinationError(.unavailable, "Replica '\(replica)' keeps losing its etcd session", fix: Self.sessionFix) }
            let session = try await sessions.current()
            let key = lockPrefix + String(session.lease, radix: 16) + "-" + UUID().uuidString.lowercased()
            let value = try Self.encode(LockHolder(replica: replica, since: clock.now()))
            let created: EtcdTxnResult
            do {
                created = try await client.txn(EtcdTxn(compare: [session.alive, .absent(key)], success: [.put(key: key, value: value, lease: session.lease)]))
            } catch is CancellationError {
                await release(key, session: session)
                throw CancellationError()
            } catch let error as EtcdError where error.code == .outcomeUnknown {
                // Our key found: it was written, wait with it. Not found: the session is dropped (so the
                // request, should etcd still apply it, writes a key that goes with the lease) and we start again.
                guard let found = try await readBack(key, session: session, "take the lock '\(lock)'") else { continue }
                guard try await waitInLine(key, createdAt: found.createRevision, prefix: lockPrefix, session: session, lock: lock) else { continue }
                return (key, found.createRevision, session)
            } catch {
                throw Self.unavailable(error, "take the lock '\(lock)'")
            }
            guard created.succeeded else {
                sessions.lost(session)
                continue
            }
            guard try await waitInLine(key, createdAt: created.revision, prefix: lockPrefix, session: session, lock: lock) else { continue }
            return (key, created.revision, session)
        }
    }

    /// Waits until `key` is the oldest under the lock's prefix: `true` then, `false` when the key
    /// is gone (the session was lost while waiting: the caller queues again on a new one).
    private func waitInLine(_ key: String, createdAt revision: Int64, prefix lockPrefix: String, session: SessionKeeper.Session, lock: CoordinationLock) async throws -> Bool {
        var pause = configuration.pollInterval
        do {
            while true {
                try Task.checkCancellation()
                let waiting = try await client.range(.prefix(lockPrefix), keysOnly: true)
                guard waiting.keyValues.contains(where: { $0.key == key && $0.createRevision == revision }) else {
                    // Our key is gone: the session was lost while waiting.
                    sessions.lost(session)
                    return false
                }
                if !waiting.keyValues.contains(where: { $0.createRevision < revision }) { return true }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, configuration.maximumPollInterval)
            }
        } catch {
            await release(key, session: session)
            if error is CancellationError { throw error }
            throw Self.unavailable(error, "wait for the lock '\(lock)'")
        }
    }

    /// Deletes a lock's key — also from a cancelled task (a waiter that gives up leaves the line).
    private func release(_ key: String, session: SessionKeeper.Session) async {
        await releaseDurably(on: session) { client in _ = try await client.deleteRange(.key(key)) }
    }

    /// How often a release is tried before its session is dropped.
    static let releaseAttempts = 3

    /// Runs a release (a deletion) until it succeeds, a few times with a growing pause. When it
    /// keeps failing, the key would stay on a lease that is renewed for as long as the process
    /// lives — and everyone waiting for it would wait for ever — so the session is dropped
    /// instead: no longer renewed and revoked, every key on it goes (at once, or when its time to
    /// live runs out if etcd cannot be reached), and the next claim starts a new session. Runs in
    /// its own task, so a cancelled caller still releases.
    private func releaseDurably(on session: SessionKeeper.Session, _ delete: @escaping @Sendable (EtcdClient) async throws -> Void) async {
        let client = self.client
        let first = configuration.pollInterval
        let released = await Task {
            var pause = first
            for attempt in 1...Self.releaseAttempts {
                // A session that may have expired takes its keys along: nothing more to do here.
                guard session.isAlive else { return false }
                do {
                    try await delete(client)
                    return true
                } catch {
                    guard attempt < Self.releaseAttempts else { break }
                    try? await Task.sleep(for: pause)
                    pause = pause * 4
                }
            }
            return false
        }.value
        if !released { sessions.lost(session) }
    }

    /// After a request whose outcome is unknown: this replica's key as it was written (on the
    /// session's lease and `isOurs`), or `nil`. When it is not found, or cannot be read, the
    /// request may still be applied later (etcd applies a proposal late around a leader change):
    /// the session is dropped, so such a late write either fails its comparison of the session's
    /// key or writes a key that goes with the lease — never one that outlives its purpose on a
    /// lease that keeps being renewed.
    private func readBack(
        _ key: String, session: SessionKeeper.Session, _ what: String, isOurs: (EtcdKeyValue) -> Bool = { _ in true }
    ) async throws -> EtcdKeyValue? {
        let found: EtcdKeyValue?
        do {
            found = try await client.range(.key(key)).keyValues.first
        } catch {
            sessions.lost(session)
            throw Self.unavailable(error, what)
        }
        if let found, found.lease == session.lease, isOurs(found) { return found }
        sessions.lost(session)
        return nil
    }

    // MARK: Run claims

    public func claimRun(of source: SourceID, runID: String) async throws -> RunClaimOutcome {
        let key = runKey(source)
        // Whole seconds: the holder read back from etcd is equal to the claim's own.
        let holder = RunHolder(replica: replica, runID: runID, since: Date(timeIntervalSince1970: clock.now().timeIntervalSince1970.rounded(.down)))
        let value = try Self.encode(holder)
        for _ in 0..<5 {
            let session = try await sessions.current()
            let result: EtcdTxnResult
            do {
                result = try await client.txn(EtcdTxn(
                    compare: [session.alive, .absent(key)], success: [.put(key: key, value: value, lease: session.lease)],
                    failure: [.range(.key(key)), .range(.key(session.key))]))
            } catch let error as EtcdError where error.code == .outcomeUnknown {
                // Read back: our own value on our lease means the claim was made. Otherwise the
                // session is dropped (the request may still be applied) and the claim is made again.
                if let found = try await readBack(key, session: session, "claim the run of '\(source)'", isOurs: { $0.value == value }) {
                    return .claimed(EtcdRunClaim(source: source, holder: holder, key: key, revision: found.createRevision, session: session, coordinator: self))
                }
                continue
            } catch {
                throw Self.unavailable(error, "claim the run of '\(source)'")
            }
            if result.succeeded {
                return .claimed(EtcdRunClaim(source: source, holder: holder, key: key, revision: result.revision, session: session, coordinator: self))
            }
            guard case .range(let run)? = result.results.first, case .range(let alive)? = result.results.last else { continue }
            if alive.keyValues.first?.lease != session.lease {
                sessions.lost(session)
                continue
            }
            if let found = run.keyValues.first { return .heldBy(Self.holder(in: found.value)) }
        }
        throw SyncCoordinationError(.unavailable, "Replica '\(replica)' could not claim the run of '\(source)': its etcd session keeps being lost", fix: Self.sessionFix)
    }

    public func runHolder(of source: SourceID) async throws -> RunHolder? {
        do {
            return try await client.range(.key(runKey(source))).keyValues.first.map { Self.holder(in: $0.value) }
        } catch {
            throw Self.unavailable(error, "read who runs '\(source)'")
        }
    }

    public func waitForRelease(of source: SourceID, _ holder: RunHolder) async throws {
        var pause = configuration.pollInterval
        while true {
            try Task.checkCancellation()
            guard let current = try await runHolder(of: source), current.replica == holder.replica, current.runID == holder.runID else { return }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, configuration.maximumPollInterval)
        }
    }

    func runKey(_ source: SourceID) -> String { "\(prefix)/runs/\(EtcdKeySegment.encode(source.rawValue))" }

    /// Whether a claim's or lock's key is still the one created at `revision`.
    func stillHolds(_ key: String, createdAt revision: Int64, what: String) async throws -> Bool {
        do {
            return try await client.range(.key(key), keysOnly: true).keyValues.first?.createRevision == revision
        } catch {
            throw Self.unavailable(error, what)
        }
    }

    /// Deletes the claim's key if it is still the claim's — also from a cancelled task.
    /// Tried again when it fails; when it keeps failing, the claim's session is dropped (``releaseDurably(on:_:)``).
    func release(_ claim: EtcdRunClaim) async {
        let txn = EtcdTxn(compare: [.created(claim.fenceKey, at: claim.fenceRevision)], success: [.delete(.key(claim.fenceKey))])
        await releaseDurably(on: claim.session) { client in _ = try await client.txn(txn, idempotent: true) }
    }

    /// Whether a session's lease may still live (its last renewal plus the time to live is ahead).
    func isAlive(_ session: SessionKeeper.Session) -> Bool { sessions.isAlive(session) }

    // MARK: Slots

    public func claimSlot(_ slot: ScheduledSlot) async throws -> Bool {
        let (key, alive) = slotKeys(slot)
        let claimed = try Self.encode(SlotState(replica: replica, state: "claimed"))
        for _ in 0..<5 {
            let session = try await sessions.current()
            let result: EtcdTxnResult
            do {
                result = try await client.txn(EtcdTxn(
                    compare: [session.alive, .absent(key)],
                    success: [.put(key: key, value: claimed), .put(key: alive, value: Data(replica.utf8), lease: session.lease)],
                    failure: [.range(.key(key)), .range(.key(alive)), .range(.key(session.key))]))
            } catch let error as EtcdError where error.code == .outcomeUnknown {
                if try await readBack(alive, session: session, "claim the slot of '\(slot.sourceID)' due \(slot.due)") != nil { return won(key, session) }
                continue
            } catch {
                throw Self.unavailable(error, "claim the slot of '\(slot.sourceID)' due \(slot.due)")
            }
            if result.succeeded { return won(key, session) }
            guard result.results.count == 3, case .range(let current) = result.results[0], case .range(let living) = result.results[1],
                case .range(let sessionKey) = result.results[2]
            else { continue }
            if sessionKey.keyValues.first?.lease != session.lease {
                sessions.lost(session)
                continue
            }
            guard let state = current.keyValues.first else { continue }
            guard (try? JSONDecoder().decode(SlotState.self, from: state.value))?.state == "claimed", living.keyValues.isEmpty else { return false }
            // Claimed by a replica whose lease is gone before it finished: take it over, once.
            let takeover: EtcdTxnResult
            do {
                takeover = try await client.txn(EtcdTxn(
                    compare: [session.alive, EtcdCompare(key: key, .modRevision(state.modRevision)), .absent(alive)],
                    success: [.put(key: key, value: claimed), .put(key: alive, value: Data(replica.utf8), lease: session.lease)]))
            } catch let error as EtcdError where error.code == .outcomeUnknown {
                if try await readBack(alive, session: session, "take over the slot of '\(slot.sourceID)' due \(slot.due)") != nil { return won(key, session) }
                continue
            } catch {
                throw Self.unavailable(error, "take over the slot of '\(slot.sourceID)' due \(slot.due)")
            }
            return takeover.succeeded ? won(key, session) : false
        }
        throw SyncCoordinationError(.unavailable, "Replica '\(replica)' could not claim a slot: its etcd session keeps being lost", fix: Self.sessionFix)
    }

    /// Records a slot claimed under `session`, for ``finishSlot(_:)``.
    private func won(_ key: String, _ session: SessionKeeper.Session) -> Bool {
        claimedSlots.withLock { $0[key] = session.lease }
        return true
    }

    public func finishSlot(_ slot: ScheduledSlot) async throws {
        let (key, alive) = slotKeys(slot)
        let done = try Self.encode(SlotState(replica: replica, state: "done"))
        // The lease this replica claimed the slot under (none: run on demand, never claimed here).
        let lease = claimedSlots.withLock { $0.removeValue(forKey: key) }
        do {
            if let lease {
                let result = try await client.txn(
                    EtcdTxn(
                        compare: [EtcdCompare(key: alive, .lease(lease))], success: [.put(key: key, value: done), .delete(.key(alive))],
                        failure: [.range(.key(key))]), idempotent: true)
                if !result.succeeded, case .range(let current)? = result.results.first,
                    current.keyValues.first?.value != done  // done by this replica: an earlier attempt of this request
                {
                    // Claimed here, and that claim is gone (expired, taken over): this replica finishes nothing.
                    throw SyncCoordinationError(
                        .claimLost, "Replica '\(replica)' lost its claim on the slot of '\(slot.sourceID)' due \(slot.due)",
                        fix: "Another replica runs the slot, or will (it is abandoned); nothing to do.")
                }
            } else {
                // Finished without a claim (run on demand): remembered as done, unless a replica claimed it.
                _ = try await client.txn(EtcdTxn(compare: [.absent(key)], success: [.put(key: key, value: done)]), idempotent: true)
            }
            let cutoff = Int64((clock.now().timeIntervalSince1970 - Double(configuration.finishedSlotRetention.components.seconds)).rounded(.down))
            let sourcePrefix = slotPrefix(slot.sourceID)
            _ = try await client.deleteRange(.from(sourcePrefix, upTo: sourcePrefix + EtcdKeySegment.padded(cutoff)))
        } catch {
            throw Self.unavailable(error, "finish the slot of '\(slot.sourceID)' due \(slot.due)")
        }
    }

    public func abandonedSlots() async throws -> [ScheduledSlot] {
        let slotsPrefix = "\(prefix)/slots/"
        var keys: [EtcdKeyValue] = []
        do {
            var page = try await client.range(.prefix(slotsPrefix), limit: 1_000)
            keys += page.keyValues
            while page.more, let last = page.keyValues.last {
                page = try await client.range(.prefix(slotsPrefix, after: last.key), limit: 1_000)
                keys += page.keyValues
            }
        } catch {
            throw Self.unavailable(error, "list the abandoned slots")
        }
        let alive = Set(keys.map(\.key).filter { $0.hasSuffix("/alive") }.map { String($0.dropLast("/alive".count)) })
        var abandoned: [ScheduledSlot] = []
        for kv in keys where !kv.key.hasSuffix("/alive") && !alive.contains(kv.key) {
            guard (try? JSONDecoder().decode(SlotState.self, from: kv.value))?.state == "claimed" else { continue }
            let parts = kv.key.dropFirst(slotsPrefix.count).split(separator: "/")
            guard parts.count == 2, let source = parts[0].removingPercentEncoding, let due = Int64(parts[1]) else { continue }
            abandoned.append(ScheduledSlot(sourceID: SourceID(source), due: Date(timeIntervalSince1970: TimeInterval(due))))
        }
        return abandoned.sorted { ($0.due, $0.sourceID) < ($1.due, $1.sourceID) }
    }

    private func slotPrefix(_ source: SourceID) -> String { "\(prefix)/slots/\(EtcdKeySegment.encode(source.rawValue))/" }

    private func slotKeys(_ slot: ScheduledSlot) -> (claim: String, alive: String) {
        let key = slotPrefix(slot.sourceID) + EtcdKeySegment.padded(Int64(slot.due.timeIntervalSince1970.rounded(.down)))
        return (key, key + "/alive")
    }

    // MARK: Values and errors

    /// What a lock's key holds: who waits for or holds it, since when.
    private struct LockHolder: Codable {
        var replica: String
        var since: Date
    }

    /// What a slot's key holds.
    private struct SlotState: Codable {
        var replica: String
        /// `claimed` or `done`.
        var state: String
    }

    private static func encode(_ value: some Encodable) throws -> Data { try JSONEncoder.deterministic().encode(value) }

    /// The holder a run key names; one that does not decode (written by something else) still
    /// holds the source.
    private static func holder(in value: Data) -> RunHolder {
        (try? JSONDecoder.deterministic().decode(RunHolder.self, from: value))
            ?? RunHolder(replica: "(unknown)", runID: "", since: Date(timeIntervalSince1970: 0))
    }

    static func unavailable(_ error: any Error, _ what: String) -> any Error {
        if error is CancellationError || error is SyncCoordinationError { return error }
        let etcd = error as? EtcdError
        return SyncCoordinationError(
            .unavailable, "etcd could not \(what): \(etcd?.detail ?? String(describing: error))",
            fix: etcd?.fix ?? "Check that etcd is reachable; then retry.", underlying: error)
    }

    private static let sessionFix = "Check etcd's health and the replica's clock and load; lengthen the session's time to live if renewals are slow."
}
