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
        let progress = context.showProgress()
        let record = confirm ? try await context.service.confirmRemovals(source.id) : try await context.service.synchronize(source.id)
        progress?.cancel()
        Terminal.endProgress()
        if context.json {
            try context.printJSON(record)
        } else {
            print("Synchronized '\(source.name)': \(outcome(record)), read \(record.readKind.map { "\($0)" } ?? "-"), \(record.succeeded.grouped) applied, \(record.failed.grouped) failed; \(record.usersSynchronized.grouped) users and \(record.groupsSynchronized.grouped) groups synchronized.")
            switch record.outcome {
            case .needsConfirmation(let violations):
                for violation in violations { print("  \(violation)") }
                print("Nothing was changed. Check the filter, or apply the removals with: sync --source \"\(source.name)\" --confirm-removals")
            case .failed(let message): print("  \(message)")
            default: break
            }
        }
        return record.isSuccess ? 0 : 1
    }

    private static func preview(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
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
        let summary = PreviewRecord.Action.allCases.compactMap { action in preview.summary[action].map { "\(action.rawValue) \($0.grouped)" } }
        print("Preview of '\(source.name)': \(records.grouped) records (\(summary.joined(separator: ", "))), valid until \(preview.expiresAt.shortText) or the next synchronization.")
        if let export {
            try exporter.export(preview, toFile: URL(fileURLWithPath: export))
            print("Exported \(records.grouped) records as \(formatName) to \(export).")
        }
        if show {
            let page = try preview.page(offset: offset, limit: limit)
            for record in page.records { print(PreviewCommand.line(record)) }
            print("Records \(page.records.isEmpty ? 0 : page.offset + 1)–\(page.offset + page.records.count) of \(page.total.grouped)\(page.hasMore ? "; next page: --offset \(page.offset + page.records.count)" : ".")")
        }
        return 0
    }

    private static func text(_ status: SourceStatus) -> String {
        let source = status.source
        var lines = [
            "\(source.name) — \(status.type), \(source.domain)",
            "State:      \(source.state)",
            "Schedule:   \(source.schedule)\(status.nextRun.map { "; next run \($0.shortText)" } ?? "")",
            "Last run:   \(status.lastRun.map { "\($0.endedAt.shortText), \(outcome($0)), \($0.readKind.map { "\($0)" } ?? "-")" } ?? "never")",
            "Imported:   \(status.usersSynchronized.grouped) users, \(status.groupsSynchronized.grouped) groups",
        ]
        lines += status.warnings.map { "Warning:    \($0)" }
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
            print("\(rows.count.grouped) users from '\(source.name)'.")
        } else {
            let selected = contents.groups.filter { $0.origin.sourceID == source.id }.sorted { $0.profile.name < $1.profile.name }
            let rows = selected.map { group in
                IdentityRow(id: group.id.rawValue, name: group.profile.name, origin: "\(group.origin)", email: nil, logins: [], enabled: nil,
                            memberOf: [], members: group.memberIDs.count)
            }
            if context.json { try context.printJSON(rows); return 0 }
            print(Table.render(["ID", "NAME", "MEMBERS"], rows.map { [$0.id, $0.name, ($0.members ?? 0).grouped] }))
            print("\(rows.count.grouped) groups from '\(source.name)'.")
        }
        return 0
    }

    private static func runScheduler(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        try arguments.finish()
        let events = context.service.events()
        await context.service.startScheduler()
        print("Running due synchronizations until interrupted (Ctrl-C).")
        fflush(nil)
        let printer = Task {
            for await event in events {
                if case .runFinished(let id, let record) = event {
                    print("\(record.endedAt.shortText) \(id): \(outcome(record)), \(record.readKind.map { "\($0)" } ?? "-"), \(record.succeeded.grouped) applied")
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
