import Foundation
import Testing

@Suite("dirsync demo and help")
struct DemoCommandTests {
    @Test("the demo tells the whole story and exits 0")
    func story() async throws {
        let result = try await DirsyncProcess.run(["demo", "--users", "300", "--groups", "20", "--seed", "3"])
        #expect(result.status == 0, "\(result.error)")
        for fragment in ["First synchronization", "adopt user", "create group", "add member", "emailInUse",
                         "0 operations: the store is in step", "remove user", "Stopped by the deletion guard"] {
            #expect(result.output.contains(fragment), "missing '\(fragment)'")
        }
    }

    @Test("help lists the subcommands; bad arguments exit 2", arguments: [
        (["--help"], Int32(0), "demo"), (["--help"], Int32(0), "  test-connection  Test Entra ID credentials"), (["demo", "--users", "abc"], Int32(2), "whole number"),
        (["schedule", "--help"], Int32(0), "Usage: dirsync schedule"), (["read", "--help"], Int32(0), "--client-secret-env"),
        (["frobnicate"], Int32(2), "unknown subcommand"), ([], Int32(2), "Subcommands"),
    ])
    func usage(arguments: [String], status: Int32, fragment: String) async throws {
        let result = try await DirsyncProcess.run(arguments)
        #expect(result.status == status)
        #expect((result.output + result.error).contains(fragment))
    }
}
