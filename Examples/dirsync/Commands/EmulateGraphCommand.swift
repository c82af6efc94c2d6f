import DirectorySync
import DirectorySyncTesting
import Foundation

/// `dirsync emulate-graph`: the Graph emulator on a loopback port, loaded with a generated tenant.
enum EmulateGraphCommand {
    static let help = """
        Usage: dirsync emulate-graph [--port N] [--users N] [--groups N] [--seed N] [--throttle]

        Serves the Microsoft Graph + Entra token emulator on 127.0.0.1, loaded with a generated
        tenant, until SIGTERM or SIGINT. Prints one JSON line: the login and Graph base URLs, the
        tenant, and test credentials (client id, client secret, and the secret's id).
        The control API under /_emulator/ is described in Documentation/GraphEmulator.md.

          --port N     the port (default 0: a free port)
          --users N    users in the tenant (default 2,000)
          --groups N   groups in the tenant (default 150)
          --seed N     the generator's seed (default 2026)
          --throttle   charge resource units and answer 429 over the budget
        """

    struct Announcement: Encodable {
        var loginURL: String
        var graphURL: String
        var tenant: String
        var tenantID: String
        var clientID: String
        var clientSecret: String
        var clientSecretID: String
        var users: Int
        var groups: Int
    }

    static func run(_ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        let port = try arguments.integer("port", in: 0...65_535) ?? 0
        let users = try arguments.integer("users", in: 1...1_000_000) ?? 2_000
        let groups = try arguments.integer("groups", in: 0...100_000) ?? 150
        let seed = try arguments.integer("seed", in: 0...Int.max) ?? 2026
        let throttle = arguments.flag("throttle")
        try arguments.finish()

        let tenant = TenantGenerator(configuration: .init(users: users, groups: groups, seed: UInt64(seed))).generate()
        let emulator = GraphEmulator(configuration: .init(throttling: throttle))
        let credentials = emulator.load(tenant)
        let server = LoopbackHTTPServer(emulator)
        let bound: UInt16
        do {
            bound = try server.start(port: UInt16(port))
        } catch let error as LoopbackServerError where error.code == .addressInUse {
            Terminal.error("dirsync emulate-graph: port \(port) on 127.0.0.1 is already in use. Choose another port with --port N (--port 0 picks a free one), or stop the process that listens on \(port).")
            return 1
        }
        let base = "http://127.0.0.1:\(bound)"
        let announcement = Announcement(
            loginURL: base, graphURL: "\(base)/v1.0", tenant: credentials.domain, tenantID: credentials.tenantID,
            clientID: credentials.clientID, clientSecret: credentials.clientSecret, clientSecretID: credentials.clientSecretID,
            users: tenant.users.count, groups: tenant.groups.count)
        let signals = Signals.catchTermination()
        print(try JSONOutput.line(announcement))
        fflush(nil)
        await signals.waitForTermination()
        server.stop()
        return 0
    }
}
