extension DirectoryService {
    /// Explains, step by step, why a user is or is not synchronized, and what a synchronization
    /// would do to it now: whether the directory holds it, whether the filter selects it and which
    /// condition (or group, nested path included) decided, which identity it is or would adopt or
    /// conflicts with, the operations and issues a synchronization would have for it, and what the
    /// last run did to it.
    ///
    /// It reads the user and what its fate depends on with a few lookups
    /// (``DirectoryProvider/lookUp(_:)``), never the whole directory, and changes nothing.
    ///
    /// ```swift
    /// for explanation in try await service.explain("contoso", user: "adele@contoso.com") {
    ///     print(explanation.scope.detail, explanation.correlation.detail, explanation.action ?? .unchanged)
    /// }
    /// ```
    /// - Parameters:
    ///   - id: The source (on or off; its credentials must have passed a connection test).
    ///   - key: The user's object id, user principal name, email address or alias, or `DOMAIN\name`.
    /// - Returns: One explanation per user the key names; one saying so when it names none.
    /// - Throws: ``DirectoryServiceError``; read errors.
    public func explain(_ id: SourceID, user key: String) async throws -> [ObjectExplanation] {
        try await explain(id, .user(try Self.lookupKey(key, kind: "user")), kind: .user)
    }

    /// Explains a group as ``explain(_:user:)`` explains a user; its records include the
    /// memberships a synchronization would add or remove.
    /// - Parameters:
    ///   - id: The source.
    ///   - key: The group's object id or display name.
    /// - Returns: One explanation per group the key names; one saying so when it names none.
    /// - Throws: ``DirectoryServiceError``; read errors.
    public func explain(_ id: SourceID, group key: String) async throws -> [ObjectExplanation] {
        try await explain(id, .group(try Self.lookupKey(key, kind: "group")), kind: .group)
    }

    private func explain(_ id: SourceID, _ target: SourceSynchronizer.FocusTarget, kind: SyncIssue.ObjectKind) async throws -> [ObjectExplanation] {
        // The filter another replica saved counts.
        try? await refresh()
        let source = try source(id)
        let synchronizer = try await synchronizer(for: source)
        let focused = try await synchronizer.focusedPlan(target, settings: source.settings)
        let key = switch target { case .user(let key), .group(let key): key }
        var explanations = ExplanationBuilder(focused: focused, settings: source.settings, key: key).explanations(kind: kind)
        try await addLastRun(to: &explanations, focused: focused)
        return explanations
    }

    /// A key without surrounding white space, or an `invalidInput` error.
    static func lookupKey(_ key: String, kind: String) throws(DirectoryServiceError) -> String {
        let trimmed = key.trimmed
        guard !trimmed.isEmpty, trimmed.utf8.count <= 1_024, !trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw DirectoryServiceError(
                .invalidInput, "'\(key.prefix(64))' is not a \(kind) key",
                fix: kind == "user" ? "Give the user's object id, user principal name or email address." : "Give the group's object id or name.")
        }
        return trimmed
    }

    /// Step 5: the last run that did something to each object — looking back from the last run
    /// to the last whole one (on-demand runs for other users come after it) — with its report's
    /// records about the object; else the last whole run, which did nothing to it.
    private func addLastRun(to explanations: inout [ObjectExplanation], focused: FocusedPlan) async throws {
        let history = try await history(focused.plan.sourceID)
        let lastWhole = history.lastIndex { $0.trigger != .onDemand }
        guard let fallback = lastWhole.map({ history[$0] }) ?? history.last else { return }
        let candidates = Array(history[(lastWhole ?? 0)...].reversed())
        let wanted = explanations.map { explanation in
            (externalID: explanation.directory.externalID, subject: explanation.directory.subject,
             identities: explanation.directory.externalID.map { focused.identities(of: $0, kind: explanation.objectKind) } ?? [])
        }
        let shelf = RunReportShelf(state: state, sourceID: focused.plan.sourceID, retention: configuration.reports)
        // A damaged index of reports leaves step 5 without records, not the explanation without steps.
        var kept: [RunReportShelf.Entry] = []
        var problem: String?
        if configuration.reports.maximumReports > 0 {
            do {
                kept = try await shelf.entries()
                // A run whose entry the list leaves out: damaged, or simply not kept.
                if !kept.contains(where: { $0.run == fallback.id }) { _ = try await shelf.entry(of: fallback.id) }
            } catch let error as SyncStateError {
                problem = String(describing: error)
            }
        }
        for index in explanations.indices {
            explanations[index].lastRun = .init(run: fallback, records: [], reportKept: kept.contains { $0.run == fallback.id }, reportProblem: problem)
        }
        var open = Set(explanations.indices)
        var naming: Set<String> = []
        for want in wanted {
            naming.formUnion([want.externalID, want.subject].compactMap { $0 })
            naming.formUnion(want.identities.map(\.rawValue))
        }
        for run in candidates where !open.isEmpty {
            guard let entry = kept.last(where: { $0.run == run.id }) else { continue }
            var found: [Int: [RunReportRecord]] = [:]
            do {
                for try await record in shelf.records(of: entry, naming: naming) {
                    for index in open where Self.concerns(record.record, wanted[index], kind: explanations[index].objectKind) {
                        found[index, default: []].append(record)
                    }
                }
            } catch {
                // A report that cannot be read (damaged, or dropped meanwhile): step 5 names that run
                // as one whose report is not there to read, rather than guess from an older one.
                let problem = error is SyncStateError ? String(describing: error) : nil
                for index in open { explanations[index].lastRun = .init(run: run, records: [], reportKept: false, reportProblem: problem) }
                open.removeAll()
                break
            }
            for (index, records) in found {
                explanations[index].lastRun = .init(run: run, records: records, reportKept: true)
                open.remove(index)
            }
        }
    }

    private static func concerns(
        _ record: PreviewRecord, _ want: (externalID: String?, subject: String?, identities: Set<IdentityID>), kind: SyncIssue.ObjectKind
    ) -> Bool {
        if record.objectKind == .membership {
            let id = kind == .user ? record.identityID : record.groupID
            if let id { return want.identities.contains(id) }
            return kind == .user ? record.subject == want.subject : record.group == want.subject
        }
        guard record.objectKind.rawValue == kind.rawValue else { return false }
        if let externalID = record.externalID, externalID == want.externalID { return true }
        return record.identityID.map(want.identities.contains) ?? false
    }
}
