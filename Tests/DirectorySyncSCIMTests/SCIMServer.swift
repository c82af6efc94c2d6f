import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real SCIM server the tests use: scim2-server from PyPI, started once per test process by
/// `scripts/scim-server.sh` and stopped (by PID) when the process exits. Each test gets a fresh
/// tenant (`/<uuid>/v2`).
enum SCIMServer {
    static let token = "scim-test-token-\(UUID().uuidString.prefix(8))"
    private static let started = Locked<Result<Int, SCIMServerUnavailable>?>(nil)
    nonisolated(unsafe) private static var pid: Int32 = 0

    struct SCIMServerUnavailable: Error, CustomStringConvertible { var description: String }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/scim-server.sh")

    /// The server's port, starting it if needed.
    static func port() -> Result<Int, SCIMServerUnavailable> {
        started.withLock { state in
            if let state { return state }
            let result = start()
            state = result
            return result
        }
    }

    private static func start() -> Result<Int, SCIMServerUnavailable> {
        let port = Int.random(in: 20_000...60_000)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path, "start", String(port), token, String(getpid())]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch { return .failure(SCIMServerUnavailable(description: "cannot run the script: \(error)")) }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // The script prints the server's PID once it answers, and only then. (Process.waitUntilExit
        // can hang on Linux when a script leaves a background child, so the output decides.)
        guard let value = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            return .failure(SCIMServerUnavailable(description: "scripts/scim-server.sh failed: \(problem.suffix(400))"))
        }
        pid = value
        atexit { kill(SCIMServer.pid, SIGTERM) }
        return .success(port)
    }

    /// A store on a fresh tenant, or `nil` when the server cannot run here (then the test is
    /// skipped loudly — unless `DIRECTORYSYNC_REQUIRE_SCIM=1`, which CI sets, makes it fail).
    static func freshStore(pageSize: Int = 200, batch: Int = 100, transport: (any HTTPTransport)? = nil) throws -> SCIMIdentityStore? {
        switch port() {
        case .success(let port):
            let base = URL(string: "http://127.0.0.1:\(port)/\(UUID().uuidString.lowercased())/v2")!
            return try SCIMIdentityStore(
                configuration: .init(baseURL: base, bearerToken: Secret(token), pageSize: pageSize, membershipBatchSize: batch), transport: transport)
        case .failure(let error):
            if ProcessInfo.processInfo.environment["DIRECTORYSYNC_REQUIRE_SCIM"] == "1" { throw error }
            FileHandle.standardError.write(Data("⚠️ SKIPPED: the real SCIM server is not available here (\(error)); set up python3 with PyPI access to run these tests.\n".utf8))
            return nil
        }
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
