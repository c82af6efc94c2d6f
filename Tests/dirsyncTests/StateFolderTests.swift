import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("dirsync --state DIR: nothing lost, nothing leaked, administration while another process runs")
struct StateFolderTests {
    typealias Session = AdminCommandTests.Session

    /// A state folder with one source, tested and on, synchronized once.
    func synchronized(users: Int = 100) async throws -> Session {
        let session = try Session(users: users)
        for arguments in [
            ["source", "add", "--name", "Contoso", "--domain", session.credentials.domain],
            session.credentialArguments(), ["test-connection", "--source", "Contoso"], ["on", "--source", "Contoso"], ["sync", "--source", "Contoso"],
        ] {
            let result = try await session.run(arguments, environment: session.secretEnvironment)
            #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.output)\(result.error)")
        }
        return session
    }

    func storeBytes(_ session: Session) throws -> [String: Data] {
        let store = session.folder.appendingPathComponent("store")
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: store.path) where name.hasPrefix("identities") {
            files[name] = try Data(contentsOf: store.appendingPathComponent(name))
        }
        return files
    }

    @Test("one bad byte in the store's log: read-only commands fail and change nothing; store check finds it, store repair keeps what came before")
    func corruptLog() async throws {
        let session = try await synchronized()
        let log = session.folder.appendingPathComponent("store/identities.log")
        var lines = try String(contentsOf: log, encoding: .utf8).components(separatedBy: "\n")
        #expect(lines.count > 100)
        lines[4] = "X" + lines[4]
        try lines.joined(separator: "\n").write(to: log, atomically: false, encoding: .utf8)
        let before = try storeBytes(session)

        for arguments in [["users", "--source", "Contoso"], ["status", "--source", "Contoso"], ["sync", "--source", "Contoso"]] {
            let result = try await session.run(arguments)
            #expect(result.status == 1, "\(arguments): \(result.output)")
            #expect(result.error.contains("damaged at byte") && result.error.contains("store repair"), "\(result.error)")
        }
        #expect(try storeBytes(session) == before, "nothing was changed")

        let check = try await session.run(["store", "check"])
        #expect(check.status == 1)
        #expect(check.output.contains("DAMAGED at byte"))
        let repair = try await session.run(["store", "repair"])
        #expect(repair.status == 0, "\(repair.error)")
        #expect(repair.output.contains("Kept 3 changes"))
        #expect(try await session.run(["store", "check"]).status == 0)
        let resync = try await session.run(["sync", "--source", "Contoso"])
        #expect(resync.status == 0, "\(resync.error)")
        let users = try await session.run(["users", "--source", "Contoso"])
        #expect(users.output.contains("100 users from 'Contoso'"), "the next synchronization restores the rest")
    }

    @Test("a sync whose run cannot be added to a damaged history says so and exits 1; the history is kept")
    func damagedHistory() async throws {
        let session = try await synchronized(users: 5)
        let history = session.folder.appendingPathComponent("state/contoso/history.json")
        var bytes = try Data(contentsOf: history)
        bytes[bytes.count / 2] ^= 0x04
        try bytes.write(to: history)
        let result = try await session.run(["sync", "--source", "Contoso"])
        #expect(result.status == 1)
        #expect(result.output.contains("Warning: The run was not added to the history"), "\(result.output)")
        #expect(try Data(contentsOf: history) == bytes)
    }

    @Test("eight commands started at once, four times — sync, on, filter set: none fails, whether it runs itself or the process that owns the folder carries it out")
    func simultaneousCommands() async throws {
        let session = try await synchronized(users: 5)
        let commands = [["sync", "--source", "Contoso"], ["on", "--source", "Contoso"], ["filter", "set", "--source", "Contoso", "--all"]]
        for _ in 0..<4 {
            // Each process's output in a file of its own, shown when it fails.
            let processes = try (0..<8).map { index in
                let output = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-simultaneous-\(UUID().uuidString)")
                _ = FileManager.default.createFile(atPath: output.path, contents: nil)
                let process = Process()
                process.executableURL = DirsyncProcess.executable
                process.arguments = ["--state", session.folder.path] + commands[index % commands.count]
                let handle = try FileHandle(forWritingTo: output)
                (process.standardOutput, process.standardError) = (handle, handle)
                try process.run()
                try handle.close()
                return (process, output)
            }
            for (process, output) in processes {
                _ = await DirsyncProcess.finish(process)
                let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
                try? FileManager.default.removeItem(at: output)
                #expect(process.terminationStatus == 0, "\(process.arguments ?? []): \(printed)")
            }
        }
    }

    @Test("an unreadable store file fails the command with exit 1 and is left as it is")
    func unreadableStore() async throws {
        let session = try await synchronized(users: 10)
        let base = session.folder.appendingPathComponent("store/identities.base")
        try FileManager.default.removeItem(at: base)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: false)
        let result = try await session.run(["users", "--source", "Contoso"])
        #expect(result.status == 1)
        #expect(result.error.contains("identities.base"), "\(result.error)")
        var isFolder: ObjCBool = false
        #expect(FileManager.default.fileExists(atPath: base.path, isDirectory: &isFolder) && isFolder.boolValue)
    }

    @Test("a state folder others could write is tightened; a sources file another user put there is refused and no secret is sent")
    func looseStateFolder() async throws {
        let session = try await synchronized(users: 10)
        let state = session.folder.appendingPathComponent("state")
        chmod(session.folder.path, 0o777)
        chmod(state.path, 0o777)
        #expect(try await session.run(["source", "list"]).status == 0)
        for folder in [session.folder, state] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? NSNumber
            #expect(mode?.intValue == 0o700, "\(folder.path)")
        }
        guard geteuid() == 0 else { return }  // only root can make a file owned by another user; CI runs as root

        // Another user's listener, named as the sign-in endpoint in a sources file they own.
        let attacker = GraphEmulator()
        _ = attacker.load(TenantGenerator(configuration: .init(users: 1, groups: 1, seed: 1)).generate())
        let listener = LoopbackHTTPServer(attacker)
        try listener.start()
        defer { listener.stop() }
        let sources = state.appendingPathComponent("_service/sources.json")
        let text = try String(contentsOf: sources, encoding: .utf8).replacingOccurrences(of: session.server.baseURL.absoluteString, with: listener.baseURL.absoluteString)
        try FileManager.default.removeItem(at: sources)
        try text.write(to: sources, atomically: false, encoding: .utf8)
        chown(sources.path, 65534, 65534)
        let result = try await session.run(["test-connection", "--source", "Contoso"])
        #expect(result.status == 1)
        #expect(result.error.contains("belongs to another user"), "\(result.error)")
        #expect(attacker.requestLog.isEmpty, "nothing reached the other user's listener")
    }

    /// Sends a command to a stand-in owner that takes the folder's lock (and says so in
    /// `owner.json`, as `run-scheduler`) and the first request, then ends without answering — or,
    /// with `clearingClaim`, removes the request it took, as the next owner does when it starts
    /// after the one that took it died (the claim names process 999999 as its taker), and holds
    /// the folder on. The sender is timed from its start, not from a free slot of
    /// ``DirsyncProcess``: "at once" is well within the stand-in's 900 s, which an unnoticed
    /// failure would wait out.
    /// - Returns: The sender's result, the stand-in's pid and whether it still ran when the sender
    ///   ended. The stand-in is ended after with SIGKILL: a child inherits the test process's
    ///   blocked signals, SIGTERM among them.
    func sendToStandIn(clearingClaim: Bool, _ arguments: [String]) async throws -> (result: DirsyncProcess.Result, owner: Int32, ownerRuns: Bool) {
        let session = try await synchronized(users: 5)
        let owner = Process()
        owner.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        owner.arguments = ["python3", "-c", """
            import fcntl, glob, json, os, sys, time
            control = sys.argv[1] + '/control'
            lock = open(control + '/owner.lock', 'a+')
            fcntl.flock(lock, fcntl.LOCK_EX)
            with open(control + '/owner.json', 'w') as note:
                json.dump({'pid': os.getpid(), 'command': 'run-scheduler', 'since': '2026-01-01T00:00:00Z'}, note)
            print('ready', flush=True)
            deadline = time.time() + 900
            while time.time() < deadline:
                for request in glob.glob(control + '/*.request'):
                    taker = 999999 if sys.argv[2] == 'clear' else os.getpid()
                    claimed = request[:-len('.request')] + '.%d.claimed' % taker
                    os.rename(request, claimed)
                    if sys.argv[2] != 'clear':
                        sys.exit(0)
                    os.remove(claimed)
                    time.sleep(900)
                time.sleep(0.05)
            """, session.folder.path, clearingClaim ? "clear" : "end"]
        let output = Pipe()
        owner.standardOutput = output
        // Not the test's own standard error: `swift test` waits for every writer of it to end.
        owner.standardError = FileHandle.nullDevice
        try owner.run()
        defer { if owner.isRunning { kill(owner.processIdentifier, SIGKILL) } }
        let reader = output.fileHandleForReading
        #expect(String(decoding: await ScriptedServer.offThread { reader.availableData }, as: UTF8.self).contains("ready"))
        let result = try await DirsyncProcess.Background(["--state", session.folder.path] + arguments).wait(atMost: .seconds(300))
        return (result, owner.processIdentifier, owner.isRunning)
    }

    @Test("a sender whose request was taken by an owner that then died fails at once instead of waiting forever, naming that owner")
    func ownerDiesAfterTakingRequest() async throws {
        let (result, owner, _) = try await sendToStandIn(clearingClaim: false, ["off", "--source", "Contoso"])
        #expect(result.status == 1)
        #expect(result.error.contains("(process \(owner)") && result.error.contains("ended before answering"), "\(result.error)")
    }

    @Test("a sync whose request was taken by an owner that died, and cleared away by the next owner, fails at once instead of waiting for as long as that one runs, and does not name the live one")
    func nextOwnerClearsTakenRequest() async throws {
        let (result, owner, ownerRuns) = try await sendToStandIn(clearingClaim: true, ["sync", "--source", "Contoso"])
        #expect(result.status == 1)
        #expect(result.error.contains("ended before answering"), "\(result.error)")
        #expect(!result.error.contains("process \(owner),") && !result.error.contains("process \(owner))"), "the next owner is alive and took nothing: \(result.error)")
        #expect(ownerRuns, "the next owner still holds the folder")
    }

    @Test("the next owner removes what killed processes left in DIR/control: taken requests, and answers and half-written files older than a request's lifetime")
    func controlLeftovers() async throws {
        let session = try await synchronized(users: 5)
        let control = session.folder.appendingPathComponent("control")
        let old = Date(timeIntervalSinceNow: -3_600)
        var names: [String: Bool] = [:]
        for (name, modified, removed) in [
            ("A.123.claimed", Date(), true), (".B.reply.\(UUID().uuidString).tmp", old, true), ("C.reply", old, true), ("D.withdrawn", old, true),
            // Young files (dated ahead, however long the command waits to start) stay.
            (".E.request.\(UUID().uuidString).tmp", Date(timeIntervalSinceNow: 3_600), false), ("F.reply", Date(timeIntervalSinceNow: 3_600), false),
        ] {
            let file = control.appendingPathComponent(name)
            try Data("{}".utf8).write(to: file)
            try FileManager.default.setAttributes([.modificationDate: modified], ofItemAtPath: file.path)
            names[name] = removed
        }
        let result = try await session.run(["sync", "--source", "Contoso"])
        #expect(result.status == 0, "\(result.error)")
        for (name, removed) in names {
            #expect(FileManager.default.fileExists(atPath: control.appendingPathComponent(name).path) == !removed, "\(name)")
        }
    }

    @Test("store check on a folder that does not exist says so (exit 2) rather than calling it healthy")
    func storeCheckMissingFolder() async throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("no-such-state-\(UUID().uuidString)")
        let result = try await DirsyncProcess.run(["--state", missing.path, "store", "check"])
        #expect(result.status == 2)
        #expect(result.error.contains("no state folder"))
        #expect(!FileManager.default.fileExists(atPath: missing.path))
    }

    @Test("while run-scheduler runs: reads work, on/off/filter/schedule/sync are carried out by it, other commands name it")
    func administrationWhileRunning() async throws {
        let session = try await synchronized(users: 20)
        let (process, output, started) = try await DirsyncProcess.start(["--state", session.folder.path, "run-scheduler"], until: "until interrupted")
        var text = started
        defer { if process.isRunning { process.terminate() } }

        for arguments in [["status", "--source", "Contoso"], ["source", "list"], ["source", "show", "--source", "Contoso"], ["history", "--source", "Contoso"],
                          ["users", "--source", "Contoso"], ["groups", "--source", "Contoso"]] {
            let result = try await session.run(arguments)
            #expect(result.status == 0, "\(arguments): \(result.error)")
        }
        let filter = try await session.run(["filter", "set", "--source", "Contoso", "--users", "department ne 'Legal'"])
        #expect(filter.status == 0, "\(filter.error)")
        #expect(filter.output.contains("Filter of 'Contoso'"))
        #expect(filter.output.contains("what leaves the scope is handled as the removal policy says (removed, disabled, or disabled then removed after the grace period), through the deletion guard."), "\(filter.output)")
        let schedule = try await session.run(["schedule", "set", "--source", "Contoso", "--kind", "daily", "--at", "03:00", "--time-zone", "Europe/Oslo"])
        #expect(schedule.status == 0, "\(schedule.error)")
        let sync = try await session.run(["sync", "--source", "Contoso"])
        #expect(sync.status == 0, "\(sync.error)")
        #expect(sync.output.contains("Synchronized 'Contoso'"))
        let off = try await session.run(["off", "--source", "Contoso", "--cancel"])
        #expect(off.status == 0, "\(off.error)")
        #expect(off.output.contains("'Contoso' is off."))
        let show = try await session.run(["source", "show", "--source", "Contoso", "--json"])
        let object = try JSONSerialization.jsonObject(with: Data(show.output.utf8)) as? [String: Any]
        #expect(object?["state"] as? String == "off", "the running process saved the change")
        let invalid = try await session.run(["filter", "set", "--source", "Contoso", "--users", "department eq"])
        #expect(invalid.status == 2, "invalid input is still exit 2")

        // (credentials set is carried out by the owner now; run-due needs the folder to itself.)
        let busy = try await session.run(["run-due"])
        #expect(busy.status == 1)
        #expect(busy.error.contains("in use by process \(process.processIdentifier)") && busy.error.contains("run-scheduler"), "\(busy.error)")

        process.interrupt()
        text.append(await DirsyncProcess.finish(process, output: output))
        #expect(process.terminationStatus == 0)
        let afterwards = try await session.run(session.credentialArguments(), environment: session.secretEnvironment)
        #expect(afterwards.status == 0, "the folder is free again: \(afterwards.error)")
    }
}
