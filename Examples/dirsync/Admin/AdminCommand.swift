import DirectorySync
import Foundation

/// `dirsync --state DIR <command>`: the administrator's workflow over a state folder, or over state
/// shared in etcd (`--state etcd://…`) by several replicas.
enum AdminCommand {
    static let help = """
        Usage: dirsync --state DIR <command> [options] [--json]
               dirsync --state etcd://HOST:PORT[,HOST:PORT…]/PREFIX <command>
                       (--scim-url URL --scim-token-env VAR | --store DIR) [--replica NAME] [--lease-ttl SECONDS] [options] [--json]

        Administers sources kept in the folder DIR (created if missing): DIR/state holds sources,
        change tracking, previews and history; DIR/secrets the client secrets (owner-only);
        DIR/store the identity store (or give --scim-url URL --scim-token-env VAR for a SCIM server).

          source add --name NAME --domain DOMAIN [--description TEXT]
          source list | show --source NAME | remove --source NAME
          source edit --source NAME [--name NAME] [--description TEXT] [--domain DOMAIN]   (the domain
                  only while off; a domain of a tenant another source holds is refused)
          credentials set --source NAME --client-id ID --tenant DOMAIN
                          (--client-secret-env VAR | --client-secret-stdin) [--secret-expires YYYY-MM-DD]
                          [--login-url URL --graph-url URL]
                  while the source is on, they are tested first and replace the ones in use only
                  when the test passes (exit 1, nothing changed, otherwise)
          credentials set --source NAME --secret-expires YYYY-MM-DD   the expiry date alone
          credentials set --source NAME (--client-secret-env VAR | --client-secret-stdin)
                          [--secret-expires YYYY-MM-DD]   a new secret, keeping client id and tenant
          test-connection --source NAME
          filter set --source NAME (--all | --groups EXPR | --users EXPR)
          schedule set --source NAME --kind KIND [--every N] [--at HH:MM] [--days LIST] [--dates LIST] [--time-zone ZONE]
          policy set --source NAME [--removal remove|disable|disable-then-remove|never] [--grace 7d]
                     [--missing-email sync|skip] [--guard-users N|P%] [--guard-groups N|P%]
                     [--guard-memberships N|P%]   change the given policies, keep the others; a guard
                  is a count (500), a percentage of what the source owns (20%), both (500,20%) or off;
                  the grace (d, h, m or s) is disable-then-remove's
          policy show --source NAME   the policies, as policy set takes them (--json: the settings)
          on | off [--cancel] | sync | status | history | users | groups   --source NAME
          sync --source NAME [--full] [--confirm-removals]   --full reads every user and group instead
                  of the changes; --confirm-removals applies the removals the deletion guard stopped
          tracking reset --source NAME   forget the change tracking: the next run reads everything
          users --manual-unmatched   the store's manual users that no source matched
          sync --source NAME --user KEY   synchronize one user now (an id, user principal name or email
                  address): its own changes and memberships; recorded as a run with trigger onDemand
          explain --source NAME (--user KEY | --group KEY) [--json]   step by step: in the directory?
                  in scope (which condition, which group path)? which identity? what a synchronization
                  would do, and what the last run did (reads only; exit 0 also when the key names nothing)
          preview --source NAME [--show [--new] [--action A] [--offset N --limit N]] [--export FILE --format json|jsonl|csv] [--json]
                  --show shows the kept preview while it is valid (--new makes a new one); without it,
                  a new one is made; --action A shows only records with that action
          history --source NAME --run ID|last [--outcome O] [--action A] [--kind K] [--subject TEXT]
                  [--offset N --limit N | --export FILE --format json|jsonl|csv]   what one run did to each object
          notify set --webhook URL [--token-env VAR] [--events LIST]   post one JSON document per
                  event to URL (https; http only to loopback) from every process that synchronizes;
                  the URL and the token from the environment variable VAR are kept in DIR/secrets
                  (only the URL's scheme and host are shown), the token sent as a bearer token;
                  LIST: runFailed, quarantined, released, needsConfirmation, secretExpiring,
                  secretExpired, conflictsIncreased (default: all)
          notify show | test | remove   the settings (never the whole URL nor the token) | send a
                  test event and show the receiver's answer (exit 1 unless 2xx) | stop notifying
          run-scheduler     run due synchronizations until interrupted (Ctrl-C)
          run-due           run the synchronizations due now, once, and exit: for cron or a systemd
                  timer (every few minutes), instead of sync, which releases a quarantine; exit 1
                  when a run did not succeed
          store check       report damage in DIR/store's files (exit 1 when damaged); changes no file
          store repair      keep every write before the damage; the damaged files go to DIR/store/backup/

        While one process works on DIR (sync, run-scheduler …), status, history, explain, source
        list/show, policy show, users and groups read it (and preview --show a kept preview), and on,
        off [--cancel], filter set, schedule set, policy set, credentials set, tracking reset and sync
        [--full | --user KEY] are carried out by that process; other commands say which process holds
        the folder.

        State in etcd (--state etcd://HOST:PORT[,HOST:PORT…]/PREFIX, etcds:// for https): sources,
        change tracking, previews and history live under PREFIX in the etcd cluster, shared by every
        process given the same location (replicas, on one host or many). Every command works as
        with a folder; each process carries out its own, and the replicas coordinate through etcd:
        one run per source at a time (a sync started while another replica runs the source waits
        for that run and prints its record), one plan-and-apply at a time on the identity store, and
        each scheduled run once however many replicas run run-scheduler; status names the replica
        running a source. off turns a source off everywhere, but waits for (or with --cancel
        cancels) a run of its own process only: a run on another replica finishes first. The
        identity store is --scim-url URL --scim-token-env VAR, or --store DIR (a file store: one
        writing process at a time). Secrets never go to etcd: every replica reads a source's client
        secret from DIRSYNC_SECRET_<SOURCE>_CLIENT_SECRET (so credentials set takes no secret
        option), the webhook's URL and token from DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_URL and
        DIRSYNC_SECRET_NOTIFICATIONS_WEBHOOK_TOKEN, and etcd's user and password from
        DIRSYNC_ETCD_USER and DIRSYNC_ETCD_PASSWORD.
          --replica NAME        this process's name in status and in etcd (default HOST-PID)
          --lease-ttl SECONDS   how long the runs and locks of a replica that stopped answering stay
                                held before another replica takes over (default 10; 2 to 600)
          store check | repair --store DIR   the file identity store DIR

        The secret is never taken as an argument: give the name of an environment variable that
        holds it, or pipe it on standard input. --json prints JSON for scripts. Exit status: 0 done,
        1 the operation failed (sync, run-due: a run that did not succeed — partially failed,
        stopped by the deletion guard, cancelled or failed), 2 invalid input.
        """

    static func run(state location: StateLocation, _ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        if arguments.flag("help") || arguments.isEmpty {
            print(help)
            return 0
        }
        guard let command = arguments.subcommand() else { throw UsageError("a command is needed after --state DIR; see 'dirsync --state DIR --help'") }
        let subcommand = ["source", "credentials", "filter", "schedule", "store", "notify", "policy", "tracking"].contains(command) ? arguments.subcommand() : nil
        let name = [command, subcommand].compactMap { $0 }.joined(separator: " ")
        if command == "store" { return try await storeCommand(location, subcommand, &arguments) }
        let context = try await AdminContext.open(state: location, command: name, access: readOnlyCommands.contains(name) ? .read : .write, arguments: &arguments)
        do {
            let status = try await dispatch(command, subcommand, context, &arguments)
            await context.close()
            return status
        } catch let error as DirectoryServiceError {
            await context.close()
            throw Self.classify(error)
        } catch let error as FilterError {
            await context.close()
            throw UsageError(error.message)
        } catch {
            await context.close()
            throw error
        }
    }

    /// `store check` and `store repair`: the file identity store's damage, found and cut out —
    /// `DIR/store` of a state folder, or the folder `--store DIR` names with etcd state.
    private static func storeCommand(_ location: StateLocation, _ subcommand: String?, _ arguments: inout Arguments) async throws -> Int32 {
        let json = arguments.flag("json")
        guard case .folder(let folder) = location else {
            guard let path = try arguments.option("store"), !path.isEmpty else {
                throw UsageError("with --state etcd://…, store check and store repair work on a file identity store: give its folder with --store DIR")
            }
            try arguments.finish()
            let store = URL(fileURLWithPath: path, isDirectory: true)
            guard FileManager.default.fileExists(atPath: store.path) else { throw UsageError("there is no identity store folder at '\(store.path)'; check the path given to --store") }
            try OwnerOnlyFile.prepareFolder(store, followingLink: true, creating: false)
            switch subcommand {
            case "check": return try StoreCheckCommand.run(store: store, json: json)
            // The store's own lock keeps a writing replica out while it is repaired.
            case "repair": return try await StoreRepairCommand.run(store: store, json: json)
            default: throw UsageError("use 'store check' or 'store repair'")
            }
        }
        try arguments.finish()
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw UsageError("there is no state folder at '\(folder.path)'; check the path given to --state")
        }
        // Checked (and tightened) like every command's folders, but nothing is created for a check.
        try AdminContext.prepare(folder, creating: subcommand == "repair")
        switch subcommand {
        case "check": return try StoreCheckCommand.run(store: folder.appendingPathComponent("store"), json: json)
        case "repair": return try await StoreRepairCommand.run(folder: folder, json: json)
        default: throw UsageError("use 'store check' or 'store repair'")
        }
    }

    /// Commands that only read: they work while another process owns the folder.
    static let readOnlyCommands: Set<String> = ["status", "history", "explain", "users", "groups", "source list", "source show", "notify show", "notify test", "policy show"]

    /// Runs the command named by `command` and `subcommand` (the words after `--state DIR`).
    private static func dispatch(_ command: String, _ subcommand: String?, _ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        switch (command, subcommand) {
        case ("source", "add"): return try await SourceAddCommand.run(context, &arguments)
        case ("source", "list"): return try await SourceListCommand.run(context, &arguments)
        case ("source", "show"): return try await SourceShowCommand.run(context, &arguments)
        case ("source", "remove"): return try await SourceRemoveCommand.run(context, &arguments)
        case ("source", "edit"): return try await SourceEditCommand.run(context, &arguments)
        case ("source", _): throw UsageError("use 'source add', 'source list', 'source show', 'source edit' or 'source remove'")
        case ("policy", "set"): return try await PolicySetCommand.run(context, &arguments)
        case ("policy", "show"): return try await PolicyShowCommand.run(context, &arguments)
        case ("policy", _): throw UsageError("use 'policy set' or 'policy show'")
        case ("tracking", "reset"): return try await TrackingResetCommand.run(context, &arguments)
        case ("tracking", _): throw UsageError("use 'tracking reset'")
        case ("credentials", "set"): return try await CredentialsSetCommand.run(context, &arguments)
        case ("credentials", _): throw UsageError("use 'credentials set'")
        case ("test-connection", _): return try await AdminTestConnectionCommand.run(context, &arguments)
        case ("filter", "set"): return try await FilterSetCommand.run(context, &arguments)
        case ("filter", _): throw UsageError("use 'filter set'")
        case ("schedule", "set"): return try await ScheduleSetCommand.run(context, &arguments)
        case ("schedule", _): throw UsageError("use 'schedule set'")
        case ("on", _): return try await OnCommand.run(context, &arguments)
        case ("off", _): return try await OffCommand.run(context, &arguments)
        case ("sync", _): return try await SyncCommand.run(context, &arguments)
        case ("preview", _): return try await AdminPreviewCommand.run(context, &arguments)
        case ("status", _): return try await StatusCommand.run(context, &arguments)
        case ("history", _): return try await HistoryCommand.run(context, &arguments)
        case ("explain", _): return try await ExplainCommand.run(context, &arguments)
        case ("users", _): return try await UsersCommand.run(context, &arguments)
        case ("groups", _): return try await GroupsCommand.run(context, &arguments)
        case ("run-scheduler", _): return try await RunSchedulerCommand.run(context, &arguments)
        case ("run-due", _): return try await RunDueCommand.run(context, &arguments)
        case ("notify", "set"): return try await NotifySetCommand.run(context, &arguments)
        case ("notify", "show"): return try await NotifyShowCommand.run(context, &arguments)
        case ("notify", "test"): return try await NotifyTestCommand.run(context, &arguments)
        case ("notify", "remove"): return try await NotifyRemoveCommand.run(context, &arguments)
        case ("notify", _): throw UsageError("use 'notify set', 'notify show', 'notify test' or 'notify remove'")
        default: throw UsageError("unknown command '\(Terminal.safe(command))'; see 'dirsync --state DIR --help'")
        }
    }

    /// A request about a source, carried out here or by the folder's owner.
    static func request(
        _ action: AdminControl.Request.Action, _ source: Source, _ context: AdminContext, _ details: (inout AdminControl.Request) -> Void = { _ in }
    ) -> AdminControl.Request {
        var request = AdminControl.Request(action: action, sourceID: source.id, json: context.json, sentAt: Date())
        details(&request)
        return request
    }

    /// Invalid input exits with 2, an operation that could not be done with 1.
    static func classify(_ error: DirectoryServiceError) -> any Error {
        switch error.code {
        case .invalidInput, .duplicateName, .duplicateDomain, .duplicateTenant, .onPremisesDomain, .tooManySources, .unknownSource: UsageError(error.description)
        default: error
        }
    }
}
