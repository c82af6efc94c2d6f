import Foundation

extension EtcdClient {
    // MARK: Keys

    /// Reads keys (`/v3/kv/range`), linearizably.
    /// - Parameters:
    ///   - range: The key, prefix or key range.
    ///   - revision: The store revision to read at (`nil`: the current one); an older revision
    ///     reads the keys as they were then, until it is compacted — after that etcd answers with
    ///     `compacted` (an error answer, which `URLSession` on Linux cannot read: see ``EtcdClient``;
    ///     the SDK's own types never read an older revision).
    ///   - keysOnly: Leave the values out.
    ///   - limit: At most this many keys, in key order (``EtcdRangeResult/more`` says whether more follow).
    /// - Returns: What was found.
    /// - Throws: ``EtcdError`` (`compacted` for a revision compacted away).
    public func range(_ range: EtcdKeyRange, revision: Int64? = nil, keysOnly: Bool = false, limit: Int? = nil) async throws -> EtcdRangeResult {
        try await self.range(range, revision: revision, keysOnly: keysOnly, limit: limit, expectedBytes: 0)
    }

    /// Reads keys, each attempt given the request timeout plus time for the bytes expected
    /// (``transferAllowance(_:)``): a page of state chunks is megabytes.
    func range(_ range: EtcdKeyRange, revision: Int64? = nil, keysOnly: Bool = false, limit: Int? = nil, expectedBytes: Int) async throws -> EtcdRangeResult {
        let response: EtcdWire.RangeResponse = try await call(
            "/v3/kv/range", EtcdWire.RangeRequest(range, limit: limit, revision: revision, keysOnly: keysOnly), resend: .always,
            what: "the read of \(range)", timeout: timeout(forBytes: expectedBytes))
        return response.result()
    }

    /// How long one attempt moving `bytes` of values may take: the request timeout, plus a
    /// second per started MiB (JSON and base64 make a MiB about 1.4 MB on the wire; a second per
    /// MiB allows a link as slow as about 12 Mbit/s).
    func timeout(forBytes bytes: Int) -> Duration {
        guard bytes > 0 else { return configuration.requestTimeout }
        return configuration.requestTimeout + Self.transferAllowance(bytes)
    }

    /// The time added for `bytes` of values: a second per started MiB.
    static func transferAllowance(_ bytes: Int) -> Duration { .seconds((max(0, bytes) + 1_048_575) / 1_048_576) }

    /// Writes a key (`/v3/kv/put`).
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value.
    ///   - lease: The lease to attach the key to (`0`: none).
    ///   - idempotent: Whether writing it twice is the same as once (a value that never changes
    ///     once written, such as an immutable chunk): then a write whose answer was lost is sent
    ///     again to another endpoint; it fails with `outcomeUnknown` only when every endpoint
    ///     failed and one may have received it.
    /// - Returns: The store's revision after the write.
    /// - Throws: ``EtcdError`` (`leaseNotFound`, `requestTooLarge`, `outcomeUnknown` …).
    @discardableResult
    public func put(_ key: String, value: Data, lease: Int64 = 0, idempotent: Bool = false) async throws -> Int64 {
        let response: EtcdWire.PutResponse = try await call(
            "/v3/kv/put", EtcdWire.PutRequest(key: key, value: value, lease: lease, previous: false), resend: idempotent ? .idempotentWrite : .ifNotSent,
            what: "the write of \(key)", timeout: timeout(forBytes: value.count))
        return response.header?.revision?.value ?? 0
    }

    /// Deletes keys (`/v3/kv/deleterange`). Deleting is idempotent — deleting again deletes
    /// nothing more — so an answer lost is sent again to another endpoint (`outcomeUnknown` when
    /// every endpoint failed and one may have received it).
    /// - Parameter range: The key, prefix or key range.
    /// - Returns: How many keys were deleted (by the attempt that answered).
    /// - Throws: ``EtcdError``.
    @discardableResult
    public func deleteRange(_ range: EtcdKeyRange) async throws -> Int64 {
        let response: EtcdWire.DeleteRangeResponse = try await call(
            "/v3/kv/deleterange", EtcdWire.DeleteRangeRequest(range, previous: false), resend: .idempotentWrite, what: "the deletion of \(range)")
        return response.deleted?.value ?? 0
    }

    /// Runs a transaction (`/v3/kv/txn`): the comparisons, then one branch, atomically.
    /// - Parameters:
    ///   - txn: The transaction.
    ///   - idempotent: Whether running it twice is the same as once (its writes set values that
    ///     are the same whenever written): then a transaction whose answer was lost is sent again
    ///     to another endpoint; it fails with `outcomeUnknown` only when every endpoint failed and
    ///     one may have received it. A compare-and-swap is not idempotent: run again after it was
    ///     applied, its comparison fails.
    /// - Returns: Which branch ran and what its operations returned.
    /// - Throws: ``EtcdError`` (`requestTooLarge` beyond 128 operations or 1.5 MiB, `leaseNotFound`,
    ///   `outcomeUnknown` …).
    public func txn(_ txn: EtcdTxn, idempotent: Bool = false) async throws -> EtcdTxnResult {
        try Self.check(txn)
        let response: EtcdWire.TxnResponse = try await call(
            "/v3/kv/txn", EtcdWire.TxnRequest(txn), resend: idempotent ? .idempotentWrite : .ifNotSent, what: "a transaction")
        let revision = response.header?.revision?.value ?? 0
        let succeeded = response.succeeded ?? false
        let operations = succeeded ? txn.success : txn.failure
        let answers = response.responses ?? []
        guard answers.count == operations.count else {
            throw EtcdError(.invalidResponse, detail: "A transaction of \(operations.count) operations was answered with \(answers.count) results")
        }
        var results: [EtcdOperationResult] = []
        for (operation, answer) in zip(operations, answers) {
            switch operation {
            case .range:
                guard let range = answer.range else { throw Self.mismatch("a read") }
                results.append(.range(range.result(revision: revision)))
            case .put:
                guard let put = answer.put else { throw Self.mismatch("a write") }
                results.append(.put(previous: put.prevKV?.keyValue))
            case .delete:
                guard let delete = answer.delete else { throw Self.mismatch("a deletion") }
                results.append(.delete(deleted: delete.deleted?.value ?? 0, previous: (delete.prevKVs ?? []).map(\.keyValue)))
            }
        }
        return EtcdTxnResult(succeeded: succeeded, results: results, revision: revision)
    }

    /// etcd's own rules for a transaction, checked before it is sent (etcd would refuse it with an
    /// error answer): at most 128 comparisons and 128 operations per branch, no key written twice
    /// in a branch.
    static func check(_ txn: EtcdTxn) throws {
        let most = maximumTxnOperations
        guard txn.compare.count <= most, txn.success.count <= most, txn.failure.count <= most else {
            throw EtcdError(
                .requestTooLarge,
                detail: "A transaction has \(max(txn.compare.count, txn.success.count, txn.failure.count)) comparisons or operations in one list; etcd runs at most \(most) (it was not sent)")
        }
        for branch in [txn.success, txn.failure] {
            var written = Set<String>()
            for operation in branch {
                let key: String
                switch operation {
                case .put(let putKey, _, _, _): key = putKey
                case .delete(let range, _): key = range.description
                case .range: continue
                }
                guard written.insert(key).inserted else {
                    throw EtcdError(.invalidRequest, detail: "A transaction writes '\(key)' twice in one branch, which etcd refuses (it was not sent)")
                }
            }
        }
    }

    /// etcd's default `--max-txn-ops`.
    public static let maximumTxnOperations = 128

    private static func mismatch(_ what: String) -> EtcdError {
        EtcdError(.invalidResponse, detail: "A transaction's answer does not match its operations: \(what) got another kind of result")
    }

    // MARK: Leases

    /// Grants a lease (`/v3/lease/grant`). A grant whose answer was lost is sent again: the lease
    /// it may have made holds no key and expires.
    /// - Parameter ttl: Its time to live, rounded up to whole seconds (etcd may raise it to its minimum).
    /// - Returns: The lease.
    /// - Throws: ``EtcdError``.
    public func grantLease(ttl: Duration) async throws -> EtcdLease {
        let seconds = max(1, Int64((Double(ttl.components.seconds) + Double(ttl.components.attoseconds) / 1e18).rounded(.up)))
        let response: EtcdWire.LeaseGrantResponse = try await call(
            "/v3/lease/grant", EtcdWire.LeaseGrantRequest(ttl: .init(seconds)), resend: .always, what: "a lease grant")
        if let error = response.error, !error.isEmpty {
            throw EtcdError(.server, detail: "etcd refused a lease: \(error.prefix(300))")
        }
        guard let id = response.id?.value, id != 0 else {
            throw EtcdError(.invalidResponse, detail: "A lease grant was answered without a lease ID")
        }
        return EtcdLease(id: id, ttl: .seconds(response.ttl?.value ?? seconds))
    }

    /// Renews a lease once (`/v3/lease/keepalive`: one message of the stream per request).
    /// - Parameters:
    ///   - lease: The lease's identifier.
    ///   - timeout: How long the attempt may take on one endpoint (the configuration's by default);
    ///     a renewal should fail well before the lease would expire.
    /// - Returns: The time to live the lease has again, or `.zero` when it is gone (expired or revoked).
    /// - Throws: ``EtcdError``.
    public func keepAlive(_ lease: Int64, timeout: Duration? = nil) async throws -> Duration {
        let response: EtcdWire.KeepAliveResponse = try await call(
            "/v3/lease/keepalive", EtcdWire.LeaseRequest(id: .init(lease)), resend: .always, what: "the renewal of lease \(lease)",
            timeout: timeout, lineDelimited: true)
        if let error = response.error {
            throw EtcdError(.server, detail: "etcd refused to renew lease \(lease): \(error.message?.prefix(300) ?? "no message")", serverCode: error.grpcCode)
        }
        guard let result = response.result else {
            throw EtcdError(.invalidResponse, detail: "The renewal of lease \(lease) was answered without a result")
        }
        return .seconds(max(0, result.ttl?.value ?? 0))
    }

    /// Revokes a lease (`/v3/lease/revoke`): every key attached to it is deleted. A lease already
    /// gone is not an error: the client asks first whether it lives (etcd answers the revocation of
    /// an unknown lease with an error answer, see the type's documentation).
    /// - Parameter lease: The lease's identifier.
    /// - Throws: ``EtcdError``.
    public func revokeLease(_ lease: Int64) async throws {
        guard let left = try await timeToLive(lease), left > .zero else { return }
        do {
            let _: EtcdWire.Empty = try await call("/v3/lease/revoke", EtcdWire.LeaseRequest(id: .init(lease)), resend: .always, what: "the revocation of lease \(lease)")
        } catch let error as EtcdError where error.code == .leaseNotFound {
            return
        }
    }

    /// How long a lease has left (`/v3/lease/timetolive`).
    /// - Parameter lease: The lease's identifier.
    /// - Returns: The time left, or `nil` when the lease is gone.
    /// - Throws: ``EtcdError``.
    public func timeToLive(_ lease: Int64) async throws -> Duration? {
        let response: EtcdWire.TimeToLiveResponse = try await call(
            "/v3/lease/timetolive", EtcdWire.LeaseRequest(id: .init(lease)), resend: .always, what: "the time to live of lease \(lease)")
        guard let ttl = response.ttl?.value, ttl >= 0 else { return nil }
        return .seconds(ttl)
    }
}
