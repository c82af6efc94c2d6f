import DirectorySync
import DirectorySyncEntra
import Foundation

/// `dirsync --state DIR <command>`: the administrator's workflow over a state folder.
enum AdminCommand {
    static let help = """
        Usage: dirsync --state DIR <command> [options] [--json]

        Administers sources kept in the folder DIR (created if missing): DIR/state holds sources,
        change tracking, previews and history; DIR/secrets the client secrets (owner-only);
        DIR/store the identity store (or give --scim-url URL --scim-token-env VAR for a SCIM server).

          source add --name NAME --domain DOMAIN [--description TEXT]
          source list | show --source NAME | remove --source NAME
          credentials set --source NAME --client-id ID --tenant DOMAIN
                          (--client-secret-env VAR | --client-secret-stdin) [--secret-expires YYYY-MM-DD]
                          [--login-url URL --graph-url URL]
          test-connection --source NAME
          filter set --source NAME (--all | --groups EXPR | --users EXPR)
          schedule set --source NAME --kind KIND [--every N] [--at HH:MM] [--days LIST] [--dates LIST] [--time-zone ZONE]
          on | off [--cancel] | sync | status | history | users | groups   --source NAME
          preview --source NAME [--show [--offset N --limit N]] [--export FILE --format json|jsonl|csv]
          run-scheduler     run due synchronizations until interrupted (Ctrl-C)
          store check       report damage in DIR/store's files (exit 1 when damaged); changes no file
          store repair      keep every write before the damage; the damaged files go to DIR/store/backup/

        While one process works on DIR (sync, run-scheduler …), status, history, source list/show,
        users and groups read it, and on, off [--cancel], filter set, schedule set and sync are
        carried out by that process; other commands say which process holds the folder.

        The secret is never taken as an argument: give the name of an environment variable that
        holds it, or pipe it on standard input. --json prints JSON for scripts. Exit status: 0 done,
        1 the operation failed, 2 invalid input.
        """

    static func run(state folder: String, _ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        if arguments.flag("help") || arguments.isEmpty {
            print(help)
            return 0
        }
        guard let command = arguments.subcommand() else { throw UsageError("a command is needed after --state DIR; see 'dirsync --state DIR --help'") }
        let subcommand = ["source", "credentials", "filter", "schedule", "store"].contains(command) ? arguments.subcommand() : nil
        let name = [command, subcommand].compactMap { $0 }.joined(separator: " ")
        if command == "store" { return try await storeCommand(URL(fileURLWithPath: folder, isDirectory: true), subcommand, &arguments) }
        let context = try await AdminContext.open(folder: folder, command: name, access: readOnlyCommands.contains(name) ? .read : .write, arguments: &arguments)
        do {
            let status = try await dispatch(command, subcommand, context, &arguments)
            await context.close()
            return status
        } catch let error as DirectoryServiceError {
            await context.close()
            throw Self.classify(error)
        } catch let error as FilterError {
            await context.close()
            throw UsageError(error.description)
        } catch {
            await context.close()
            throw error
        }
    }

    /// `store check` and `store repair`: the file identity store's damage, found and cut out.
    private static func storeCommand(_ folder: URL, _ subcommand: String?, _ arguments: inout Arguments) async throws -> Int32 {
        let json = arguments.flag("json")
        try arguments.finish()
        guard FileManager.default.fileExists(atPath: folder.path) else {
            throw UsageError("there is no state folder at '\(folder.path)'; check the path given to --state")
        }
        // Checked (and tightened) like every command's folders, but nothing is created for a check.
        try AdminContext.prepare(folder, creating: subcommand == "repair")
        let store = folder.appendingPathComponent("store")
        switch subcommand {
        case "check":
            let health = try FileIdentityStore.check(folder: store)
            if json { try print(AdminContext.jsonText(health)) } else { print(Terminal.safe(lines: health.description)) }
            return health.isHealthy ? 0 : 1
        case "repair":
            guard let ownership = try AdminControl.Ownership.take(folder, command: "store repair", attempts: 3) else {
                let holder = AdminControl.Ownership.holder(of: folder).map { "process \($0.pid) ('\($0.command)')" } ?? "another process"
                throw AdminControl.ForwardedFailure(description: "'\(folder.path)' is in use by \(holder); stop it before repairing the store")
            }
            let report = try await FileIdentityStore.repair(folder: store)
            withExtendedLifetime(ownership) {}
            if json { try print(AdminContext.jsonText(report)) } else { print(Terminal.safe(lines: report.description)) }
            return 0
        default:
            throw UsageError("use 'store check' or 'store repair'")
        }
    }

    /// Commands that only read: they work while another process owns the folder.
    static let readOnlyCommands: Set<String> = ["status", "history", "users", "groups", "source list", "source show"]

    private static func dispatch(_ command: String, _ subcommand: String?, _ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        switch command {
        case "source": return try await sourceCommand(context, subcommand, &arguments)
        case "credentials":
            guard subcommand == "set" else { throw UsageError("use 'credentials set'") }
            try context.requireOwnership("credentials set")
            return try await setCredentials(context, &arguments)
        case "test-connection":
            try context.requireOwnership(command)
            return try await testConnection(context, &arguments)
        case "filter":
            guard subcommand == "set" else { throw UsageError("use 'filter set'") }
            return try await setFilter(context, &arguments)
        case "schedule":
            guard subcommand == "set" else { throw UsageError("use 'schedule set'") }
            let source = try await context.source(&arguments)
            let schedule = try ScheduleOptions.parse(&arguments)
            try arguments.finish()
            return try await context.submit(request(.schedule, source, context) { $0.schedule = schedule })
        case "on":
            let source = try await context.source(&arguments)
            try arguments.finish()
            return try await context.submit(request(.on, source, context))
        case "off":
            let source = try await context.source(&arguments)
            let cancel = arguments.flag("cancel")
            try arguments.finish()
            return try await context.submit(request(.off, source, context) { $0.cancel = cancel })
        default: return try await AdminRunCommands.run(command, context, &arguments)
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
        case .invalidInput, .duplicateName, .duplicateDomain, .onPremisesDomain, .tooManySources, .unknownSource: UsageError(error.description)
        default: error
        }
    }

    private static func sourceCommand(_ context: AdminContext, _ subcommand: String?, _ arguments: inout Arguments) async throws -> Int32 {
        if let subcommand, !readOnlyCommands.contains("source \(subcommand)") { try context.requireOwnership("source \(subcommand)") }
        switch subcommand {
        case "add":
            guard let name = try arguments.option("name"), let domain = try arguments.option("domain") else {
                throw UsageError("source add needs --name NAME and --domain DOMAIN")
            }
            let description = try arguments.option("description") ?? ""
            try arguments.finish()
            let source = try await context.service.addSource(name: name, domain: domain, description: description)
            if context.json { try context.printJSON(source) } else { print("Added '\(Terminal.safe(source.name))' (\(source.domain)), off. Next: credentials set --source \"\(Terminal.safe(source.name))\" …") }
        case "list":
            try arguments.finish()
            let sources = await context.service.allSources()
            if context.json { try context.printJSON(sources); return 0 }
            if sources.isEmpty { print("No sources yet. Add one with: source add --name NAME --domain DOMAIN"); return 0 }
            print(Table.render(["NAME", "DOMAIN", "STATE", "SCHEDULE", "FILTER"], sources.map { [$0.name, $0.domain, $0.state.rawValue, "\($0.schedule)", "\($0.settings.filter)"] }))
        case "show":
            let source = try await context.source(&arguments)
            try arguments.finish()
            if context.json { try context.printJSON(source); return 0 }
            let credentials = source.credentials.map { "client \($0.clientID), tenant \($0.tenant)\($0.secretExpiration.map { ", secret expires \($0.shortText)" } ?? "")" }
            print("""
                Name:         \(Terminal.safe(source.name))
                Description:  \(Terminal.safe(source.description))
                Domain:       \(Terminal.safe(source.domain))
                State:        \(source.state)
                Credentials:  \(credentials.map(Terminal.safe(_:)) ?? "none")
                Tested:       \(source.credentialsTestedAt?.shortText ?? "no")
                Filter:       \(Terminal.safe("\(source.settings.filter)"))
                Schedule:     \(source.schedule)
                """)
        case "remove":
            let source = try await context.source(&arguments)
            try arguments.finish()
            try await context.service.removeSource(source.id)
            print("Removed '\(Terminal.safe(source.name))'. Its users and groups stay in the store.")
        default:
            throw UsageError("use 'source add', 'source list', 'source show' or 'source remove'")
        }
        return 0
    }

    private static func setCredentials(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        guard let clientID = try arguments.option("client-id"), let tenant = try arguments.option("tenant") else {
            throw UsageError("credentials set needs --client-id ID and --tenant DOMAIN")
        }
        let variable = try arguments.option("client-secret-env")
        let fromStandardInput = arguments.flag("client-secret-stdin")
        if try arguments.option("client-secret") != nil {
            throw UsageError("the secret is never given as an argument (it would be visible to other users); use --client-secret-env VAR or --client-secret-stdin")
        }
        var expiry: Date?
        if let text = try arguments.option("secret-expires") {
            guard let date = try? Date(text + "T00:00:00Z", strategy: .iso8601) else { throw UsageError("--secret-expires takes YYYY-MM-DD, not '\(text)'") }
            expiry = date
        }
        let login = try arguments.option("login-url").map(parseURL)
        let graph = try arguments.option("graph-url").map(parseURL)
        guard (login == nil) == (graph == nil) else { throw UsageError("--login-url and --graph-url go together") }
        try arguments.finish()
        let secret: Secret
        switch (variable, fromStandardInput) {
        case (let variable?, false):
            guard let value = ProcessInfo.processInfo.environment[variable], !value.isEmpty else {
                throw UsageError("the environment variable \(variable) is not set or empty")
            }
            secret = Secret(value)
        case (nil, true):
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw UsageError("no secret on standard input") }
            secret = Secret(line)
        default:
            throw UsageError("give exactly one of --client-secret-env VAR and --client-secret-stdin")
        }
        let credentials = SourceCredentials(clientID: clientID, tenant: tenant, secretExpiration: expiry, loginURL: login, graphURL: graph)
        try await context.service.setCredentials(source.id, credentials, secret: secret)
        let name = Terminal.safe(source.name)
        print("Saved the credentials of '\(name)' (the secret is in \(Terminal.safe(context.folder.appendingPathComponent("secrets").path))). Next: test-connection --source \"\(name)\"")
        return 0
    }

    private static func parseURL(_ text: String) throws -> URL {
        guard let url = URL(string: text), url.scheme != nil, url.host != nil else { throw UsageError("'\(text)' is not a URL") }
        return url
    }

    private static func testConnection(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        let result = try await context.service.testConnection(source.id)
        if context.json { try context.printJSON(result) } else { print(Terminal.safe(lines: "\(result)")) }
        if result.isSuccessful, !context.json { print("The connection works; turn the source on with: on --source \"\(Terminal.safe(source.name))\"") }
        return result.isSuccessful ? 0 : 1
    }

    private static func setFilter(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let all = arguments.flag("all")
        let groups = try arguments.option("groups")
        let users = try arguments.option("users")
        try arguments.finish()
        let filter: SyncFilter
        switch (all, groups, users) {
        case (true, nil, nil): filter = .all
        case (false, let text?, nil): filter = .usersByGroup(try FilterExpression(parsing: text))
        case (false, nil, let text?): filter = .usersByUser(try FilterExpression(parsing: text))
        default: throw UsageError("give exactly one of --all, --groups EXPR and --users EXPR")
        }
        return try await context.submit(request(.filter, source, context) { $0.filter = filter })
    }
}
