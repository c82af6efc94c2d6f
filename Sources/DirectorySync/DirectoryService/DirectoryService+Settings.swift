import Foundation

extension DirectoryService {
    /// Chooses which users and groups the source synchronizes. The next run reads everything, and
    /// what left the scope is removed (through the deletion guard). Clears "needs confirmation".
    /// - Throws: ``FilterError`` when the filter breaks the product's limits; ``DirectoryServiceError``.
    public func setFilter(_ id: SourceID, _ filter: SyncFilter) async throws {
        try? await refresh()
        try filter.validate()
        var settings = try source(id).settings
        settings.filter = filter
        try await setSettings(id, settings)
    }

    /// Sets the filter and the policies (missing email, out of scope, deletion guard). Releases a
    /// quarantine (the next scheduled run is due as usual). Settings that differ from the saved
    /// ones also discard the kept preview, which was planned with the old ones.
    /// - Throws: ``FilterError``; ``DirectoryServiceError`` (`invalidInput` for a removal grace
    ///   outside 0 to 10 years, ``SyncSettings/OutOfScopeAction/validate()``).
    public func setSettings(_ id: SourceID, _ settings: SyncSettings) async throws {
        try? await refresh()
        try settings.filter.validate()
        try settings.outOfScope.validate()
        let before = try source(id).settings
        sources[id]?.settings = settings
        if sources[id]?.state == .needsConfirmation { setState(id, .on) }
        release(id)
        try await persist()
        if before != settings { try await state.remove(.preview(id)) }
    }

    /// Sets when scheduled runs happen (already validated by ``SyncSchedule``). Releases a quarantine.
    /// - Throws: ``DirectoryServiceError``.
    public func setSchedule(_ id: SourceID, _ schedule: SyncSchedule) async throws {
        try? await refresh()
        _ = try source(id)
        sources[id]?.schedule = schedule
        release(id)
        if sources[id]?.state.isOn == true { sources[id]?.scheduledFrom = clock.now() }
        try await persist()
    }

    /// Turns a source on: it synchronizes when asked and on its schedule.
    /// - Throws: ``DirectoryServiceError`` (`credentialsNotTested`) unless the saved credentials
    ///   passed a test; `duplicateTenant` when another source synchronizes the same tenant.
    public func turnOn(_ id: SourceID) async throws {
        try? await refresh()
        let source = try source(id)
        guard !source.state.isOn else { return }
        guard source.state == .off else { throw DirectoryServiceError(.synchronizationRunning, "A preview is being made", fix: "Wait for it to finish.") }
        guard source.credentials != nil, source.credentialsTestedAt != nil else {
            throw DirectoryServiceError(
                .credentialsNotTested, "'\(source.name)' has no credentials that passed a connection test",
                fix: "Save credentials and run a successful connection test before turning '\(source.name)' on.")
        }
        // Again: another source may have learned its tenant since this one's test.
        if let conflict = tenantConflict(TenantClaim(source), for: id) { throw conflict }
        sources[id]?.scheduledFrom = clock.now()
        setState(id, .on)
        try await persist()
    }

    /// Turns a source off, waiting for or cancelling a running synchronization.
    ///
    /// A run another replica makes (``Configuration/coordinator``) is waited for too with `.wait`
    /// (a preview made right after never plans against a half-applied store); it cannot be
    /// cancelled from here: with `.cancel` it goes on, and ends off.
    /// - Parameters:
    ///   - id: The source.
    ///   - running: Wait for a running synchronization, or cancel it.
    /// - Throws: ``DirectoryServiceError``.
    public func turnOff(_ id: SourceID, running: RunningSynchronization = .wait) async throws {
        try? await refresh()
        _ = try source(id)
        stopping.insert(id)
        defer { stopping.remove(id) }
        if let task = runs[id] {
            if case .cancel = running { task.cancel() }
            _ = await task.value
        }
        if case .wait = running, let holder = try? await coordinator.runHolder(of: id) {
            try? await coordinator.waitForRelease(of: id, holder)
        }
        sources[id]?.scheduledFrom = nil
        // Off ends a quarantine too (no `released` event: nothing runs until it is turned on, afresh).
        sources[id]?.quarantine = nil
        sources[id]?.consecutiveFailures = 0
        setState(id, .off)
        try await persist()
    }
}
