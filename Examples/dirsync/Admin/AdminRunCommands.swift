import DirectorySync
import Foundation

/// `sync`, `preview`, `status`, `history`, `users`, `groups` and `run-scheduler` over a state folder.
enum AdminRunCommands {
    static func run(_ command: String, _ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        switch command {
        case "sync": return try await sync(context, &arguments)
        case "preview": return try await preview(context, &arguments)
        case "status":
            let source = try await context.source(&arguments)
            try arguments.finish()
            let status = try await context.service.status(source.id)
            if context.json { try context.printJSON(status) } else { print(text(status)) }
            return 0
        case "history":
            let source = try await context.source(&arguments)
            try arguments.finish()
            let history = try await context.service.history(source.id)
            if context.json { try context.printJSON(history); return 0 }
            print(Table.render(["STARTED", "TRIGGER", "READ", "OUTCOME", "APPLIED", "FAILED", "USERS", "GROUPS"], history.map {
                [$0.startedAt.shortText, $0.trigger.rawValue, $0.readKind.map { "\($0)" } ?? "-", outcome($0), $0.succeeded.grouped, $0.failed.grouped,
                 $0.usersSynchronized.grouped, $0.groupsSynchronized.grouped]
            }))
            return 0
        case "users", "groups": return try await identities(command == "users", context, &arguments)
        case "run-scheduler": return try await runScheduler(context, &arguments)
        default: throw UsageError("unknown command '\(command)'; see 'dirsync --state DIR --help'")
        }
    }

    static func outcome(_ record: RunRecord) -> String {
        switch record.outcome {
        case .succeeded: "succeeded"
        case .partiallyFailed: "partially failed"
        case .needsConfirmation: "needs confirmation"
        case .cancelled: "cancelled"
        case .failed: "failed"
        }
    }

    private static func sync(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        let confirm = arguments.flag("confirm-removals")
        try arguments.finish()
        let progress = context.ownership == nil ? nil : context.showProgress()
        defer {
            progress?.cancel()
            Terminal.endProgress()
        }
        return try await context.submit(AdminCommand.request(.sync, source, context) { $0.confirmRemovals = confirm })
    }

    /// What `sync` prints: what happened first, then the counts, then what to do.
    static func text(_ record: RunRecord, name: String) -> [String] {
        let name = Terminal.safe(name)
        let read = "read \(record.readKind.map { "\($0)" } ?? "-")"
        let counts = "\(read), \(record.succeeded.counted("operation")) applied, \(record.failed.grouped) failed; "
            + "\(record.usersSynchronized.counted("user")) and \(record.groupsSynchronized.counted("group")) synchronized"
        switch record.outcome {
        case .succeeded:
            return ["Synchronized '\(name)': \(counts)."]
        case .partiallyFailed:
            return ["Synchronized '\(name)' in part: \(counts). The next synchronization retries what failed."]
        case .needsConfirmation(let violations):
            return ["Stopped by the deletion guard: the synchronization of '\(name)' needs confirmation; nothing was changed (\(read))."]
                + violations.map { "  \(Terminal.safe($0))" }
                + ["Check the filter, or apply the removals with: sync --source \"\(name)\" --confirm-removals"]
        case .cancelled:
            return ["The synchronization of '\(name)' was cancelled: \(counts). The next synchronization completes it."]
        case .failed(let message):
            return ["The synchronization of '\(name)' failed; nothing was applied (\(read)).", "  \(Terminal.safe(message))"]
        }
    }

    private static func preview(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try context.requireOwnership("preview")
        let source = try await context.source(&arguments)
        let show = arguments.flag("show")
        let offset = try arguments.integer("offset", in: 0...Int.max) ?? 0
        let limit = try arguments.integer("limit", in: 1...Preview.defaultDisplayLimit) ?? 50
        let export = try arguments.option("export")
        let formatName = try arguments.option("format") ?? "json"
        try arguments.finish()
        let exporter = try PreviewCommand.exporter(named: formatName)
        let progress = context.showProgress()
        let preview = try await context.service.preview(source.id)
        progress?.cancel()
        Terminal.endProgress()
        let records = preview.records.count
        print("Preview of '\(Terminal.safe(source.name))': \(records.counted("record")) (\(PreviewCommand.summary(preview))), valid until \(preview.expiresAt.shortText) or the next synchronization.")
        if let export {
            try exporter.export(preview, toFile: URL(fileURLWithPath: export))
            print("Exported \(records.counted("record")) as \(formatName) to \(Terminal.safe(export)).")
        }
        if show {
            let page = try preview.page(offset: offset, limit: limit)
            for record in page.records { print(PreviewCommand.line(record)) }
            print(PreviewCommand.pageFooter(page))
        }
        return 0
    }

    private static func text(_ status: SourceStatus) -> String {
        let source = status.source
        var lines = [
            "\(Terminal.safe(source.name)) — \(status.type), \(Terminal.safe(source.domain))",
            "State:      \(source.state)",
            "Schedule:   \(source.schedule)\(status.nextRun.map { "; next run \($0.shortText)" } ?? "")",
            "Last run:   \(status.lastRun.map { "\($0.endedAt.shortText), \(outcome($0)), \($0.readKind.map { "\($0)" } ?? "-")" } ?? "never")",
            "Imported:   \(status.usersSynchronized.counted("user")), \(status.groupsSynchronized.counted("group"))",
        ]
        lines += status.warnings.map { "Warning:    \(Terminal.safe("\($0)"))" }
        return lines.joined(separator: "\n")
    }

    private static func identities(_ users: Bool, _ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        let contents = try await context.store.contents()
        var groupsOfUser: [IdentityID: [String]] = [:]
        for group in contents.groups { for member in group.memberIDs { groupsOfUser[member, default: []].append(group.profile.name) } }
        if users {
            let selected = contents.users.filter { $0.origin.sourceID == source.id }.sorted { $0.profile.name < $1.profile.name }
            let rows = selected.map { user in
                IdentityRow(id: user.id.rawValue, name: user.profile.name, origin: "\(user.origin)", email: user.profile.email, logins: user.profile.logins,
                            enabled: user.profile.isEnabled, memberOf: (groupsOfUser[user.id] ?? []).sorted())
            }
            if context.json { try context.printJSON(rows); return 0 }
            print(Table.render(["ID", "NAME", "EMAIL", "LOGINS", "ENABLED", "GROUPS"], rows.map {
                [$0.id, $0.name, $0.email ?? "-", $0.logins.joined(separator: ", "), $0.enabled == true ? "yes" : "no", $0.memberOf.joined(separator: ", ")]
            }))
            print("\(rows.count.counted("user")) from '\(Terminal.safe(source.name))'.")
        } else {
            let selected = contents.groups.filter { $0.origin.sourceID == source.id }.sorted { $0.profile.name < $1.profile.name }
            let rows = selected.map { group in
                IdentityRow(id: group.id.rawValue, name: group.profile.name, origin: "\(group.origin)", email: nil, logins: [], enabled: nil,
                            memberOf: [], members: group.memberIDs.count)
            }
            if context.json { try context.printJSON(rows); return 0 }
            print(Table.render(["ID", "NAME", "MEMBERS"], rows.map { [$0.id, $0.name, ($0.members ?? 0).grouped] }))
            print("\(rows.count.counted("group")) from '\(Terminal.safe(source.name))'.")
        }
        return 0
    }

    private static func runScheduler(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        try context.requireOwnership("run-scheduler")
        let events = context.service.events()
        await context.service.startScheduler()
        print("Running due synchronizations until interrupted (Ctrl-C).")
        fflush(nil)
        let printer = Task {
            for await event in events {
                if case .runFinished(let id, let record) = event {
                    print("\(record.endedAt.shortText) \(Terminal.safe("\(id)")): \(outcome(record)), \(record.readKind.map { "\($0)" } ?? "-"), \(record.succeeded.grouped) applied")
                    fflush(nil)
                }
            }
        }
        await Signals.waitForTermination()
        await context.service.stopScheduler()
        printer.cancel()
        print("Stopped.")
        return 0
    }
}

/// A user or group as `users` and `groups` print it.
struct IdentityRow: Encodable {
    var id: String
    var name: String
    var origin: String
    var email: String?
    var logins: [String]
    var enabled: Bool?
    var memberOf: [String]
    var members: Int?
}
