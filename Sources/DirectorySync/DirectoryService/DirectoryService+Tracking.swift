import Foundation

extension DirectoryService {
    /// Forgets a source's change tracking — the directory's cursor and the mirror of what was read
    /// — so that its next run reads every user and group (read kind `full`, reason `firstRun`) and
    /// starts tracking again from there. Nothing in the identity store changes. To read everything
    /// once without forgetting anything, synchronize with `forceFullRead` instead
    /// (``synchronize(_:trigger:forceFullRead:)``).
    ///
    /// A run that starts while the tracking is being removed is waited for, and what it saved is
    /// removed too: the first run after this call returns reads everything.
    /// - Parameter id: The source (on or off).
    /// - Throws: ``DirectoryServiceError`` (`synchronizationRunning` while the source synchronizes
    ///   or makes a preview; `unknownSource`); ``SyncStateError`` when the state cannot be written.
    public func resetTracking(_ id: SourceID) async throws {
        let source = try source(id)
        guard runs[id] == nil, source.state != .synchronizing, source.state != .previewing else {
            throw DirectoryServiceError(
                .synchronizationRunning, "'\(source.name)' is \(source.state == .previewing ? "making a preview" : "synchronizing")",
                fix: "Wait for it to finish, then reset the change tracking.")
        }
        while true {
            // The synchronizer keeps the last mirror it read or wrote: it goes too.
            synchronizers[id] = nil
            try await state.remove(.tracking(id))
            try await state.remove(.mirror(id))
            guard let running = runs[id] else { return }
            _ = await running.value
        }
    }
}
