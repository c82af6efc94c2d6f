import Foundation

/// `dirsync`: the command-line front of DirectorySync. Exit status 0 on success, 1 when an
/// operation failed, 2 for invalid input.
@main
struct DirSync {
    struct Command: Sendable {
        var name: String
        var summary: String
        var help: String
        var run: @Sendable (Arguments) async throws -> Int32
    }

    static let commands: [Command] = [
        Command(name: "demo", summary: "Synchronize a generated Entra ID tenant into an in-memory store, step by step.", help: DemoCommand.help, run: DemoCommand.run),
        Command(name: "emulate-graph", summary: "Serve the Microsoft Graph + Entra token emulator on a loopback port.", help: EmulateGraphCommand.help, run: EmulateGraphCommand.run),
        Command(name: "preview", summary: "Preview the demo's first synchronization; show pages or export JSON, JSON Lines or CSV.", help: PreviewCommand.help, run: PreviewCommand.run),
        Command(name: "read", summary: "Read users, groups and memberships from Microsoft Graph.", help: ReadCommand.help, run: ReadCommand.run),
        Command(name: "schedule", summary: "Print the upcoming runs of a schedule.", help: ScheduleCommand.help, run: ScheduleCommand.run),
        Command(name: "test-connection", summary: "Test Entra ID credentials step by step.", help: TestConnectionCommand.help, run: TestConnectionCommand.run),
    ]

    static var usage: String {
        var text = """
            dirsync — synchronize Microsoft Entra ID users and groups into an identity store.

            Usage: dirsync <subcommand> [options]

            Subcommands:

            """
        // The widest name sets the column, so no name is ever cut.
        let width = (commands.map(\.name.count).max() ?? 0) + 2
        for command in commands {
            text += "  \(command.name.padding(toLength: width, withPad: " ", startingAt: 0))\(command.summary)\n"
        }
        return text + "\nRun 'dirsync <subcommand> --help' for its options.\n\nAdministration over a state folder (sources, credentials, filters, schedules, policies, on/off,\nsync, tracking, preview, status, history, explain, users, groups, notify, run-scheduler): 'dirsync --state DIR --help'.\nThe same over state shared in etcd by several replicas: --state etcd://HOST:PORT[,HOST:PORT…]/PREFIX."
    }

    static func main() async {
        var arguments = Arguments(Array(CommandLine.arguments.dropFirst()))
        let status: Int32
        do {
            if let state = try arguments.option("state") {
                status = try await AdminCommand.run(state: try StateLocation.parse(state), arguments)
                exit(status)
            }
            let name = arguments.subcommand()
            if let name, let command = commands.first(where: { $0.name == name }) {
                if arguments.flag("help") {
                    print(command.help)
                    status = 0
                } else {
                    status = try await command.run(arguments)
                }
            } else if name == nil && (arguments.flag("help") || arguments.flag("h")) {
                print(usage)
                status = 0
            } else {
                Terminal.error((name.map { "dirsync: unknown subcommand '\(Terminal.safe($0))'\n\n" } ?? "") + usage)
                status = 2
            }
        } catch let error as UsageError {
            Terminal.error("dirsync: \(Terminal.safe(error.description))")
            status = 2
        } catch {
            Terminal.error("dirsync: \(Terminal.safe("\(error)"))")
            status = 1
        }
        exit(status)
    }
}
