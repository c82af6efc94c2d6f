import Foundation

/// A transaction: if every comparison holds, the ``success`` operations run, else the
/// ``failure`` ones — atomically, at one revision.
///
/// Create-if-absent, the basis of claims, in one round trip that also returns the holder when
/// the key exists:
/// ```swift
/// let result = try await client.txn(EtcdTxn(
///     compare: [.absent(key)],
///     success: [.put(key: key, value: holder, lease: lease.id)],
///     failure: [.range(.key(key))]))
/// ```
///
/// etcd bounds each list to 128 operations (`--max-txn-ops`) and the whole request to
/// 1.5 MiB (`--max-request-bytes`); no key may be written twice in one transaction.
public struct EtcdTxn: Hashable, Sendable {
    /// The conditions, all of which must hold.
    public var compare: [EtcdCompare]
    /// What runs when every condition holds.
    public var success: [EtcdOperation]
    /// What runs otherwise.
    public var failure: [EtcdOperation]

    /// Creates a transaction.
    /// - Parameters:
    ///   - compare: The conditions.
    ///   - success: What runs when they hold.
    ///   - failure: What runs otherwise.
    public init(compare: [EtcdCompare], success: [EtcdOperation], failure: [EtcdOperation] = []) {
        self.compare = compare
        self.success = success
        self.failure = failure
    }
}

/// One condition of a transaction: a key's revision, version, value or lease compared with a value.
public struct EtcdCompare: Hashable, Sendable {
    /// What of the key is compared.
    public enum Target: Hashable, Sendable {
        /// The revision that created the key; `0` when it does not exist.
        case createRevision(Int64)
        /// The revision of the key's last change.
        case modRevision(Int64)
        /// How many times the key changed since it was created; `0` when it does not exist.
        case version(Int64)
        /// The key's value.
        case value(Data)
        /// The key's lease; `0` when it has none.
        case lease(Int64)
    }

    /// How the key's value and the target's compare.
    public enum Relation: String, Hashable, Sendable {
        /// Equal.
        case equal = "EQUAL"
        /// Not equal.
        case notEqual = "NOT_EQUAL"
        /// The key's is greater.
        case greater = "GREATER"
        /// The key's is less.
        case less = "LESS"
    }

    /// The key compared.
    public var key: String
    /// What is compared, with the value it is compared with.
    public var target: Target
    /// How they must compare.
    public var relation: Relation

    /// Creates a condition.
    /// - Parameters:
    ///   - key: The key.
    ///   - target: What of it is compared, and with what.
    ///   - relation: How they must compare (equal by default).
    public init(key: String, _ target: Target, _ relation: Relation = .equal) {
        self.key = key
        self.target = target
        self.relation = relation
    }

    /// The key does not exist (its create revision is 0): create-if-absent.
    /// - Parameter key: The key.
    /// - Returns: The condition.
    public static func absent(_ key: String) -> EtcdCompare { EtcdCompare(key: key, .createRevision(0)) }

    /// The key exists.
    /// - Parameter key: The key.
    /// - Returns: The condition.
    public static func exists(_ key: String) -> EtcdCompare { EtcdCompare(key: key, .createRevision(0), .greater) }

    /// The key exists and was created at `revision`: it is still the one a claim created (the fence).
    /// - Parameters:
    ///   - key: The key.
    ///   - revision: Its create revision when it was claimed.
    /// - Returns: The condition.
    public static func created(_ key: String, at revision: Int64) -> EtcdCompare { EtcdCompare(key: key, .createRevision(revision)) }
}

/// One operation of a transaction.
public enum EtcdOperation: Hashable, Sendable {
    /// Reads keys.
    case range(EtcdKeyRange)
    /// Writes a key, attached to a lease (`0`: none); with `previous`, the result holds what it replaced.
    case put(key: String, value: Data, lease: Int64 = 0, previous: Bool = false)
    /// Deletes keys; with `previous`, the result holds what was deleted.
    case delete(EtcdKeyRange, previous: Bool = false)
}

/// What one operation of a transaction returned.
public enum EtcdOperationResult: Hashable, Sendable {
    /// What a ``EtcdOperation/range(_:)`` read.
    case range(EtcdRangeResult)
    /// What a put replaced, when asked for.
    case put(previous: EtcdKeyValue?)
    /// How many keys a delete removed, and what they held when asked for.
    case delete(deleted: Int64, previous: [EtcdKeyValue])
}

/// What a transaction did.
public struct EtcdTxnResult: Hashable, Sendable {
    /// Whether every condition held (the ``EtcdTxn/success`` operations ran).
    public var succeeded: Bool
    /// What each operation of the branch that ran returned, in order.
    public var results: [EtcdOperationResult]
    /// The store's revision after the transaction.
    public var revision: Int64

    /// Creates a result.
    /// - Parameters:
    ///   - succeeded: Whether the conditions held.
    ///   - results: What each operation returned.
    ///   - revision: The revision after the transaction.
    public init(succeeded: Bool, results: [EtcdOperationResult], revision: Int64) {
        self.succeeded = succeeded
        self.results = results
        self.revision = revision
    }
}
