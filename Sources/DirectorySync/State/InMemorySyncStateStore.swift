import Foundation

/// Saved state held in memory: for tests and hosts that keep state elsewhere.
public actor InMemorySyncStateStore: SyncStateStore {
    private var documents: [StateKey: Data] = [:]

    /// Creates an empty store.
    public init() {}

    public func data(for key: StateKey) async throws -> Data? { documents[key] }

    public func setData(_ data: Data?, for key: StateKey) async throws { documents[key] = data }

    /// Every key stored.
    public var keys: [StateKey] { documents.keys.sorted { $0.description < $1.description } }
}
