import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation

/// The real SCIM server the tests use: scim2-server from PyPI, started once per test process by
/// `scripts/scim-server.sh` (``ScriptedServer``) and stopped when the process exits. Each test gets
/// a fresh tenant (`/<uuid>/v2`).
enum SCIMServer {
    static let token = "scim-test-token-\(UUID().uuidString.prefix(8))"
    static let port = ScriptedServer.freePort()
    static let server = ScriptedServer.scim(port: port, token: token)
    /// Seconds a test's client waits for the server. One server serves every test of the process,
    /// and on a loaded machine an answer can take many seconds (CI once waited more than 10 s).
    static let patience: TimeInterval = 120

    /// A plain transport with that patience, for tests that record or alter requests.
    static func transport() -> URLSessionTransport { URLSessionTransport(configuration: .init(timeout: patience, connectTimeout: patience)) }

    /// A store on a fresh tenant, or `nil` when the server cannot run here (then the test is
    /// skipped loudly — unless `DIRECTORYSYNC_REQUIRE_SCIM=1`, which CI sets, makes it fail).
    static func freshStore(pageSize: Int = 200, batch: Int = 100, transport: (any HTTPTransport)? = nil) async throws -> SCIMIdentityStore? {
        guard try await server.available() != nil else { return nil }
        let base = URL(string: "http://127.0.0.1:\(port)/\(UUID().uuidString.lowercased())/v2")!
        return try SCIMIdentityStore(
            configuration: .init(baseURL: base, bearerToken: Secret(token), pageSize: pageSize, membershipBatchSize: batch, timeout: patience), transport: transport)
    }
}

/// A Graph provider reading a generated tenant from an in-process emulator.
func emulatedProvider(_ tenant: GeneratedTenant) -> GraphDirectoryProvider {
    let emulator = GraphEmulator()
    let credentials = emulator.load(tenant)
    return GraphDirectoryProvider(
        credentials: SourceCredentials(clientID: credentials.clientID, tenant: credentials.domain), secret: Secret(credentials.clientSecret),
        configuration: .init(endpoints: EntraEndpoints(login: URL(string: "https://login.emulator.test")!, graph: URL(string: "https://graph.emulator.test/v1.0")!)),
        transport: EmulatorTransport(emulator))
}
