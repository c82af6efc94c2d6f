import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import Foundation

/// What `dirsync --state …` works on: the service over the state (a folder, or a prefix in etcd),
/// the identity store and the secrets.
///
/// **A state folder**: `DIR/state` holds sources, tracking, previews and history; `DIR/secrets`
/// the client secrets (owner-only); `DIR/store` the identity store, unless `--scim-url` names a
/// SCIM server; `DIR/control` who owns the folder and requests to it (``AdminControl``). Every
/// folder is created owner-only (0700), tightened when it is looser, and refused — with every file
/// in it — when another user owns it or can write to a file: another local user must never be able
/// to redirect the client secret by changing a saved endpoint.
///
/// **etcd** (`etcd://HOST:PORT[,…]/PREFIX`): the state lives under PREFIX in the cluster, shared by
/// every process (replica) given the same location; nobody owns it, each process carries out its
/// own commands, and the replicas coordinate through etcd (one run per source, the store's lock,
/// scheduled slots run once). The identity store is `--scim-url` or `--store DIR` (a file store:
/// one writing process at a time); secrets come from the environment (``EnvironmentSecretStore``).
struct AdminContext {
    /// Whether a command writes the state.
    enum Access {
        /// Reads only: never waits for the folder's owner.
        case read
        /// Writes: owns the folder, or hands requests to the process that does.
        case write
    }

    /// Where the state is.
    let location: StateLocation
    let service: DirectoryService
    let store: any IdentityStore
    /// The secret store: the folder's (`DIR/secrets`), or the environment with etcd state.
    let secrets: any SecretStore
    let json: Bool
    /// The webhook of the saved notification settings, attached when this process may
    /// synchronize (it owns the folder, or the state is in etcd); ``close()`` waits for its deliveries.
    let webhook: WebhookNotifier?
    /// Held while this process owns the folder; `nil` when it only reads, another process owns
    /// it, or the state is in etcd (nobody owns it).
    let ownership: AdminControl.Ownership?
    let server: AdminControl.Server?
    /// What ``close()`` ends besides: the etcd coordinator's session (its claims and locks go at once).
    let closing: (@Sendable () async -> Void)?
    /// This process's name among the replicas sharing etcd state (`--replica`); `nil` with a folder.
    let replica: String?

    /// The state folder, when the state is in one.
    var folder: URL? {
        if case .folder(let folder) = location { folder } else { nil }
    }

    /// Whether this process carries out its own requests: it owns the folder, or the state is in
    /// etcd (where every process does).
    var carriesOutRequests: Bool { ownership != nil || folder == nil }

    static func open(state location: StateLocation, command: String, access: Access, arguments: inout Arguments) async throws -> AdminContext {
        guard case .folder(let folder) = location else {
            return try await openShared(location, access: access, arguments: &arguments)
        }
        for option in ["replica", "lease-ttl", "store"] where arguments.contains(option) {
            throw UsageError(
                "--\(option) goes with --state etcd://… (replicas sharing their state in etcd); with a state folder, one process at a time writes it and the store is DIR/store or --scim-url")
        }
        let json = arguments.flag("json")
        try prepare(folder)
        let ownership = access == .write ? try AdminControl.Ownership.take(folder, command: command, attempts: 3) : nil
        return try await make(folder: folder, ownership: ownership, scim: try SCIMStoreOptions.parse(&arguments), json: json)
    }

    /// The service over the folder: the file store read-write when this process owns the folder,
    /// read-only otherwise (or the SCIM store named on the command line).
    private static func make(folder: URL, ownership: AdminControl.Ownership?, scim: (any IdentityStore)?, json: Bool) async throws -> AdminContext {
        let store: any IdentityStore
        if let scim {
            store = scim
        } else {
            store = try await FileIdentityStore.open(folder: folder.appendingPathComponent("store"), access: ownership == nil ? .readOnly : .readWrite)
        }
        let state = try FileSyncStateStore(folder: folder.appendingPathComponent("state"))
        let secrets = try FileSecretStore(folder: folder.appendingPathComponent("secrets"))
        let webhook = ownership == nil ? nil : await Self.webhook(state: state, secrets: secrets)
        let service = try await DirectoryService.open(
            store: store, state: state, secrets: secrets, connector: GraphDirectoryConnector(),
            configuration: .init(notifiers: webhook.map { [$0] } ?? []), clock: try SyncClock.forCommandLine())
        let server = ownership == nil ? nil : AdminControl.Server(folder: folder, service: service, secrets: secrets)
        return AdminContext(
            location: .folder(folder), service: service, store: store, secrets: secrets, json: json, webhook: webhook, ownership: ownership, server: server,
            closing: nil, replica: nil)
    }

    /// The webhook the saved notification settings describe, if any. Settings that cannot be used
    /// are said on standard error and leave notifications off: they never stop a synchronization.
    static func webhook(state: any SyncStateStore, secrets: any SecretStore) async -> WebhookNotifier? {
        do {
            guard let settings = try await state.load(NotificationSettings.self, for: .notificationSettings) else { return nil }
            return try await WebhookNotifier(settings: settings, secrets: secrets)
        } catch {
            Terminal.error("dirsync: notifications are off in this process: \(Terminal.safe("\(error)")); check them with: notify show, notify test")
            return nil
        }
    }

    /// How long a process waits for its notifications to be delivered before it exits.
    static let notificationWait: Duration = .seconds(10)

    /// Creates the state folder's folders owner-only, or checks and tightens them; `DIR` itself
    /// may be a link to a folder, the folders inside it may not.
    static func prepare(_ folder: URL, creating: Bool = true) throws {
        try OwnerOnlyFile.prepareFolder(folder, followingLink: true, creating: creating)
        for name in ["state", "secrets", "store", "control"] {
            try OwnerOnlyFile.prepareFolder(folder.appendingPathComponent(name), creating: creating)
        }
    }

    /// Stops taking other processes' requests while this one winds down; those taken are still
    /// carried out (``close()`` waits for them).
    func stopTakingRequests() { server?.stopTaking() }

    /// Stops taking requests and answers those already taken; then waits (at most
    /// ``notificationWait``) for the webhook to deliver what it was handed, and says on standard
    /// error what could not be delivered; then ends the etcd session, if any (its claims and locks
    /// are released at once instead of when their lease expires).
    func close() async {
        await server?.stop()
        await flushNotifications()
        await closing?()
    }

    private func flushNotifications() async {
        guard let webhook else { return }
        let flushed = await webhook.flush(timeout: Self.notificationWait)
        let statistics = webhook.statistics
        if !flushed {
            Terminal.error("dirsync: \(statistics.pending.counted("notification")) not delivered: the webhook did not answer within \(Self.notificationWait.components.seconds) s")
        }
        if statistics.failed > 0 {
            Terminal.error("dirsync: \(statistics.failed.counted("notification")) could not be delivered: \(Terminal.safe(statistics.lastFailure ?? "unknown"))")
        }
        if statistics.dropped > 0 {
            Terminal.error("dirsync: \(statistics.dropped.counted("notification")) dropped: the webhook's queue was full")
        }
    }

    /// Carries out a request: here when this process owns the folder or the state is in etcd,
    /// else in the process that owns the folder.
    func submit(_ request: AdminControl.Request) async throws -> Int32 {
        guard let folder, ownership == nil else { return try AdminControl.finish(await AdminControl.perform(request, on: service, secrets: secrets)) }
        // Each round ends with a reply, with the folder taken here, or with a new owner (another
        // sender took the folder when the one before ended): the request then goes to that one,
        // sent anew (an owner refuses a request sent more than `requestLifetime` ago).
        let clock = ContinuousClock()
        let start = clock.now
        var request = request
        while clock.now - start < .seconds(AdminControl.requestLifetime) {
            request.sentAt = Date()
            if let reply = try await AdminControl.send(request, folder: folder, owner: AdminControl.Ownership.holder(of: folder)) {
                return try AdminControl.finish(reply)
            }
            // The owner ended before it took the request: take the folder and carry it out here.
            guard let ownership = try AdminControl.Ownership.take(folder, command: request.command, attempts: 3) else { continue }
            let owner = try await Self.make(folder: folder, ownership: ownership, scim: store is FileIdentityStore ? nil : store, json: json)
            let reply = await AdminControl.perform(request, on: owner.service, secrets: owner.secrets)
            await owner.close()
            return try AdminControl.finish(reply)
        }
        throw AdminControl.ForwardedFailure(
            description: "no process that held '\(folder.path)' took the request within \(Int(AdminControl.requestLifetime)) s: each ended before it did, and another took the folder first; run the command again")
    }

    /// Refuses a command that needs the folder to itself while another process owns it (etcd
    /// state has no owner: the replicas coordinate through etcd).
    func requireOwnership(_ command: String) throws {
        guard let folder, ownership == nil else { return }
        let holder = AdminControl.Ownership.holder(of: folder).map { "process \($0.pid) ('\($0.command)', since \($0.since.shortText))" } ?? "another process"
        throw AdminControl.ForwardedFailure(
            description: "'\(folder.path)' is in use by \(holder); '\(command)' needs the folder to itself, so wait for that process to finish or stop it. "
                + "Meanwhile status, history, explain, source list, source show, users and groups read the folder, and on, off [--cancel], filter set, schedule set, policy set, credentials set, tracking reset and sync are carried out by that process")
    }

    /// The source named by `--source` (required).
    func source(_ arguments: inout Arguments) async throws -> Source {
        guard let name = try arguments.option("source") else { throw UsageError("--source NAME is required") }
        return try await service.source(named: name)
    }

    /// Prints a value as JSON (sorted keys, ISO 8601 dates) on standard output.
    func printJSON(_ value: some Encodable) throws { print(try JSONOutput.text(value)) }

    /// Shows a source's events (state changes, phases) as a progress line on a terminal.
    func showProgress() -> Task<Void, Never>? {
        guard Terminal.errorIsTerminal else { return nil }
        let events = service.events(includingOperations: false)
        return Task {
            for await event in events {
                switch event {
                case .stateChanged(let id, _, let to): Terminal.progress("\(id): \(to)")
                case .progress(let id, .phaseStarted(let phase, let operations)): Terminal.progress("\(id): \(phase) (\(operations.grouped) operations)")
                case .runFinished: Terminal.endProgress()
                default: continue
                }
            }
        }
    }
}
