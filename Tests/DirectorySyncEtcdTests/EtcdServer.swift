import DirectorySync
import DirectorySyncEtcd
import DirectorySyncTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The real etcd the tests use: Debian's etcd-server, started by `scripts/etcd.sh` through
/// `ScriptedServer` — one shared member per test process (each test under a fresh key prefix),
/// and members of their own for tests that stop, restart or pause etcd. Every member is stopped
/// when the process exits. Without etcd the tests are skipped loudly, unless
/// `DIRECTORYSYNC_REQUIRE_ETCD=1` (CI) makes them fail.
enum EtcdServer {
    private static let sharedPort = ScriptedServer.freePort()
    private static let shared = ScriptedServer.etcd(port: sharedPort)

    /// One etcd member: stop it, start it again on the same data, pause it.
    final class Member: Sendable {
        let port: Int
        let dataDirectory: String
        private let pid: Locked<Int32>

        fileprivate init(port: Int, started: ScriptedServer.Started) {
            self.port = port
            pid = Locked(started.pid)
            dataDirectory = started.details.first ?? ""
        }

        var endpoint: URL { URL(string: "http://127.0.0.1:\(port)")! }

        /// Stops the member (SIGTERM), keeping its data; returns once it is gone.
        func stop() async { await ScriptedServer.stop(pid.withLock { $0 }) }

        /// Starts the member again on its port and data.
        func restart() async throws {
            let started = try await ScriptedServer.run(ScriptedServer.script("etcd.sh"), ["start", String(port), String(getpid()), dataDirectory]).get()
            pid.withLock { $0 = started.pid }
        }

        /// Sends a signal: `SIGSTOP` pauses the member (it accepts connections and never answers), `SIGCONT` resumes it.
        func signal(_ signal: Int32) { kill(pid.withLock { $0 }, signal) }

        /// Stops the member and removes its data, on a thread of its own (it may take seconds):
        /// what a test's `defer` calls.
        func remove() {
            signal(SIGCONT)
            let pid = self.pid.withLock { $0 }
            let dataDirectory = self.dataDirectory
            Thread {
                ScriptedServer.stopBlocking(pid)
                try? FileManager.default.removeItem(atPath: dataDirectory)
            }.start()
        }
    }

    /// The shared member, or `nil` when etcd cannot run here (skipped loudly, or thrown when required).
    static func member() async throws -> Member? {
        guard let started = try await shared.available() else { return nil }
        return Member(port: sharedPort, started: started)
    }

    /// A client of the shared member, or `nil` when etcd cannot run here.
    static func client(requestTimeout: Duration = .seconds(30)) async throws -> EtcdClient? {
        guard let member = try await member() else { return nil }
        return try EtcdClient(configuration: .init(endpoints: [member.endpoint], requestTimeout: requestTimeout))
    }

    /// A member of the test's own (to stop, restart or pause), or `nil` when etcd cannot run here.
    /// Call ``Member/remove()`` at the end.
    static func ownMember() async throws -> Member? {
        // A few tries: a port the kernel called free may be taken by a member another test starts
        // at the same moment (the script then refuses it).
        var problem: ScriptedServer.Unavailable?
        for _ in 0..<3 {
            let port = ScriptedServer.freePort()
            switch await ScriptedServer.run(ScriptedServer.script("etcd.sh"), ["start", String(port), String(getpid())]) {
            case .success(let started): return Member(port: port, started: started)
            case .failure(let error): problem = error
            }
        }
        if ScriptedServer.isRequired("ETCD"), let problem { throw problem }
        FileHandle.standardError.write(Data("⚠️ SKIPPED: the real ETCD server is not available here (\(problem.map(String.init(describing:)) ?? "?")); set DIRECTORYSYNC_REQUIRE_ETCD=1 to make this a failure.\n".utf8))
        return nil
    }

    /// A fresh key prefix for one test.
    static func freshPrefix() -> String { "/dirsync-test/\(UUID().uuidString.lowercased())" }
}
