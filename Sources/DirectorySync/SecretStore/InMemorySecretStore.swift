/// Secrets held in memory, for tests and hosts that keep secrets elsewhere and hand them in.
public final class InMemorySecretStore: SecretStore {
    private let secrets = Locked<[SecretKey: Secret]>([:])

    /// Creates a store.
    /// - Parameter secrets: Secrets to start with.
    public init(_ secrets: [SecretKey: Secret] = [:]) { self.secrets.withLock { $0 = secrets } }

    public func secret(for key: SecretKey) async throws -> Secret? { secrets.withLock { $0[key] } }

    public func setSecret(_ secret: Secret?, for key: SecretKey) async throws { secrets.withLock { $0[key] = secret } }
}
