import Foundation

/// One key as etcd stores it: its value and its revisions.
public struct EtcdKeyValue: Hashable, Sendable {
    /// The key.
    public var key: String
    /// The value (empty for a read with `keysOnly`).
    public var value: Data
    /// The revision that created the key (since its last deletion): the fence of a claim.
    public var createRevision: Int64
    /// The revision of the key's last change.
    public var modRevision: Int64
    /// How many times the key changed since it was created (1 after the first put).
    public var version: Int64
    /// The lease the key is attached to, or `0`.
    public var lease: Int64

    /// Creates a key-value.
    /// - Parameters:
    ///   - key: The key.
    ///   - value: The value.
    ///   - createRevision: The revision that created the key.
    ///   - modRevision: The revision of its last change.
    ///   - version: How many times it changed since it was created.
    ///   - lease: Its lease, or `0`.
    public init(key: String, value: Data, createRevision: Int64, modRevision: Int64, version: Int64 = 1, lease: Int64 = 0) {
        self.key = key
        self.value = value
        self.createRevision = createRevision
        self.modRevision = modRevision
        self.version = version
        self.lease = lease
    }
}

/// What a range read found.
public struct EtcdRangeResult: Hashable, Sendable {
    /// The keys found, in key order (at most the read's limit).
    public var keyValues: [EtcdKeyValue]
    /// How many keys the range holds (more than ``keyValues`` when a limit cut it).
    public var count: Int64
    /// Whether more keys follow the ones returned.
    public var more: Bool
    /// The store's revision the read saw: read the next page at it, so every page is one snapshot.
    public var revision: Int64

    /// Creates a result.
    /// - Parameters:
    ///   - keyValues: The keys found.
    ///   - count: How many keys the range holds.
    ///   - more: Whether more keys follow.
    ///   - revision: The revision the read saw.
    public init(keyValues: [EtcdKeyValue], count: Int64, more: Bool, revision: Int64) {
        self.keyValues = keyValues
        self.count = count
        self.more = more
        self.revision = revision
    }
}

/// A lease: keys attached to it disappear when it expires or is revoked.
public struct EtcdLease: Hashable, Sendable {
    /// The lease's identifier.
    public var id: Int64
    /// The time to live the cluster granted (it may round the one asked for up).
    public var ttl: Duration

    /// Creates a lease value.
    /// - Parameters:
    ///   - id: The lease's identifier.
    ///   - ttl: Its time to live.
    public init(id: Int64, ttl: Duration) {
        self.id = id
        self.ttl = ttl
    }
}
