import DirectorySync
import DirectorySyncEntra
import DirectorySyncEtcd
import DirectorySyncHTTP
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension AdminContext {
    /// The environment variables of etcd's user and password (when the cluster has authentication on).
    static let etcdUserVariable = "DIRSYNC_ETCD_USER"
    static let etcdPasswordVariable = "DIRSYNC_ETCD_PASSWORD"

    /// The service over state in etcd: every process carries out its own commands and coordinates
    /// with the others through etcd; the identity store is `--scim-url` or `--store DIR`; the
    /// secrets come from the environment.
    static func openShared(_ location: StateLocation, access: Access, arguments: inout Arguments) async throws -> AdminContext {
        guard case .etcd(let etcd) = location else { preconditionFailure("openShared takes etcd state") }
        let json = arguments.flag("json")
        let replica = try replicaName(&arguments)
        let ttl = try arguments.integer("lease-ttl", in: 2...600) ?? 10
        let store = try await sharedIdentityStore(&arguments, access: access)
        let client = try etcdClient(etcd)
        let clock = try SyncClock.forCommandLine()
        // The state store names and ages its chunk generations on the real time, whatever clock
        // the service runs on.
        let state = EtcdSyncStateStore(client: client, prefix: etcd.prefix)
        let coordinator = EtcdSyncCoordinator(client: client, prefix: etcd.prefix, replica: replica, configuration: .init(ttl: .seconds(ttl)), clock: clock)
        let secrets = EnvironmentSecretStore()
        // Every process may synchronize: each one that writes posts the notifications of its runs.
        let webhook = access == .write ? await Self.webhook(state: state, secrets: secrets) : nil
        let service: DirectoryService
        do {
            service = try await DirectoryService.open(
                store: store, state: state, secrets: secrets, connector: GraphDirectoryConnector(),
                configuration: .init(notifiers: webhook.map { [$0] } ?? [], coordinator: coordinator), clock: clock)
        } catch {
            await coordinator.shutdown()
            throw error
        }
        return AdminContext(
            location: location, service: service, store: store, secrets: secrets, json: json, webhook: webhook, ownership: nil, server: nil,
            closing: { await coordinator.shutdown() }, replica: replica)
    }

    /// `--replica NAME`, or this host's name and process id.
    private static func replicaName(_ arguments: inout Arguments) throws -> String {
        if let name = try arguments.option("replica") {
            guard name.wholeMatch(of: /[A-Za-z0-9][A-Za-z0-9._-]{0,62}/) != nil else {
                throw UsageError("--replica takes a name of 1 to 63 letters, digits and . _ - (starting with a letter or digit), not '\(Terminal.safe(name))'")
            }
            return name
        }
        let host = ProcessInfo.processInfo.hostName.split(separator: ".").first.map(String.init) ?? "host"
        let safe = String(host.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") ? $0 : "-" }.prefix(40))
        return "\(safe.isEmpty ? "host" : safe)-\(getpid())"
    }

    /// The identity store shared by the replicas: `--scim-url URL --scim-token-env VAR`, or a file
    /// store `--store DIR` (read-only for commands that only read; one writing process at a time).
    private static func sharedIdentityStore(_ arguments: inout Arguments, access: Access) async throws -> any IdentityStore {
        let scim = try SCIMStoreOptions.parse(&arguments)
        let folder = try arguments.option("store")
        switch (scim, folder) {
        case (let scim?, nil):
            return scim
        case (nil, let path?):
            guard !path.isEmpty else { throw UsageError("--store needs the identity store's folder") }
            let url = URL(fileURLWithPath: path, isDirectory: true)
            try OwnerOnlyFile.prepareFolder(url, followingLink: true, creating: access == .write)
            do {
                return try await FileIdentityStore.open(folder: url, access: access == .read ? .readOnly : .readWrite)
            } catch let error as IdentityStoreError where error.code == .unavailable {
                throw AdminControl.ForwardedFailure(
                    description: "\(error.description) — a file identity store takes one writing process at a time; with several replicas, use a SCIM server (--scim-url)")
            }
        case (.some, .some):
            throw UsageError("give the identity store once: --scim-url URL --scim-token-env VAR, or --store DIR")
        case (nil, nil):
            throw UsageError(
                "with --state etcd://…, name the identity store the replicas share: --scim-url URL --scim-token-env VAR, or --store DIR (a file store: one writing process at a time)")
        }
    }

    /// The etcd client for the location, with the user and password from the environment.
    private static func etcdClient(_ etcd: StateLocation.Etcd) throws -> EtcdClient {
        let environment = ProcessInfo.processInfo.environment
        let user = environment[etcdUserVariable].flatMap { $0.isEmpty ? nil : $0 }
        let password = environment[etcdPasswordVariable].flatMap { $0.isEmpty ? nil : Secret($0) }
        guard (user == nil) == (password == nil) else {
            throw UsageError("set both \(etcdUserVariable) and \(etcdPasswordVariable) (etcd's user and password), or neither")
        }
        do {
            return try EtcdClient(configuration: .init(endpoints: etcd.endpoints, username: user, password: password))
        } catch let error as EtcdError {
            throw UsageError(error.description)
        }
    }

    /// A missing client secret, where every replica reads it from the environment: the fix names
    /// the variable to set (the service's own says to save the secret, which etcd state never does).
    /// - Parameters:
    ///   - error: The service's error.
    ///   - source: The source it is about.
    ///   - secrets: The secret store in use.
    /// - Returns: The error, with the variable named when it is `missingSecret` and the secrets come from the environment.
    static func namingVariable(_ error: DirectoryServiceError, source: Source, secrets: any SecretStore) -> DirectoryServiceError {
        guard error.code == .missingSecret, let environment = secrets as? EnvironmentSecretStore else { return error }
        return DirectoryServiceError(
            .missingSecret, "No client secret for '\(source.name)' is in this process's environment",
            fix: "Set \(environment.variableName(for: source.secretKey)) to the client secret, on every replica (it is never saved in etcd).", underlying: error)
    }
}
