import Foundation

extension DirectoryService {
    /// The source's synchronizer, made once per credentials and kept for its change tracking.
    func synchronizer(for source: Source) async throws -> SourceSynchronizer {
        guard source.credentialsTestedAt != nil else {
            throw DirectoryServiceError(
                .credentialsNotTested, "The credentials of '\(source.name)' have not passed a connection test since they were saved",
                fix: "Test the connection first.")
        }
        if let synchronizer = synchronizers[source.id] { return synchronizer }
        let connection: SourceConnection
        do {
            connection = try await self.connection(for: source)
        } catch {
            // The credentials were replaced while the secret was read (and the old one removed):
            // make it from the new ones.
            if let current = sources[source.id], current.secretKey != source.secretKey || current.credentials != source.credentials {
                return try await synchronizer(for: current)
            }
            throw error
        }
        // Likewise when they were replaced after it was read: never keep one with the old ones.
        if let current = sources[source.id], current.secretKey != source.secretKey || current.credentials != source.credentials {
            return try await synchronizer(for: current)
        }
        if let synchronizer = synchronizers[source.id] { return synchronizer }
        let provider = try connector.provider(for: connection)
        let hub = self.hub
        let id = source.id
        let synchronizer = SourceSynchronizer(
            source: id, provider: provider, store: store, state: state, configuration: configuration.synchronizer, clock: clock,
            coordinator: coordinator, onEvent: { event in hub.emit(.progress(id, event)) })
        synchronizers[source.id] = synchronizer
        return synchronizer
    }
}
