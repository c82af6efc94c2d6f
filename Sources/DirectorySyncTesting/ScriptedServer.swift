import DirectorySync
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real server the package's tests start with a script of `scripts/` — the SCIM server
/// (`scim-server.sh`), etcd (`etcd.sh`) — on a loopback port, and stop when the test process ends.
///
/// The script is run with `bash`; once the server answers (and only then) it prints a line that
/// starts with the server's PID (`4242`, or `4242 /tmp/data`), and may print more that the caller
/// reads from ``Started/lines``. Every PID started is stopped (`SIGTERM`, then `SIGKILL`) when the process
/// exits; scripts also take the test process's PID to watch, so a crashed test leaves nothing running.
///
/// A server that cannot run here skips its tests loudly — unless `DIRECTORYSYNC_REQUIRE_<NAME>=1`
/// (which CI sets) makes them fail: ``available()``.
///
/// Package access: the tests of this package share it; it is not part of the shipped product.
package final class ScriptedServer: Sendable {
    /// What a start script printed.
    package struct Started: Sendable {
        /// The server's process id.
        package var pid: Int32
        /// Every line the script printed, the PID's included.
        package var lines: [String]

        /// The words after the PID on its line (etcd's data folder).
        package var details: [String] {
            guard let line = lines.first(where: { $0.split(separator: " ").first == "\(pid)" }) else { return [] }
            return line.split(separator: " ").dropFirst().map(String.init)
        }
    }

    /// Why the server could not be started.
    package struct Unavailable: Error, CustomStringConvertible {
        /// What went wrong, with the end of the script's error output.
        package var description: String

        /// Creates the error.
        /// - Parameter description: What went wrong.
        package init(description: String) { self.description = description }
    }

    /// The name in `DIRECTORYSYNC_REQUIRE_<NAME>` and in messages (`SCIM`, `ETCD`).
    package let name: String
    private let script: URL
    private let arguments: [String]
    private let started = Locked<Task<Result<Started, Unavailable>, Never>?>(nil)

    /// Describes a server started once per test process, on first use.
    /// - Parameters:
    ///   - name: `SCIM`, `ETCD`: the variable `DIRECTORYSYNC_REQUIRE_<NAME>` and messages use it.
    ///   - script: The script's path (``script(_:filePath:)``).
    ///   - arguments: The arguments after the script's path (such as `start PORT TOKEN WATCH_PID`).
    package init(name: String, script: URL, arguments: [String]) {
        self.name = name
        self.script = script
        self.arguments = arguments
    }

    /// The server, starting it on first use.
    /// - Returns: What the start script printed.
    /// - Throws: ``Unavailable`` when the script failed (the same error on every later call).
    package func start() async throws(Unavailable) -> Started {
        let script = self.script
        let arguments = self.arguments
        let starting = started.withLock { state in
            if let state { return state }
            let task = Task { await Self.offThread { Self.runBlocking(script, arguments) } }
            state = task
            return task
        }
        return try await starting.value.get()
    }

    /// The server for a test: what its script printed, or `nil` when it cannot run here — the
    /// test is then skipped, said loudly on standard error — unless `DIRECTORYSYNC_REQUIRE_<NAME>=1`,
    /// which makes it fail.
    /// - Throws: ``Unavailable`` when the server is required and cannot be started.
    package func available() async throws -> Started? {
        do {
            return try await start()
        } catch {
            if Self.isRequired(name) { throw error }
            FileHandle.standardError.write(
                Data("⚠️ SKIPPED: the real \(name) server is not available here (\(error)); set DIRECTORYSYNC_REQUIRE_\(name)=1 to make this a failure.\n".utf8))
            return nil
        }
    }

    /// Whether `DIRECTORYSYNC_REQUIRE_<NAME>=1` is set: a server that cannot be started fails the tests.
    /// - Parameter name: `SCIM`, `ETCD`.
    package static func isRequired(_ name: String) -> Bool {
        ProcessInfo.processInfo.environment["DIRECTORYSYNC_REQUIRE_\(name)"] == "1"
    }

    /// Runs a start script once more (a server stopped and started again by a test) and
    /// registers its PID to be stopped at exit.
    /// - Parameters:
    ///   - script: The script's path.
    ///   - arguments: Its arguments.
    /// - Returns: What the script printed, or ``Unavailable`` when it failed or printed no PID.
    package static func run(_ script: URL, _ arguments: [String]) async -> Result<Started, Unavailable> {
        await offThread { runBlocking(script, arguments) }
    }

    /// Runs `body` on a thread of its own and returns its result: a script that takes seconds
    /// must not hold one of the few threads every test's async code shares (two on two cores),
    /// or every other test stalls meanwhile.
    package static func offThread<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }

    private static func runBlocking(_ script: URL, _ arguments: [String]) -> Result<Started, Unavailable> {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [script.path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { return .failure(Unavailable(description: "cannot run \(script.lastPathComponent): \(error)")) }
        // The output decides, not the exit: Process.waitUntilExit can hang on Linux when a script
        // leaves a background child (the server itself).
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let problem = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        // The PID leads its line (`PID` alone, or `PID DATADIR`).
        guard let pid = lines.lazy.compactMap({ Int32($0.split(separator: " ").first ?? "") }).first, pid > 0 else {
            return .failure(Unavailable(description: "\(script.lastPathComponent) \(arguments.first ?? "") failed: \(problem.suffix(400))"))
        }
        stopAtExit(pid)
        return .success(Started(pid: pid, lines: lines))
    }

    /// Stops a server by PID: `SIGTERM`, then `SIGKILL` after two seconds; returns once it is gone
    /// (or was not a child of a script run here).
    /// - Parameter pid: The server's process id.
    package static func stop(_ pid: Int32) async {
        await offThread { stopBlocking(pid) }
    }

    /// ``stop(_:)`` on the calling thread.
    package static func stopBlocking(_ pid: Int32) {
        guard kill(pid, SIGTERM) == 0 else { return }
        for _ in 0..<40 {
            if !isAlive(pid) { return }
            usleep(50_000)
        }
        kill(pid, SIGKILL)
        for _ in 0..<40 where isAlive(pid) { usleep(50_000) }
    }

    /// Whether a process runs: it exists and is not a zombie waiting for its parent to reap it
    /// (a server whose script ended is nobody's child here).
    /// - Parameter pid: The process id.
    package static func isAlive(_ pid: Int32) -> Bool {
        guard kill(pid, 0) == 0 else { return false }
        #if os(Linux)
        // `/proc/PID/stat`: "PID (name) S …", the state after the name's closing parenthesis.
        if let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")") {
            return !stat[close...].dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Z")
        }
        #endif
        return true
    }

    /// A script of the package's `scripts/` folder, found from a source file's path.
    /// - Parameters:
    ///   - name: The script's file name (`etcd.sh`).
    ///   - filePath: A file inside the package (the caller's, by default).
    /// - Returns: The script's URL.
    package static func script(_ name: String, filePath: StaticString = #filePath) -> URL {
        var folder = URL(fileURLWithPath: "\(filePath)").deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: folder.appendingPathComponent("Package.swift").path) {
            let parent = folder.deletingLastPathComponent()
            if parent.path == folder.path { break }
            folder = parent
        }
        return folder.appendingPathComponent("scripts").appendingPathComponent(name)
    }

    /// The real SCIM server (`scripts/scim-server.sh`, scim2-server from PyPI) on `port` with
    /// dynamic tenants (`http://127.0.0.1:PORT/<tenant>/v2`), stopped when the test process ends.
    /// - Parameters:
    ///   - port: A free loopback port.
    ///   - token: The bearer token it accepts.
    /// - Returns: The server, started on first use.
    package static func scim(port: Int, token: String) -> ScriptedServer {
        ScriptedServer(name: "SCIM", script: script("scim-server.sh"), arguments: ["start", String(port), token, String(getpid())])
    }

    /// A real etcd member (`scripts/etcd.sh`, Debian's etcd-server) serving
    /// `http://127.0.0.1:PORT` with its data in a temporary folder (``Started/details``' first word),
    /// stopped and removed when the test process ends.
    /// - Parameter port: A free loopback port.
    /// - Returns: The server, started on first use.
    package static func etcd(port: Int) -> ScriptedServer {
        ScriptedServer(name: "ETCD", script: script("etcd.sh"), arguments: ["start", String(port), String(getpid())])
    }

    /// A loopback port for a server started later by another process, unlikely to be taken by
    /// then: a free one from 20000 to 26999, below the kernel's ephemeral range (32768 and up on
    /// Linux; `scripts/etcd.sh` picks its peer ports from 27000 to 32767). A port the kernel picked
    /// would be free now, but the next outgoing connection or `bind` to port 0 — hundreds of them
    /// while the tests run — may take it before the server binds it.
    /// A port is handed out once per process: two servers not yet started cannot get the same one.
    /// - Returns: The port.
    package static func freePort() -> Int {
        handedOut.withLock { given in
            for _ in 0..<1_000 {
                let port = Int.random(in: 20_000...26_999)
                if !given.contains(port) && isFree(port) {
                    given.insert(port)
                    return port
                }
            }
            preconditionFailure("no free loopback port from 20000 to 26999 in 1,000 tries")
        }
    }

    private static let handedOut = Locked<Set<Int>>([])

    /// Whether a TCP socket can bind loopback `port` now.
    private static func isFree(_ port: Int) -> Bool {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    /// The PIDs stopped when the process exits.
    private static let running = Locked<[Int32]>([])

    private static func stopAtExit(_ pid: Int32) {
        let first = running.withLock { pids in
            pids.append(pid)
            return pids.count == 1
        }
        guard first else { return }
        atexit {
            for pid in ScriptedServer.running.withLock({ $0 }) { kill(pid, SIGTERM) }
        }
    }
}
