import Foundation

extension DirectoryService {
    /// Saves the sources, keeping what other replicas changed since this one last loaded or saved
    /// them: under the coordinator's ``CoordinationLock/sources`` lock, the saved list is read and,
    /// when another replica changed it, merged with this replica's changes (``SourcesMerge``),
    /// saved, and taken as the sources here.
    ///
    /// The write is fenced by the lock (``SyncStateStore/setData(_:fencedBy:)``): a replica that
    /// lost the lock while it merged (paused past its lease) writes nothing, and reads, merges and
    /// saves again under the lock, so what another replica saved meanwhile is never overwritten.
    /// A saved list that does not decode is replaced by this replica's (a writer repairs); one that
    /// cannot be read now (the store does not answer) or was written by a newer version is never
    /// overwritten: the error is thrown.
    func persist() async throws {
        var attempt = 0
        while true {
            attempt += 1
            do {
                try await coordinator.withLock(.sources) { fence in try await persist(fencedBy: fence) }
                return
            } catch let error as SyncCoordinationError where error.code == .lockLost && attempt < 3 {
                continue
            }
        }
    }

    /// ``persist()`` once the lock is held.
    private func persist(fencedBy fence: any CoordinationFence) async throws {
        let changed: (sources: [Source], document: Data)?
        do {
            changed = try await savedSourcesIfChanged()
        } catch let error as SyncStateError where Self.isUndecodable(error) {
            // A list that does not decode is replaced by this replica's (a writer repairs).
            changed = nil
        }
        let local = listed
        let merged = try changed.map { try SourcesMerge(baseline: Array(baseline.values), local: local, stored: $0.sources) }
        let saved = merged?.sources ?? local
        let document = try state.document(saved)
        try await state.setData([(key: Self.serviceKey, data: document)], fencedBy: fence)
        savedSourcesDocument = document
        sourcesGeneration += 1
        if merged == nil, listed == local {
            // Nobody else changed the list, and nothing changed here meanwhile.
            baseline = Self.byID(saved)
            notifications.remember(sources.values)
            return
        }
        // What changed here while the list was saved is kept, to be saved by its own call.
        let now = try SourcesMerge(baseline: local, local: listed, stored: saved)
        adopt(saved: saved, merged: now.sources, turnedOffElsewhere: merged?.turnedOffElsewhere ?? [])
    }

    /// Whether the saved sources were read but do not decode (and may be replaced): not a store
    /// that did not answer, nor a document of a newer version.
    private static func isUndecodable(_ error: SyncStateError) -> Bool {
        error.code == .unreadable && error.underlying is DecodingError
    }

    /// Takes in what other replicas saved since this one last loaded or saved the sources, keeping
    /// the changes made here that are not saved yet. Nothing is written. A read that a newer one
    /// (another refresh, or a save) overtook while it was under way is dropped.
    /// - Throws: ``SyncStateError`` when the saved sources cannot be read (nothing changes here).
    func refresh() async throws {
        let generation = sourcesGeneration
        guard let changed = try await savedSourcesIfChanged(), generation == sourcesGeneration else { return }
        let merged = try SourcesMerge(baseline: Array(baseline.values), local: listed, stored: changed.sources)
        adopt(saved: changed.sources, merged: merged.sources, turnedOffElsewhere: merged.turnedOffElsewhere)
        savedSourcesDocument = changed.document
        sourcesGeneration += 1
    }

    /// The saved sources and their document, when the document differs from the one this replica
    /// last loaded or saved; `nil` when it does not — or is gone (nobody removes the whole list:
    /// removing sources saves a shorter one).
    private func savedSourcesIfChanged() async throws -> (sources: [Source], document: Data)? {
        guard let document = try await state.data(for: Self.serviceKey), document != savedSourcesDocument else { return nil }
        return (try state.decode([Source].self, from: document, for: Self.serviceKey), document)
    }

    /// The source, taking in the saved sources first when this replica does not know it (another
    /// replica added it): for calls that only read what the source keeps.
    /// - Throws: ``DirectoryServiceError`` (`unknownSource`).
    func knownSource(_ id: SourceID) async throws -> Source {
        if sources[id] == nil { try? await refresh() }
        return try source(id)
    }

    /// Takes `saved` as the baseline and `merged` as the sources here. A source running here keeps
    /// its state (`synchronizing`) until its run ends; one turned off elsewhere meanwhile is
    /// remembered, so the run ends off.
    private func adopt(saved: [Source], merged: [Source], turnedOffElsewhere offElsewhere: Set<SourceID>) {
        var next: [SourceID: Source] = [:]
        for var source in merged where removing[source.id] == nil {
            if let current = sources[source.id] {
                if runs[source.id] != nil, current.state == .synchronizing {
                    source.state = current.state
                    if offElsewhere.contains(source.id) { turnedOffElsewhere.insert(source.id) }
                }
                // New credentials or secret elsewhere: the next run signs in with them.
                if current.credentials != source.credentials || current.secretKey != source.secretKey || current.credentialsTestedAt != source.credentialsTestedAt {
                    synchronizers[source.id] = nil
                }
            }
            next[source.id] = source
        }
        for id in sources.keys where next[id] == nil { synchronizers[id] = nil }
        sources = next
        baseline = Self.byID(saved)
        notifications.remember(sources.values)
    }

    static func byID(_ sources: [Source]) -> [SourceID: Source] { Dictionary(sources.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }) }
}
