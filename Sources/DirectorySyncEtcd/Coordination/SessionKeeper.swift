import DirectorySync
import Foundation

/// A coordinator's etcd session: one lease, renewed in the background, and a key attached to it
/// (`PREFIX/sessions/<replica>/<lease>`) whose presence every leased write compares, so a write
/// under a lease that is gone fails its condition instead of being refused by etcd.
final class SessionKeeper: Sendable {
    /// One lease and what is known of it.
    final class Session: Sendable {
        let lease: Int64
        let key: String
        let ttl: Duration
        private let state: Locked<(acknowledged: ContinuousClock.Instant, lost: Bool)>

        init(lease: Int64, key: String, ttl: Duration, grantedAt: ContinuousClock.Instant) {
            self.lease = lease
            self.key = key
            self.ttl = ttl
            state = Locked((grantedAt, false))
        }

        /// The condition of every leased write: the session's key is still on its lease.
        var alive: EtcdCompare { EtcdCompare(key: key, .lease(lease)) }

        /// Whether the lease may still live: not lost, and the last renewal (measured from when it
        /// was sent, which is before etcd counted it) plus the time to live is ahead.
        var isAlive: Bool {
            state.withLock { state in
                if state.lost { return false }
                if ContinuousClock.now - state.acknowledged >= ttl {
                    // Once it may have expired, it is lost: it is never trusted again.
                    state.lost = true
                    return false
                }
                return true
            }
        }

        var isLost: Bool { !isAlive }

        /// How long the lease may still live by the last acknowledged renewal (zero once lost).
        var timeLeft: Duration {
            state.withLock { state in state.lost ? .zero : max(.zero, ttl - (ContinuousClock.now - state.acknowledged)) }
        }

        /// A renewal sent at `sent` was acknowledged.
        func acknowledge(sentAt sent: ContinuousClock.Instant) {
            state.withLock { state in
                guard !state.lost else { return }
                if sent - state.acknowledged >= ttl { state.lost = true } else { state.acknowledged = max(state.acknowledged, sent) }
            }
        }

        func lose() { state.withLock { $0.lost = true } }
    }

    private struct State {
        var current: Session?
        var pending: Task<Session, any Error>?
        var renewal: Task<Void, Never>?
        var stopped = false
    }

    private let client: EtcdClient
    private let keyPrefix: String
    private let replica: String
    private let ttl: Duration
    /// How often the lease is renewed: the interval asked for, or a third of the time to live
    /// when that is not under half of it; never more often than every 100 ms.
    let renewalInterval: Duration
    private let state = Locked(State())

    init(client: EtcdClient, keyPrefix: String, replica: String, ttl: Duration, renewalInterval: Duration) {
        self.client = client
        self.keyPrefix = keyPrefix
        self.replica = replica
        self.ttl = ttl
        // Under half the time to live, so one late renewal does not lose the session.
        let interval = renewalInterval < ttl / 2 ? renewalInterval : ttl / 3
        self.renewalInterval = max(interval, .milliseconds(100))
    }

    /// The live session, granting a new lease when there is none (or the last one was lost).
    /// - Throws: `unavailable` once stopped: a lease granted then would never be renewed.
    func current() async throws -> Session {
        let task = state.withLock { state -> Task<Session, any Error>? in
            if state.stopped { return nil }
            if let session = state.current, session.isAlive { return Task { session } }
            if let pending = state.pending { return pending }
            let pending = Task { try await self.grant() }
            state.pending = pending
            return pending
        }
        guard let task else { throw shutDown }
        do {
            let session = try await task.value
            if state.withLock({ $0.stopped }) {
                // Stopped while the lease was granted: give it up.
                lost(session)
                throw shutDown
            }
            let renewal: Task<Void, Never>? = state.withLock { state in
                if state.current == nil || state.current?.isAlive == false { state.current = session }
                state.pending = nil
                guard state.renewal == nil, !state.stopped else { return nil }
                // On a thread of its own: renewals keep time while the host's threads are busy.
                let renew: @Sendable () async -> Void = { [weak self] in await self?.renew() }
                let renewal = if #available(macOS 15, iOS 18, *) { Task(executorPreference: ThreadExecutor.leaseRenewals, operation: renew) } else { Task(operation: renew) }
                state.renewal = renewal
                return renewal
            }
            _ = renewal
            return session
        } catch {
            state.withLock { $0.pending = nil }
            throw EtcdSyncCoordinator.unavailable(error, "start a session for replica '\(replica)'")
        }
    }

    private var shutDown: SyncCoordinationError {
        SyncCoordinationError(
            .unavailable, "The coordinator of replica '\(replica)' was shut down", fix: "Make a new EtcdSyncCoordinator to take locks and claims again.")
    }

    private func grant() async throws -> Session {
        var attempt = 1
        while true {
            let started = ContinuousClock.now
            let lease = try await client.grantLease(ttl: ttl)
            let key = keyPrefix + String(lease.id, radix: 16)
            let value = try JSONEncoder.deterministic().encode(["replica": replica])
            do {
                // A lease granted a moment ago lives: this write needs no condition on the session…
                try await client.put(key, value: value, lease: lease.id, idempotent: true)
                return Session(lease: lease.id, key: key, ttl: lease.ttl, grantedAt: started)
            } catch let error as EtcdError where error.code == .leaseNotFound && attempt < 3 {
                // …unless etcd was so slow that it expired in between: a new one.
                attempt += 1
            }
        }
    }

    /// Renews the current session every interval (from when the last renewal was sent) until
    /// stopped. A renewal that fails or times out is sent again soon, not an interval later, for as
    /// long as the lease may live: one slow answer from a busy etcd must not cost the session.
    private func renew() async {
        var pause = renewalInterval
        while !Task.isCancelled {
            // Stopped while waiting: no renewal is sent (a request cancelled as it starts can
            // crash FoundationNetworking on Linux when the process exits right after).
            // On a timer: `Task.sleep` would wake this task behind the host's busy threads.
            do { try await sleepOnTimer(for: pause) } catch { return }
            pause = renewalInterval
            guard let session = state.withLock({ $0.current }) else { continue }
            guard session.isAlive else {
                // Its deadline passed without a renewal: give the lease up in case it still lives.
                lost(session)
                continue
            }
            let sent = ContinuousClock.now
            do {
                // An answer after the lease's deadline is of no use: wait no longer than that.
                let left = try await client.keepAlive(session.lease, timeout: max(min(session.timeLeft, client.configuration.requestTimeout), .milliseconds(100)))
                if left > .zero { session.acknowledge(sentAt: sent) } else { lost(session) }
                // The next one an interval after this one was sent (its deadline counts from then),
                // however long the answer took.
                pause = max(.zero, renewalInterval - (ContinuousClock.now - sent))
            } catch {
                // Unreachable or slow for now: the session lives on until its time to live has
                // passed, and the renewal goes again shortly.
                if session.isAlive { pause = min(renewalInterval, Self.retryPause) } else { lost(session) }
            }
        }
    }

    /// The pause before a failed renewal goes again.
    static let retryPause = Duration.milliseconds(250)

    /// Records that a session is lost: its claims are gone, the next claim grants a new lease. The
    /// lease is revoked in case it still lives on etcd, so other replicas take over at once.
    func lost(_ session: Session) {
        session.lose()
        state.withLock { state in
            if state.current === session { state.current = nil }
        }
        let client = self.client
        Task { try? await client.revokeLease(session.lease) }
    }

    func isAlive(_ session: Session) -> Bool { session.isAlive }

    /// The lease of the current session, if any (tests revoke it behind the coordinator's back).
    var currentLease: Int64? { state.withLock { $0.current?.lease } }

    /// Stops renewing (the lease expires by itself).
    func stop() {
        let renewal = state.withLock { state -> Task<Void, Never>? in
            state.stopped = true
            defer { state.renewal = nil }
            return state.renewal
        }
        renewal?.cancel()
    }

    /// Stops renewing and revokes the lease: every key on it goes at once. Returns once the
    /// renewal in flight, if any, has ended.
    func end() async {
        let renewal = state.withLock { $0.renewal }
        stop()
        await renewal?.value
        guard let session = state.withLock({ state -> Session? in
            defer { state.current = nil }
            return state.current
        }) else { return }
        session.lose()
        try? await client.revokeLease(session.lease)
    }
}

extension ThreadExecutor {
    /// The process's one thread for lease renewals: a host whose cooperative threads are all busy
    /// — a long plan of a million users, a library that blocks — would otherwise leave renewals
    /// waiting past the lease's time to live, and lose its claims in the middle of a run. Renewals
    /// are short (each waits on its transport, not on this thread), so one thread serves every
    /// coordinator of the process.
    @available(macOS 15, iOS 18, *)
    static let leaseRenewals = ThreadExecutor(name: "DirectorySyncEtcd lease renewals")
}
