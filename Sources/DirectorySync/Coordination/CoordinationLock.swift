/// Names a lock that every replica sharing one state store and one identity store takes in turn
/// (``SyncCoordinator/withLock(_:_:)``).
///
/// Two locks are used by the SDK: ``store``, held while a synchronization plans against the
/// identity store and applies its plan (what ``IdentityStoreLock`` does inside one process), and
/// ``sources``, held while the saved list of sources is read, merged and written.
///
/// ```swift
/// try await coordinator.withLock(.store) { try await store.contents() }
/// ```
public struct CoordinationLock: Hashable, Sendable, CustomStringConvertible {
    /// The lock's name: letters, digits, `-` and `_` (it becomes part of a key in a coordinator
    /// such as etcd's).
    public let name: String

    /// Creates a lock name.
    /// - Parameter name: Letters, digits, `-` and `_`.
    public init(_ name: String) { self.name = name }

    /// The identity store's plan-and-apply section: one synchronization at a time plans and
    /// applies, across every replica.
    public static let store = CoordinationLock("store")

    /// The saved list of sources: one replica at a time reads, merges and writes it.
    public static let sources = CoordinationLock("sources")

    /// The lock's name.
    public var description: String { name }
}
