import Foundation

extension DirectoryService {
    /// Makes and keeps a preview of what synchronizing would do; the source must be off (it is
    /// `previewing` meanwhile). Nothing is applied and no change tracking is committed.
    /// - Returns: The preview (valid for seven days or until the next synchronization; under
    ///   staged deletion no longer than until the first removal it shows as pending is due).
    /// - Throws: ``DirectoryServiceError`` (`sourceIsOn`); read and planning errors.
    public func preview(_ id: SourceID) async throws -> Preview {
        try? await refresh()
        let source = try source(id)
        guard source.state == .off else {
            throw DirectoryServiceError(.sourceIsOn, "Previews are made while a source is off", fix: "Turn '\(source.name)' off first.")
        }
        let synchronizer = try await synchronizer(for: source)
        guard sources[id]?.state == .off else {
            throw DirectoryServiceError(
                .sourceIsOn, "'\(source.name)' was turned on, or another preview started", fix: "Previews are made while a source is off; turn it off and try again.")
        }
        setState(id, .previewing)
        defer { setState(id, .off) }
        let read = try await synchronizer.read(filter: source.settings.filter)
        // Contents taken between other sources' plans and applies, never half way through one.
        let contents = try await coordinator.withLock(.store) { try await store.contents() }
        let pending = try await synchronizer.pendingRemovals(for: source.settings)
        let preview = try PreviewGenerator(planner: configuration.synchronizer.planner, configuration: configuration.preview).makePreview(
            source: id, directory: read.snapshot, store: contents, settings: source.settings, schedule: source.schedule,
            sourceIsOn: false, now: clock.now(), pendingRemovals: pending)
        try await state.savePreview(preview)
        return preview
    }

    /// The source's kept preview, unless it expired or a synchronization ran since.
    /// - Throws: ``DirectoryServiceError``; ``SyncStateError``.
    public func storedPreview(_ id: SourceID) async throws -> Preview? {
        _ = try await knownSource(id)
        guard let preview = try await state.preview(for: id), preview.expiresAt > clock.now() else { return nil }
        return preview
    }
}
