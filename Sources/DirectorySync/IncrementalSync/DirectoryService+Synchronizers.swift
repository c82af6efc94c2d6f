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
        let provider = try connector.provider(for: try await connection(for: source))
        let hub = self.hub
        let id = source.id
        let synchronizer = SourceSynchronizer(
            source: id, provider: provider, store: store, state: state, configuration: configuration.synchronizer, clock: clock,
            storeLock: storeLock, onEvent: { event in hub.emit(.progress(id, event)) })
        synchronizers[source.id] = synchronizer
        return synchronizer
    }
}
