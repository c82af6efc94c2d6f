import DirectorySync
import DirectorySyncEntra
import DirectorySyncTesting
import Foundation

/// A generated tenant (users N, groups N/10, nested) served by the Graph emulator on a loopback
/// port. The emulator runs in this process, on the server's own threads; the client reaches it
/// through URLSession over a real socket.
struct LoopbackGraph {
    let tenant: GeneratedTenant
    let emulator: GraphEmulator
    let credentials: EmulatorCredentials
    let server: LoopbackHTTPServer

    init(users: Int, groups: Int? = nil, membershipsPerUser: Int) throws {
        tenant = TenantGenerator(configuration: .init(users: users, groups: groups ?? max(1, users / 10), seed: 1, membershipsPerUser: membershipsPerUser)).generate()
        emulator = GraphEmulator()
        credentials = emulator.load(tenant)
        server = LoopbackHTTPServer(emulator)
        try server.start()
    }

    func provider() -> GraphDirectoryProvider {
        GraphDirectoryProvider(
            credentials: SourceCredentials(
                clientID: credentials.clientID, tenant: credentials.domain, loginURL: server.baseURL, graphURL: server.baseURL.appendingPathComponent("v1.0")),
            secret: Secret(credentials.clientSecret))
    }
}
