import DirectorySyncTesting
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs the built `dirsync` executable and captures what it prints.
///
/// Every wait for a process happens on a thread of its own (``ScriptedServer/offThread(_:)``):
/// a test blocked on a child process must not hold one of the few threads all tests' async code
/// shares (two on two cores), or every other test stalls meanwhile and time-bound ones fail.
/// At most ``concurrentRuns`` processes run at once through ``run(_:environment:input:)``: the
/// tests start hundreds, and all at once they would starve the etcd and SCIM servers beside them.
struct DirsyncProcess {
    /// How many `dirsync` processes ``run(_:environment:input:)`` runs at once.
    static let concurrentRuns = 2
    private static let slots = Slots(concurrentRuns)

    struct Result: Sendable {
        var status: Int32
        var output: String
        var error: String
    }

    /// The `dirsync` binary next to the test bundle.
    static var executable: URL {
        var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("dirsync").path) {
            let parent = directory.deletingLastPathComponent()
            precondition(parent != directory, "dirsync was not built next to the tests")
            directory = parent
        }
        return directory.appendingPathComponent("dirsync")
    }

    /// Runs `dirsync` with `arguments` to its end.
    static func run(_ arguments: [String], environment: [String: String] = [:], input: String? = nil) async throws -> Result {
        await slots.acquire()
        let result = await ScriptedServer.offThread { Swift.Result { try runBlocking(arguments, environment: environment, input: input) } }
        await slots.release()
        return try result.get()
    }

    /// A counting semaphore for async callers: waiters queue in order.
    private actor Slots {
        private var free: Int
        private var waiting: [CheckedContinuation<Void, Never>] = []

        init(_ count: Int) { free = count }

        func acquire() async {
            if free > 0 {
                free -= 1
                return
            }
            await withCheckedContinuation { waiting.append($0) }
        }

        func release() {
            if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
        }
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String], input: String?) throws -> Result {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        process.environment = merged
        let output = Pipe()
        let error = Pipe()
        let stdin = Pipe()
        process.standardOutput = output
        process.standardError = error
        process.standardInput = stdin
        try process.run()
        if let input { stdin.fileHandleForWriting.write(Data(input.utf8)) }
        try stdin.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(
            status: process.terminationStatus, output: String(decoding: out, as: UTF8.self),
            error: String(decoding: err, as: UTF8.self))
    }

    /// Starts `dirsync` in the background and returns once its output contains `line`.
    /// - Returns: The process and its standard output, read up to `line`.
    static func start(_ arguments: [String], until line: String) async throws -> (process: Process, output: Pipe, text: Data) {
        let started = await ScriptedServer.offThread { Swift.Result { Started(try startBlocking(arguments, until: line)) } }
        let value = try started.get().value
        return (value.process, value.output, value.text)
    }

    /// Reads the rest of `process`'s output and waits for its end.
    /// - Returns: The output read.
    static func finish(_ process: Process, output: Pipe? = nil) async -> Data {
        await ScriptedServer.offThread {
            let rest = output.map { $0.fileHandleForReading.readDataToEndOfFile() } ?? Data()
            process.waitUntilExit()
            return rest
        }
    }

    /// A started process handed from the thread that started it (Process and Pipe are not Sendable).
    private struct Started: @unchecked Sendable {
        var value: (process: Process, output: Pipe, text: Data)
        init(_ value: (process: Process, output: Pipe, text: Data)) { self.value = value }
    }

    private static func startBlocking(_ arguments: [String], until line: String) throws -> (process: Process, output: Pipe, text: Data) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = Data()
        while !String(decoding: text, as: UTF8.self).contains(line) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text.append(chunk)
        }
        return (process, output, text)
    }
}

extension DirsyncProcess {
    /// A `dirsync` process running in the background, its output written to files (a pipe nobody
    /// reads would stop it once full), for tests that kill, pause and resume it.
    final class Background: @unchecked Sendable {
        let process = Process()
        let arguments: [String]
        private let outputFile: URL
        private let errorFile: URL

        init(_ arguments: [String], environment: [String: String] = [:]) throws {
            self.arguments = arguments
            let base = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-background-\(UUID().uuidString)")
            outputFile = base.appendingPathExtension("out")
            errorFile = base.appendingPathExtension("err")
            _ = FileManager.default.createFile(atPath: outputFile.path, contents: nil)
            _ = FileManager.default.createFile(atPath: errorFile.path, contents: nil)
            process.executableURL = DirsyncProcess.executable
            process.arguments = arguments
            var merged = ProcessInfo.processInfo.environment
            for (key, value) in environment { merged[key] = value }
            process.environment = merged
            process.standardOutput = try FileHandle(forWritingTo: outputFile)
            process.standardError = try FileHandle(forWritingTo: errorFile)
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            try? FileManager.default.removeItem(at: outputFile)
            try? FileManager.default.removeItem(at: errorFile)
        }

        var pid: Int32 { process.processIdentifier }

        /// What it printed so far on standard output.
        var output: String { (try? String(contentsOf: outputFile, encoding: .utf8)) ?? "" }
        /// What it printed so far on standard error.
        var error: String { (try? String(contentsOf: errorFile, encoding: .utf8)) ?? "" }

        /// Sends a signal (`SIGKILL`, `SIGSTOP`, `SIGCONT`, `SIGTERM`).
        func signal(_ signal: Int32) { kill(process.processIdentifier, signal) }

        /// Waits for the process to end (polling: `waitUntilExit` can hang on Linux).
        /// - Throws: ``Timeout`` when it is still running after `limit`.
        func wait(atMost limit: Duration = .seconds(120)) async throws -> Result {
            let start = ContinuousClock.now
            while process.isRunning {
                guard ContinuousClock.now - start < limit else { throw Timeout(description: "\(arguments.joined(separator: " ")) still runs after \(limit): \(output)\(error)") }
                try await Task.sleep(for: .milliseconds(50))
            }
            return Result(status: process.terminationStatus, output: output, error: error)
        }
    }

    /// A wait that took longer than a test allows.
    struct Timeout: Error, CustomStringConvertible {
        var description: String
    }

}
