import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// `dirsync emulate-graph` as a real process: what only a process can show (its own descriptor limit, its messages).
@Suite("The emulator as a process: descriptor exhaustion and a port in use")
struct EmulatorProcessTests {
    /// The `dirsync` binary built next to the tests.
    static var dirsync: URL {
        get throws {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            while !FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent("dirsync").path) {
                let parent = directory.deletingLastPathComponent()
                try #require(parent != directory, "dirsync was not built next to the tests (swift build --build-tests builds it)")
                directory = parent
            }
            return directory.appendingPathComponent("dirsync")
        }
    }

    /// Reads a line from a pipe, giving up after `seconds` (waiting off the shared threads).
    static func firstLine(_ pipe: Pipe, within seconds: Double) async -> String? {
        let pipe = UncheckedPipe(pipe)
        return await ScriptedServer.offThread { firstLineBlocking(pipe.value, within: seconds) }
    }

    private struct UncheckedPipe: @unchecked Sendable {
        let value: Pipe
        init(_ value: Pipe) { self.value = value }
    }

    private static func firstLineBlocking(_ pipe: Pipe, within seconds: Double) -> String? {
        let line = Locked(Data())
        let done = DispatchSemaphore(value: 0)
        let handle = pipe.fileHandleForReading
        Thread.detachNewThread {
            while true {
                let chunk = handle.availableData
                let complete = line.withLock { data -> Bool in
                    data.append(chunk)
                    return chunk.isEmpty || data.contains(UInt8(ascii: "\n"))
                }
                if complete { break }
            }
            done.signal()
        }
        guard done.wait(timeout: .now() + seconds) == .success else { return nil }
        return String(decoding: line.withLock { $0 }, as: UTF8.self).split(separator: "\n").first.map(String.init)
    }

    @Test("with its descriptors exhausted (ulimit -n 64, 100 open connections) the accept loop keeps going and serves again once they close")
    func descriptorExhaustion() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", #"ulimit -n 64 && exec "$0" emulate-graph --users 5 --groups 1"#, try Self.dirsync.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        defer {
            if process.isRunning { process.terminate() }
            process.waitUntilExit()
        }
        let line = try #require(await Self.firstLine(output, within: 30))
        let announcement = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let login = try #require((announcement["loginURL"] as? String).flatMap(URL.init(string:)))
        let port = try #require(login.port.flatMap(UInt16.init(exactly:)))
        let tenant = try #require(announcement["tenant"] as? String)
        let request = "GET /\(tenant)/v2.0/.well-known/openid-configuration HTTP/1.1\r\nHost: x\r\n\r\n"

        var crowd: [RawConnection] = []
        for _ in 0..<100 { crowd.append(try RawConnection(port: port)) }
        // The last connections wait in the listen queue: the server has no descriptor to accept them.
        crowd[99].write(request)
        #expect(crowd[99].status(within: 1) == nil, "the limit was not reached, so this test proves nothing")
        crowd.removeAll()

        let deadline = Date().addingTimeInterval(120)
        var status: Int?
        while status == nil, Date() < deadline {
            let connection = try RawConnection(port: port)
            connection.write(request)
            status = connection.status(within: 10)
        }
        #expect(status == 200)
        #expect(process.isRunning)
    }

    @Test("a port in use is one clear line naming the port and --port, exit status 1")
    func portInUse() async throws {
        let holder = LoopbackHTTPServer { _ in GraphEmulator.Reply(response: HTTPResponse(status: 200)) }
        let port = try holder.start()
        defer { holder.stop() }
        let process = Process()
        process.executableURL = try Self.dirsync
        process.arguments = ["emulate-graph", "--users", "5", "--groups", "1", "--port", String(port)]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        let exited = DispatchSemaphore(value: 0)
        process.terminationHandler = { _ in exited.signal() }
        try process.run()
        if await ScriptedServer.offThread({ exited.wait(timeout: .now() + 30) }) == .timedOut, process.isRunning {
            // SIGKILL: a SIGTERM that arrives while the emulator installs its handlers is lost,
            // and waiting for the exit would then hang the test run.
            kill(process.processIdentifier, SIGKILL)
            Issue.record("emulate-graph kept running on a port in use")
        }
        process.waitUntilExit()
        let message = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationStatus == 1)
        #expect(message.contains("port \(port)"))
        #expect(message.contains("--port"))
        #expect(!message.contains("NSPOSIXErrorDomain"))
    }
}
