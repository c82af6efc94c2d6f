import DirectorySync

/// `dirsync --state DIR policy show --source NAME [--json]`: the removal policy, its grace, the
/// missing-email policy and the deletion guard, in the words `policy set` takes (reads only);
/// `--json` prints the source's settings object.
enum PolicyShowCommand {
    static func run(_ context: AdminContext, _ arguments: inout Arguments) async throws -> Int32 {
        let source = try await context.source(&arguments)
        try arguments.finish()
        if context.json { try context.printJSON(source.settings); return 0 }
        print(PolicyText.lines(source).joined(separator: "\n"))
        return 0
    }
}
