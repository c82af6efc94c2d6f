import DirectorySync
import Foundation

/// `dirsync --state DIR explain --source NAME (--user KEY | --group KEY)`: why one user or group
/// is, or is not, synchronized — step by step — and what a synchronization would do to it now
/// (reads only: a few directory lookups, nothing is changed).
///
/// Exit status 0 whenever it explains, also when the key names nothing (step 1 says so; with
/// `--json`, `directory.found` is `false`); 2 when neither or both of `--user` and `--group` are
/// given, the key is empty, or the source is unknown; 1 when the directory cannot be read.
enum ExplainCommand {
    /// Records listed per step before the rest is counted (`--json` lists them all).
    static let shownRecords = 50

    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let user = try arguments.option("user")
        let group = try arguments.option("group")
        let source = try await context.source(&arguments)
        try arguments.finish()
        let explanations: [ObjectExplanation]
        switch (user, group) {
        case (let user?, nil): explanations = try await context.service.explain(source.id, user: user)
        case (nil, let group?): explanations = try await context.service.explain(source.id, group: group)
        case (nil, nil): throw UsageError("explain needs --user KEY (an id, user principal name or email address) or --group KEY (an id or name)")
        case (_?, _?): throw UsageError("explain takes --user KEY or --group KEY, not both; explain one object at a time")
        }
        if context.json {
            try context.printJSON(explanations)
            return 0
        }
        print(text(explanations, source: source).joined(separator: "\n"))
        return 0
    }

    /// The explanations one after the other, each as five numbered steps, then the cost of the
    /// lookups. Every value from the directory, the store or the state is made safe for the terminal.
    static func text(_ explanations: [ObjectExplanation], source: Source) -> [String] {
        var lines: [String] = []
        for (index, explanation) in explanations.enumerated() {
            if index > 0 { lines.append("") }
            let which = explanations.count > 1 ? " (\(index + 1) of \(explanations.count) that '\(Terminal.safe(explanation.key))' names)" : ""
            let name = explanation.directory.subject ?? explanation.directory.externalID ?? explanation.key
            lines.append("\(explanation.objectKind == .user ? "User" : "Group") '\(Terminal.safe(name))' of '\(Terminal.safe(source.name))'\(which):")
            lines += steps(explanation, source: source)
        }
        let requests = explanations.first?.requests ?? 0
        lines.append("Explained with \(requests.counted("directory request")).")
        if explanations.contains(where: { !$0.isComplete }) {
            lines.append("Warning: the lookups stopped at their bounds before reading everything this object's fate depends on; a synchronization may do more than step 4 says.")
        }
        return lines
    }

    /// Steps 1 to 5 of one explanation.
    private static func steps(_ explanation: ObjectExplanation, source: Source) -> [String] {
        var lines: [String] = []
        func step(_ number: Int, _ title: String, _ first: String, _ more: [String] = []) {
            lines.append("  \(number) \(title.padding(toLength: 12, withPad: " ", startingAt: 0)) \(first)")
            lines += more.map { "                 \($0)" }
        }
        step(1, "Directory", Terminal.safe(explanation.directory.detail))

        var scope: [String] = []
        if !explanation.scope.conditions.isEmpty {
            scope.append("conditions: \(explanation.scope.conditions.map { Terminal.safe($0.description) }.joined(separator: "; "))")
        }
        if !explanation.scope.path.isEmpty {
            let chain = explanation.scope.path + [explanation.directory.subject ?? explanation.key]
            scope.append("path: \(chain.map(Terminal.safe(_:)).joined(separator: " › "))")
        }
        step(2, "Scope", Terminal.safe(explanation.scope.detail), scope)

        let correlation = explanation.correlation
        var related: [String] = []
        if !correlation.related.isEmpty, correlation.related != [correlation.identityID].compactMap({ $0 }) {
            related.append("\(correlation.kind == .conflict ? "conflicts with" : "related"): \(correlation.related.map { Terminal.safe($0.rawValue) }.joined(separator: ", "))")
        }
        step(3, "Correlation", Terminal.safe(correlation.detail), related)

        let memberships = explanation.records.count { $0.objectKind == .membership }
        let action = explanation.action.map { "\($0.rawValue): \(Self.sentence(for: $0, explanation.objectKind, memberships: memberships))" }
            ?? "nothing: a synchronization does not touch it."
        step(4, "Action", action, Self.listed(explanation.records.map(PreviewText.line)))

        guard let last = explanation.lastRun else {
            step(5, "Last run", "none: '\(Terminal.safe(source.name))' has not synchronized yet.")
            return lines
        }
        let run = "\(Terminal.safe(String(last.run.id.prefix(8)))) (\(last.run.trigger.rawValue), \(RunRecordText.outcome(last.run)), \(last.run.startedAt.shortText))"
        if let problem = last.reportProblem {
            step(5, "Last run", "\(run): its report cannot be read: \(Terminal.safe(problem))")
        } else if !last.reportKept {
            step(5, "Last run", "\(run): its report is no longer kept.")
        } else if last.records.isEmpty {
            step(5, "Last run", "\(run): it did nothing to this \(explanation.objectKind.rawValue).")
        } else {
            step(5, "Last run", "\(run): \(last.records.count.counted("record")) about it:",
                 Self.listed(last.records.map(HistoryCommand.line)))
        }
        return lines
    }

    /// What the one-word action means for the object.
    private static func sentence(for action: PreviewRecord.Action, _ kind: SyncIssue.ObjectKind, memberships: Int) -> String {
        switch action {
        case .create: "a synchronization creates the \(kind.rawValue)."
        case .adopt: "a synchronization adopts the manual \(kind.rawValue) (links it to the directory)."
        case .update: "a synchronization updates the \(kind.rawValue)."
        case .remove: "a synchronization removes the \(kind.rawValue) from the store."
        case .disable: "a synchronization disables the \(kind.rawValue)."
        case .addMember, .removeMember: "its attributes need no change; a synchronization changes \(memberships.counted("membership"))."
        case .unchanged where memberships > 0: "its attributes are up to date; a synchronization changes \(memberships.counted("membership"))."
        case .unchanged: "it is up to date; a synchronization changes nothing about it."
        case .conflict: "a synchronization leaves it and the identities it conflicts with untouched."
        case .skipped: "a synchronization skips it by policy."
        case .warning: "a synchronization reports a warning about it."
        }
    }

    /// At most ``shownRecords`` lines, then how many more there are.
    private static func listed(_ lines: [String]) -> [String] {
        guard lines.count > shownRecords else { return lines }
        return Array(lines.prefix(shownRecords)) + ["… and \((lines.count - shownRecords).counted("more record")) (--json lists them all)"]
    }
}
