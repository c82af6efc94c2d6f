import Foundation

extension DirectoryService {
    /// Forgets a source's change tracking — the directory's cursor and the mirror of what was read
    /// — so that its next run reads every user and group (read kind `full`, reason `firstRun`) and
    /// starts tracking again from there. Nothing in the identity store changes. To read everything
    /// once without forgetting anything, synchronize with `forceFullRead` instead
    /// (``synchronize(_:trigger:forceFullRead:)``).
    ///
    /// The source's run is held meanwhile, across every replica: a run asked for while the
    /// tracking is being removed waits, then reads everything, as does the first run after this
    /// call returns.
    /// - Parameter id: The source (on or off).
    /// - Throws: ``DirectoryServiceError`` (`synchronizationRunning` while the source synchronizes
    ///   or makes a preview; `unknownSource`); ``SyncStateError`` when the state cannot be written.
    public func resetTracking(_ id: SourceID) async throws {
        try? await refresh()
        let source = try source(id)
        guard runs[id] == nil, source.state != .synchronizing, source.state != .previewing else {
            throw DirectoryServiceError(
                .synchronizationRunning, "'\(source.name)' is \(source.state == .previewing ? "making a preview" : "synchronizing")",
                fix: "Wait for it to finish, then reset the change tracking.")
        }
        // The source is held while its tracking goes: no run of any replica commits tracking in
        // between (a run asked for meanwhile waits, then reads everything).
        let claim = try await holdSource(source, doing: "reset the change tracking")
        do {
            // The synchronizer keeps the last mirror it read or wrote: it goes too.
            synchronizers[id] = nil
            try await state.remove(.tracking(id))
            try await state.remove(.mirror(id))
            synchronizers[id] = nil
        } catch {
            await claim.release()
            throw error
        }
        await claim.release()
    }
}
