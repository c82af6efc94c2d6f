import DirectorySync
import Foundation

extension AdminControl {
    /// Carries out a request on this process's service; `secrets` is the folder's secret store,
    /// where `credentials set` hands a new secret over.
    static func perform(_ request: Request, on service: DirectoryService, secrets: any SecretStore) async -> Reply {
        let reply = await carryOut(request, on: service, secrets: secrets)
        // A secret handed over is removed whatever happened: once saved, the source's own key keeps it.
        if let key = request.secretHandover { try? await secrets.setSecret(nil, for: key) }
        return reply
    }

    private static func carryOut(_ request: Request, on service: DirectoryService, secrets: any SecretStore) async -> Reply {
        do {
            let source = try await service.source(request.sourceID)
            let name = Terminal.safe(source.name)
            // A change prints a sentence, or with --json the source as it now is (Documentation/JSON.md).
            func changed(_ sentence: String) async throws -> Reply {
                let output = request.json ? try JSONOutput.text(try await service.source(source.id)) : sentence
                return Reply(status: 0, output: output, isUsageError: false)
            }
            switch request.action {
            case .on:
                try await service.turnOn(source.id)
                return try await changed("'\(name)' is on.")
            case .off:
                try await service.turnOff(source.id, running: request.cancel == true ? .cancel : .wait)
                return try await changed("'\(name)' is off.")
            case .filter:
                let filter = request.filter ?? .all
                try await service.setFilter(source.id, filter)
                return try await changed(
                    "Filter of '\(name)': \(Terminal.safe("\(filter)")). The next synchronization reads everything; what leaves the scope is handled as the removal policy says (removed, disabled, or disabled then removed after the grace period), through the deletion guard.")
            case .schedule:
                let schedule = request.schedule ?? SyncSchedule.manual
                try await service.setSchedule(source.id, schedule)
                return try await changed("Schedule of '\(name)': \(schedule).")
            case .policy:
                // Applied to the settings as they are now: a filter changed meanwhile is kept.
                let settings = try (request.policy ?? PolicyChange()).applied(to: try await service.source(source.id).settings)
                try await service.setSettings(source.id, settings)
                return try await changed("Policies of '\(name)': \(PolicyText.summary(settings)).")
            case .credentials:
                return try await changed(try await CredentialsSetCommand.perform(request, source: source, on: service, secrets: secrets))
            case .trackingReset:
                try await service.resetTracking(source.id)
                return try await changed("Forgot the change tracking of '\(name)': its next synchronization reads every user and group.")
            case .sync, .syncUser, .syncFull:
                // The run's own warnings (a history that could not be saved) come as events before it finishes.
                let events = service.events(includingOperations: false)
                let watch = RunWatch()
                let warnings = Task { () -> [String] in
                    var found: [String] = []
                    for await event in events {
                        if case .runStarted(source.id, _) = event { await watch.started() }
                        if case .warning(source.id, .historyNotSaved(let message)) = event { found.append("\(SourceWarning.historyNotSaved(message))") }
                        if case .runFinished(source.id, _) = event { break }
                    }
                    return found
                }
                let record: RunRecord
                do {
                    if request.action == .syncUser {
                        record = try await service.synchronize(source.id, user: request.user ?? "")
                    } else {
                        let full = request.action == .syncFull
                        if request.confirmRemovals == true {
                            record = full ? try await service.synchronize(source.id, trigger: .confirmation, forceFullRead: true) : try await service.confirmRemovals(source.id)
                        } else {
                            record = try await service.synchronize(source.id, forceFullRead: full)
                        }
                    }
                } catch {
                    warnings.cancel()
                    throw error
                }
                // A run of another replica that this one waited for and joined (state in etcd)
                // sends no events here: its record is the answer, without notes.
                let ranHere = await watch.waitForStart(atMost: .seconds(1))
                if !ranHere { warnings.cancel() }
                let notes = ranHere ? await warnings.value : []
                var output = request.json ? try JSONOutput.text(record) : SyncCommand.text(record, name: source.name, user: request.action == .syncUser ? request.user : nil).joined(separator: "\n")
                if !request.json { output += notes.map { "\nWarning: \(Terminal.safe($0))" }.joined() }
                return Reply(status: record.isSuccess && notes.isEmpty ? 0 : 1, output: output, error: nil, isUsageError: false)
            }
        } catch let error as DirectoryServiceError {
            let source = try? await service.source(request.sourceID)
            let classified = AdminCommand.classify(source.map { AdminContext.namingVariable(error, source: $0, secrets: secrets) } ?? error)
            return Reply(status: classified is UsageError ? 2 : 1, output: "", error: "\(classified)", isUsageError: classified is UsageError)
        } catch let error as FilterError {
            return Reply(status: 2, output: "", error: error.message, isUsageError: true)
        } catch {
            return Reply(status: 1, output: "", error: "\(error)", isUsageError: false)
        }
    }
}

/// Whether a run started in this process: its `runStarted` event came (a run joined on another
/// replica sends none).
private actor RunWatch {
    private var didStart = false

    func started() { didStart = true }

    /// Whether the run started here; waits up to `limit` for the event of a run that ended at once
    /// (the events are all sent by the time the run returns, but may not be read yet).
    func waitForStart(atMost limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now + limit
        while !didStart, clock.now < end { try? await Task.sleep(for: .milliseconds(10)) }
        return didStart
    }
}
