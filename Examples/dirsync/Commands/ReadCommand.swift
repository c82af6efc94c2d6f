import DirectorySync
import DirectorySyncEntra
import Foundation

/// `dirsync read`: reads the directory and prints the snapshot.
enum ReadCommand {
    static let help = """
        Usage: dirsync read --tenant DOMAIN --client-id ID (--client-secret-env VAR | --client-secret-stdin)
                            [--filter EXPR | --group-filter EXPR] [--json] [--login-url URL --graph-url URL]

        Reads users, groups and memberships from Microsoft Graph and prints a summary, or with --json
        the snapshot (users, groups with members) and the request and resource-unit counts.

        \(CredentialOptions.help)
          --filter EXPR              a user filter, such as "department eq 'Sales'"
          --group-filter EXPR        a group filter, such as "displayName startsWith 'Sales'"
          --json                     print JSON
        """

    static func run(_ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        let options = try CredentialOptions.parse(&arguments)
        var filter = SyncFilter.all
        do {
            if let text = try arguments.option("filter") { filter = .usersByUser(try FilterExpression(parsing: text)) }
            if let text = try arguments.option("group-filter") { filter = .usersByGroup(try FilterExpression(parsing: text)) }
            try filter.validate()
        } catch let error as FilterError {
            throw UsageError(error.message)
        }
        let json = arguments.flag("json")
        try arguments.finish()
        let provider = GraphDirectoryProvider(
            credentials: options.credentials, secret: try options.secret(),
            onProgress: { progress in
                Terminal.progress("Read \(progress.users.counted("user")), \(progress.groups.counted("group")) (\(progress.requests.counted("request")))")
            })
        let snapshot = try await provider.read(filter: filter)
        // Printed, then the process ends: freeing the snapshot would only delay that.
        ExitWithoutFreeing.keep(snapshot)
        Terminal.endProgress()
        let stats = snapshot.statistics
        if json {
            var sink = FileHandleSink(FileHandle.standardOutput)
            try writeJSON(snapshot, to: &sink)
            try sink.flush()
        } else {
            let memberships = snapshot.groups.reduce(0) { $0 + $1.memberUserIDs.count }
            print("Read \(snapshot.users.count.counted("user")) and \(snapshot.groups.count.counted("group")) (\(memberships.counted("direct user membership"))) in \(stats.requests.counted("request")), \(stats.resourceUnits.counted("resource unit"))\(stats.filterPushedDown ? "; the filter was evaluated by Graph" : "").")
            if stats.ignoredMembers > 0 {
                print(stats.ignoredMembers == 1
                    ? "1 group member that is not a user or a group was ignored."
                    : "\(stats.ignoredMembers.grouped) group members that are not users or groups were ignored.")
            }
        }
        return 0
    }

    /// Writes the snapshot as `--json` prints it: `{"groups": […], "statistics": {…}, "users": […]}`
    /// on one line — the bytes `JSONEncoder.deterministic()` writes for that document, with a line
    /// break — in pieces as it goes, so a read of 100,000 users is printed in a fraction of the
    /// encoder's time and without a second copy of the snapshot in memory.
    static func writeJSON(_ snapshot: DirectorySnapshot, to sink: inout some ByteSink) throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(1 << 17)
        func spill() throws {
            guard bytes.count >= 1 << 16 else { return }
            try sink.write(Data(bytes))
            bytes.removeAll(keepingCapacity: true)
        }
        bytes.append(contentsOf: #"{"groups":["#.utf8)
        for (index, group) in snapshot.groups.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            group.appendJSON(to: &bytes)
            try spill()
        }
        bytes.append(contentsOf: #"],"statistics":"#.utf8)
        bytes.append(contentsOf: try JSONEncoder.deterministic().encode(snapshot.statistics))
        bytes.append(contentsOf: #","users":["#.utf8)
        for (index, user) in snapshot.users.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            user.appendJSON(to: &bytes)
            try spill()
        }
        bytes.append(contentsOf: "]}\n".utf8)
        try sink.write(Data(bytes))
    }
}
