import Foundation

/// The product's workflow as an API: the sources of one identity store — add, configure, test,
/// filter, schedule, turn on and off, synchronize, preview — with status, history and events, all
/// kept through a ``SyncStateStore`` so a restart finds everything again.
///
/// Rules: at most ``Configuration/maximumSources`` sources; names and (Entra) domains unique,
/// case-insensitively; one source per tenant, whichever verified domain or tenant id names it
/// (``TenantIdentity``); no source for a domain registered as synchronized from on-premises Active
/// Directory (or whose users the directory reports so: the connection test's `onPremises` step);
/// turning on needs credentials that passed a connection test; one synchronization per
/// source at a time (a second request joins the running one); previews only while off.
///
/// Several replicas of a host — services in one process or in several, over one identity store
/// and one state store — run as one service when they share a coordinator
/// (``Configuration/coordinator``): one run per source across them, scheduled runs run once, writes
/// fenced by the run's claim, and the saved sources merged rather than overwritten.
///
/// ```swift
/// let service = try await DirectoryService.open(
///     store: store, state: try FileSyncStateStore(folder: folder), secrets: try FileSecretStore(folder: secretsFolder),
///     connector: GraphDirectoryConnector())
/// let source = try await service.addSource(name: "Contoso", domain: "contoso.com")
/// try await service.setCredentials(source.id, SourceCredentials(clientID: id, tenant: "contoso.com"), secret: secret)
/// guard try await service.testConnection(source.id).isSuccessful else { … }
/// try await service.turnOn(source.id)
/// let run = try await service.synchronize(source.id)
/// ```
public actor DirectoryService {
    /// Limits and policies.
    public struct Configuration: Sendable {
        /// The most sources the store may have.
        public var maximumSources: Int
        /// Domains synchronized from on-premises Active Directory (no Entra source may take them).
        public var onPremisesDomains: Set<String>
        /// Runs kept per source in the history.
        public var historyLimit: Int
        /// How synchronizations read, plan and apply.
        public var synchronizer: SourceSynchronizer.Configuration
        /// Computes scheduled runs.
        public var scheduleCalculator: any ScheduleCalculator
        /// How previews are made.
        public var preview: PreviewGenerator.Configuration
        /// How many run reports each source keeps.
        public var reports: RunReportRetention
        /// Who is told what needs attention (none by default): each gets a ``ServiceNotification``
        /// for every failed run, quarantine, release, run stopped at the deletion guard, secret
        /// about to expire and rise in conflicts, without a run ever waiting for it.
        public var notifiers: [any Notifier]
        /// When a failing source is quarantined and how its scheduled attempts back off.
        public var quarantine: Quarantine
        /// Coordinates the replicas sharing the state store and the identity store: the store lock
        /// for planning and applying, one run per source at a time, scheduled runs that run once,
        /// and the lock on the saved sources. ``LocalSyncCoordinator`` (the default) coordinates
        /// this process; give every replica of a host one coordinator on a shared engine
        /// (`EtcdSyncCoordinator`) and they run as one service.
        public var coordinator: any SyncCoordinator

        /// Creates a configuration.
        public init(
            maximumSources: Int = 25, onPremisesDomains: Set<String> = [], historyLimit: Int = 100,
            synchronizer: SourceSynchronizer.Configuration = .init(), scheduleCalculator: any ScheduleCalculator = CalendarScheduleCalculator(),
            preview: PreviewGenerator.Configuration = .init(), reports: RunReportRetention = RunReportRetention(),
            notifiers: [any Notifier] = [], quarantine: Quarantine = Quarantine(), coordinator: any SyncCoordinator = LocalSyncCoordinator()
        ) {
            self.coordinator = coordinator
            self.quarantine = quarantine
            self.notifiers = notifiers
            self.reports = reports
            self.maximumSources = maximumSources
            self.onPremisesDomains = onPremisesDomains
            self.historyLimit = historyLimit
            self.synchronizer = synchronizer
            self.scheduleCalculator = scheduleCalculator
            self.preview = preview
        }
    }

    /// What to do with a running synchronization when a source is turned off.
    public enum RunningSynchronization: Sendable {
        /// Let it finish.
        case wait
        /// Cancel it (operations not yet started are not applied; the next run repairs).
        case cancel
    }

    /// Limits and policies.
    public let configuration: Configuration
    let store: any IdentityStore
    let state: any SyncStateStore
    let secrets: any SecretStore
    let connector: any DirectoryConnector
    let clock: SyncClock
    let hub: EventHub
    /// Makes notifications of the events and hands them to the notifiers.
    let notifications: NotificationDispatcher
    /// Coordinates this service with the other replicas (``Configuration/coordinator``): every
    /// source plans and applies in turn under its ``CoordinationLock/store`` lock, so plans never
    /// race each other over the shared store.
    var coordinator: any SyncCoordinator { configuration.coordinator }
    var sources: [SourceID: Source] = [:]
    /// The sources as this replica last loaded or saved them: what ``persist()`` compares with to
    /// tell its own changes from other replicas'.
    var baseline: [SourceID: Source] = [:]
    /// The saved sources document as this replica last loaded or saved it: a save or refresh that
    /// reads the same bytes knows nobody else changed the list.
    var savedSourcesDocument: Data?
    /// Counts the times ``baseline`` and ``savedSourcesDocument`` were replaced: a refresh whose
    /// read was overtaken by a newer one (or a save) drops what it read.
    var sourcesGeneration = 0
    /// Sources running here that another replica turned off meanwhile: the run ends off.
    var turnedOffElsewhere: Set<SourceID> = []
    var runs: [SourceID: Task<RunRecord, Never>] = [:]
    /// How many requests wait for a source's running run (to join it, or to run after it): what
    /// tests observe instead of sleeping until their requests have arrived.
    var requestsWaitingForRun: [SourceID: Int] = [:]
    /// Sources whose run in ``runs`` synchronizes one user on demand (other requests wait for it
    /// instead of joining it).
    var onDemandRuns: Set<SourceID> = []
    var stopping: Set<SourceID> = []
    var synchronizers: [SourceID: SourceSynchronizer] = [:]
    /// Sources whose removal goes on: gone for every call, still saved, their names and domains taken.
    var removing: [SourceID: Source] = [:]
    var scheduler: Task<Void, Never>?
    /// The due slots the scheduler's last pass skipped (another replica claimed them, or the
    /// coordinator did not answer): not due again here until ``skippedSlotPoll`` has passed.
    var skippedSlots: Set<ScheduledSlot> = []

    static let serviceKey = StateKey.service("sources")

    private init(store: any IdentityStore, state: any SyncStateStore, secrets: any SecretStore, connector: any DirectoryConnector, configuration: Configuration, clock: SyncClock) {
        self.store = store
        self.state = state
        self.secrets = secrets
        self.connector = connector
        self.configuration = configuration
        self.clock = clock
        let notifications = NotificationDispatcher(notifiers: configuration.notifiers, clock: clock)
        self.notifications = notifications
        let observer: (@Sendable (ServiceEvent) -> Void)? = configuration.notifiers.isEmpty ? nil : { @Sendable event in notifications.handle(event) }
        hub = EventHub(observer: observer)
    }

    /// Opens the service, restoring its sources from `state`. A source left synchronizing or
    /// previewing by a process that stopped comes back on (quarantined, if it was) or off.
    /// - Parameters:
    ///   - store: The identity store.
    ///   - state: Where sources, tracking, previews and history are kept.
    ///   - secrets: Where client secrets are kept.
    ///   - connector: Makes providers and tests connections.
    ///   - configuration: Limits and policies.
    ///   - clock: Time and waiting (``SyncClock/system`` by default; inject a test clock).
    /// - Throws: ``SyncStateError`` when the saved sources cannot be read.
    public static func open(
        store: any IdentityStore, state: any SyncStateStore, secrets: any SecretStore, connector: any DirectoryConnector,
        configuration: Configuration = Configuration(), clock: SyncClock = .system
    ) async throws -> DirectoryService {
        let service = DirectoryService(store: store, state: state, secrets: secrets, connector: connector, configuration: configuration, clock: clock)
        try await service.restore()
        return service
    }

    private func restore() async throws {
        let document = try await state.data(for: Self.serviceKey)
        savedSourcesDocument = document
        for var source in try document.map({ try state.decode([Source].self, from: $0, for: Self.serviceKey) }) ?? [] {
            // A state left by a process that stopped is fixed in the baseline too: it is no change
            // of this replica's, so the standing another replica saves later (a run's end, a
            // quarantine) is taken in, never overwritten by this one's.
            if source.state == .synchronizing { source.state = source.quarantine == nil ? .on : .quarantined }
            if source.state == .previewing { source.state = .off }
            baseline[source.id] = source
            sources[source.id] = source
        }
        notifications.remember(sources.values)
    }

    /// Every event from now on: state changes, run progress, warnings. Each call opens a new
    /// stream, which keeps the newest 10,000 events a slow reader has not taken yet (older ones are
    /// dropped; the run itself never waits for a reader).
    /// - Parameter includingOperations: Whether the stream also gets every finished operation
    ///   (`.progress(_, .operationFinished(…))`, about one per write: a million for a large first
    ///   run). A reader that only shows states and phases leaves them out, so they never push its
    ///   other events out of the buffer.
    /// - Returns: The stream.
    public nonisolated func events(includingOperations: Bool = true) -> AsyncStream<ServiceEvent> { hub.stream(includingOperations: includingOperations) }

    // MARK: Sources

    /// Every source, by name.
    public func allSources() -> [Source] { sources.values.sorted { $0.name.lowercased() < $1.name.lowercased() } }

    /// The source with this identifier.
    /// - Throws: ``DirectoryServiceError`` (`unknownSource`).
    public func source(_ id: SourceID) throws(DirectoryServiceError) -> Source {
        guard let source = sources[id] else { throw DirectoryServiceError(.unknownSource, "No source has the id '\(id)'", fix: "List the sources to see their names.") }
        return source
    }

    /// The source with this name (case-insensitive) or identifier.
    /// - Throws: ``DirectoryServiceError`` (`unknownSource`).
    public func source(named name: String) throws(DirectoryServiceError) -> Source {
        if let source = sources.values.first(where: { $0.name.lowercased() == name.lowercased() }) ?? sources[SourceID(name)] { return source }
        throw DirectoryServiceError(.unknownSource, "No source is named '\(name)'", fix: "List the sources to see their names.")
    }

    /// Adds a source, off, with no credentials, every user and group, and no schedule.
    /// - Parameters:
    ///   - name: A unique name.
    ///   - domain: The domain to synchronize (verified in the tenant).
    ///   - description: A description.
    /// - Returns: The source.
    /// - Throws: ``DirectoryServiceError`` naming the rule broken: `invalidInput` for a name that is
    ///   not 1 to 100 characters or a description longer than ``maximumDescriptionLength`` (1,000
    ///   characters), `duplicateDomain`, or
    ///   `duplicateTenant` when another source synchronizes the tenant this domain is verified in
    ///   (known from that source's passed connection test) or names it as its credentials' tenant.
    public func addSource(name: String, domain: String, description: String = "") async throws -> Source {
        try? await refresh()
        guard listed.count < configuration.maximumSources else {
            throw DirectoryServiceError(.tooManySources, "A store can have at most \(configuration.maximumSources) sources", fix: "Remove one first.")
        }
        let name = try checkedName(name, for: nil)
        let description = try Self.checkedDescription(description)
        let domain = try checkedDomain(domain, for: nil)
        let source = Source(id: SourceID(DomainName.slug(name)), name: name, description: description, domain: domain)
        sources[source.id] = source
        try await persist()
        return source
    }

    /// Changes a source's name, description or domain (the domain only while it is off; its
    /// credentials must then be tested again). A new domain follows ``addSource(name:domain:description:)``'s
    /// rules (`duplicateDomain`, `duplicateTenant`, `onPremisesDomain`).
    /// - Parameters:
    ///   - id: The source.
    ///   - name: A new unique name, or `nil` to keep it.
    ///   - description: A new description, or `nil` to keep it.
    ///   - domain: A new domain, or `nil` to keep it.
    /// - Returns: The source as changed.
    /// - Throws: ``DirectoryServiceError``.
    public func editSource(_ id: SourceID, name: String? = nil, description: String? = nil, domain: String? = nil) async throws -> Source {
        try? await refresh()
        var source = try source(id)
        if let name { source.name = try checkedName(name, for: id) }
        if let description { source.description = try Self.checkedDescription(description) }
        if let domain {
            let normalized = try checkedDomain(domain, for: id)
            if normalized != source.domain {
                guard source.state == .off else { throw DirectoryServiceError(.sourceIsOn, "'\(source.name)' is on", fix: "Turn the source off before changing its domain.") }
                source.domain = normalized
                source.credentialsTestedAt = nil
            }
        }
        sources[id] = source
        try await persist()
        return source
    }

    /// Removes a source that is off, with its secret, tracking state, preview, history, run reports and pending removals. The
    /// identities it synchronized stay in the store (adding a source with the same name links them again).
    ///
    /// What belongs to the source goes first, the source itself last: a removal that fails (or a
    /// process that stops) half way leaves the source listed, off — removing it again finishes —
    /// and a source added later under its name never inherits its history, tracking or pending
    /// removals. Meanwhile the source is gone for every other call (it cannot be turned on,
    /// changed or synchronized), and its name and domain stay taken.
    /// - Throws: ``DirectoryServiceError`` (`sourceIsOn`) when it is not off; ``SecretStoreError``
    ///   and ``SyncStateError`` when something cannot be removed (the source stays).
    public func removeSource(_ id: SourceID) async throws {
        try? await refresh()
        let source = try source(id)
        guard source.state == .off, runs[id] == nil else { throw DirectoryServiceError(.sourceIsOn, "'\(source.name)' is on or synchronizing", fix: "Turn the source off before removing it.") }
        // The source is held while it is removed: no run of any replica (one that began before the
        // source was turned off, or a late scheduler pass) writes its tracking or history after
        // they are gone. A run another replica still makes is not cut short.
        let claim = try await holdSource(source, doing: "remove the source")
        do {
            try await remove(source, claim: claim)
        } catch {
            await claim.release()
            throw error
        }
        await claim.release()
    }

    /// ``removeSource(_:)`` once the source is held.
    private func remove(_ source: Source, claim: any RunClaim) async throws {
        let id = source.id
        guard sources[id]?.state == .off, runs[id] == nil else {
            throw DirectoryServiceError(.sourceIsOn, "'\(source.name)' is on or synchronizing", fix: "Turn the source off before removing it.")
        }
        sources[id] = nil
        synchronizers[id] = nil
        removing[id] = source
        defer { removing[id] = nil }
        do {
            try await removeSecrets(of: source)
            try await state.setData([StateKey.tracking(id), .mirror(id), .preview(id), .pendingRemovals(id)].map { (key: $0, data: nil) }, fencedBy: claim)
            // The reports, those of runs an index replaced after damage no longer lists included;
            // the history that names those runs goes last, so a removal tried again finds them.
            let runs = (try? await state.load([RunRecord].self, for: .history(id)))?.map(\.id) ?? []
            try await RunReportShelf(state: state, sourceID: id, retention: configuration.reports).removeAll(runs: runs)
            try await state.setData([(key: .history(id), data: nil)], fencedBy: claim)
            removing[id] = nil
            try await persist()
        } catch {
            // Still listed in the saved sources (or saved without it on the next change): back.
            sources[id] = source
            throw error
        }
    }

    /// Claims the source's run for work that must not overlap any run of it (removal, reset of
    /// change tracking), across every replica.
    /// - Parameters:
    ///   - source: The source.
    ///   - work: What is done, for the error (`remove the source`).
    /// - Returns: The claim, to release once the work is done.
    /// - Throws: ``DirectoryServiceError`` (`synchronizationRunning`, naming the replica) while a run
    ///   holds the source; ``SyncCoordinationError`` when the coordinator cannot be reached.
    func holdSource(_ source: Source, doing work: String) async throws -> any RunClaim {
        switch try await coordinator.claimRun(of: source.id, runID: UUID().uuidString) {
        case .claimed(let claim): return claim
        case .heldBy(let holder):
            throw DirectoryServiceError(
                .synchronizationRunning, "'\(source.name)' is synchronizing on replica '\(holder.replica)'", fix: "Wait for the run to finish, then \(work).")
        }
    }

    private func checkedName(_ name: String, for id: SourceID?) throws(DirectoryServiceError) -> String {
        let name = name.trimmed
        guard !name.isEmpty, name.count <= 100 else { throw DirectoryServiceError(.invalidInput, "A source needs a name of 1 to 100 characters", fix: "Enter a name of that length.") }
        let slug = SourceID(DomainName.slug(name))
        if let other = listed.first(where: { $0.id != id && ($0.name.lowercased() == name.lowercased() || $0.id == slug) }) {
            throw DirectoryServiceError(.duplicateName, "The source '\(other.name)' already has this name", fix: "Choose another.")
        }
        return name
    }

    /// The longest description a source can have, in characters.
    public static let maximumDescriptionLength = 1_000

    private static func checkedDescription(_ description: String) throws(DirectoryServiceError) -> String {
        guard description.count <= maximumDescriptionLength else {
            throw DirectoryServiceError(
                .invalidInput, "A source's description can have at most \(maximumDescriptionLength) characters; this one has \(description.count)",
                fix: "Shorten the description.")
        }
        return description
    }

    private func checkedDomain(_ domain: String, for id: SourceID?) throws(DirectoryServiceError) -> String {
        let domain = try DomainName.normalize(domain)
        if configuration.onPremisesDomains.contains(where: { (try? DomainName.normalize($0)) == domain }) {
            throw DirectoryServiceError(
                .onPremisesDomain, "'\(domain)' is synchronized from on-premises Active Directory; a domain cannot come from both", fix: "Use another domain.")
        }
        if let other = listed.first(where: { $0.id != id && $0.domain == domain }) {
            throw DirectoryServiceError(
                .duplicateDomain, "The source '\(other.name)' already synchronizes '\(domain)'; a domain can have one Entra source only",
                fix: "Use that source, or remove it first.")
        }
        // Another verified domain (or the id) of a tenant another source synchronizes.
        if let conflict = tenantConflict(TenantClaim(domain: domain, typedTenant: nil, known: nil), for: id) { throw conflict }
        return domain
    }

    // MARK: Bookkeeping

    /// Every source, with those being removed (they stay saved until their removal is done).
    var listed: [Source] { (Array(sources.values) + removing.values).sorted { $0.name.lowercased() < $1.name.lowercased() } }

    func setState(_ id: SourceID, _ new: SourceState) {
        guard let old = sources[id]?.state, old != new else { return }
        sources[id]?.state = new
        hub.emit(.stateChanged(id, from: old, to: new))
    }
}
