import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("FileIdentityStore: damage is reported, never guessed around; readers change nothing")
struct FileIdentityStoreDamageTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-damage-\(UUID().uuidString)")
    var log: URL { folder.appendingPathComponent("identities.log") }
    var base: URL { folder.appendingPathComponent("identities.base") }

    /// A store with `count` users written after its last compaction (so they are in the log).
    func populated(_ count: Int) async throws {
        let store = try await FileIdentityStore.open(folder: folder)
        for index in 0..<count { _ = try await store.createUser(UserProfile(name: "User \(index)", email: "user\(index)@example.com"), origin: .manual) }
        store.close()
    }

    func bytes() throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder.path) where name.hasPrefix("identities") {
            files[name] = try Data(contentsOf: folder.appendingPathComponent(name))
        }
        return files
    }

    func expectCode(_ code: IdentityStoreError.Code, _ body: () async throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            try await body()
            Issue.record("expected \(code)", sourceLocation: sourceLocation)
        } catch let error as IdentityStoreError {
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test("one bad byte in an early log record: opening for reading or writing fails with `damaged` and no file changes (the defect: 106 writes erased)")
    func corruptEarlyRecord() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(100)
        var lines = try String(contentsOf: log, encoding: .utf8).components(separatedBy: "\n")
        lines[4] = "X" + lines[4]
        try lines.joined(separator: "\n").write(to: log, atomically: false, encoding: .utf8)
        let before = try bytes()
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder) }
        #expect(try bytes() == before)

        let health = try FileIdentityStore.check(folder: folder)
        #expect(!health.isHealthy)
        #expect(health.files.first { $0.path == log.path }?.records == 3)
        #expect(try bytes() == before, "check changes nothing")

        let report = try await FileIdentityStore.repair(folder: folder)
        #expect(report.keptRecords == 3)
        let backup = try #require(report.backupFolder)
        #expect(try Data(contentsOf: URL(fileURLWithPath: backup).appendingPathComponent("identities.log")) == before["identities.log"])
        let repaired = try await FileIdentityStore.open(folder: folder)
        #expect(try await repaired.contents().users.map(\.profile.name).sorted() == ["User 0", "User 1", "User 2"])
        #expect(try FileIdentityStore.check(folder: folder).isHealthy)
    }

    /// The log's lines: its header, then one record per write.
    func logLines() throws -> [String] {
        try String(contentsOf: log, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    @Test("damage to the log's header, or a log emptied, deleted or made to look older, is damage — never a log taken as already folded in", arguments: [
        "header byte", "emptied", "deleted", "legacy-looking", "generation 0",
    ])
    func logHeaderDamage(kind: String) async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(5)
        var lines = try logLines()
        switch kind {
        case "header byte": lines[0] = lines[0].replacingOccurrences(of: "generation", with: "generatiom")
        case "emptied": lines = []
        case "deleted": try FileManager.default.removeItem(at: log)
        case "legacy-looking": lines[0] = "{" + lines[0].dropFirst()
        default: lines[0] = lines[0].replacingOccurrences(of: #""generation":"#, with: #""generation":0,"x":"#)
        }
        if kind != "deleted" { try lines.joined(separator: "\n").write(to: log, atomically: false, encoding: .utf8) }
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
        #expect(try !FileIdentityStore.check(folder: folder).isHealthy)
    }

    @Test("a missing log is damage, and repair keeps every change of the (whole) base")
    func missingLogRepair() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(5)
        (try await FileIdentityStore.open(folder: folder)).close()
        try FileManager.default.removeItem(at: log)
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
        let report = try await FileIdentityStore.repair(folder: folder)
        #expect(report.keptRecords == 5)
        #expect(try await FileIdentityStore.open(folder: folder).contents().users.count == 5)
    }

    @Test("records dropped, repeated or swapped, and a base cut at a record boundary, are damage (records chain their checksums)", arguments: [
        "drop", "repeat", "swap", "cut base",
    ])
    func recordAlignedDamage(kind: String) async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(5)
        if kind == "cut base" {
            let store = try await FileIdentityStore.open(folder: folder)
            store.close()
            let lines = try String(contentsOf: base, encoding: .utf8).split(separator: "\n")
            try (lines.dropLast(2).joined(separator: "\n") + "\n").write(to: base, atomically: false, encoding: .utf8)
        } else {
            var lines = try logLines()
            switch kind {
            case "drop": lines.remove(at: 2)
            case "repeat": lines.insert(lines[2], at: 3)
            default: lines.swapAt(2, 3)
            }
            try lines.joined(separator: "\n").write(to: log, atomically: false, encoding: .utf8)
        }
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
    }

    @Test("a tail of zero bytes (what a power loss can leave) reads as torn: kept by readers, dropped by a writer")
    func zeroTail() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(3)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(count: 4096))
        try handle.close()
        #expect(try await FileIdentityStore.open(folder: folder, access: .readOnly).contents().users.count == 3)
        #expect(try await FileIdentityStore.open(folder: folder).contents().users.count == 3)
    }

    @Test("a link in the store folder's place is refused and its target left alone; a FIFO in a file's place fails at once")
    func linksAndFIFOs() async throws {
        let target = FileManager.default.temporaryDirectory.appendingPathComponent("store-target-\(UUID().uuidString)")
        defer {
            try? FileManager.default.removeItem(at: folder)
            try? FileManager.default.removeItem(at: target)
        }
        try FileManager.default.createDirectory(at: target, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(at: folder.appendingPathComponent("contoso"), withDestinationURL: target)
        let state = try FileSyncStateStore(folder: folder)
        await #expect(throws: SyncStateError.self) { try await state.save("x", for: StateKey(SourceID("contoso"), "name")) }
        await #expect(throws: SyncStateError.self) { try await state.data(for: StateKey(SourceID("contoso"), "name")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: target.path).isEmpty)
        try Data("precious".utf8).write(to: target.appendingPathComponent("name.json"))
        await #expect(throws: SyncStateError.self, "a removal does not reach through the link") { try await state.remove(StateKey(SourceID("contoso"), "name")) }
        #expect(FileManager.default.fileExists(atPath: target.appendingPathComponent("name.json").path))
        let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o755, "the link's target is not touched")

        let store = folder.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        #expect(mkfifo(store.appendingPathComponent("identities.base").path, 0o600) == 0)
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: store, access: .readOnly) }
    }

    @Test("damage in the base fails too, and repair keeps the base's records before it")
    func corruptBase() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(10)
        let store = try await FileIdentityStore.open(folder: folder)
        store.close()
        var data = try Data(contentsOf: base)
        let position = data.count / 2
        data[position] ^= 0x20
        try data.write(to: base)
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
        let report = try await FileIdentityStore.repair(folder: folder)
        #expect(report.keptRecords < 10 && report.keptRecords > 0)
        #expect(try await FileIdentityStore.open(folder: folder).contents().users.count == report.keptRecords)
    }

    @Test("a torn last record: a reader skips it and leaves it; a writer drops it after keeping a copy")
    func tornTail() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(2)
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("000000c6 bf6b5f97 {\"putUser\":{\"_0\":{\"id\":\"u9\"".utf8))
        try handle.close()
        let before = try bytes()
        let reader = try await FileIdentityStore.open(folder: folder, access: .readOnly)
        #expect(try await reader.contents().users.count == 2)
        #expect(try bytes() == before, "a reader never truncates")
        #expect(try FileIdentityStore.check(folder: folder).files.contains { $0.tornTail })

        let writer = try await FileIdentityStore.open(folder: folder)
        #expect(try await writer.contents().users.count == 2)
        writer.close()
        let backups = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("backup").path)
        #expect(backups.count == 1 && backups[0].contains("torn"))
        #expect(try !FileIdentityStore.check(folder: folder).files.contains { $0.tornTail })
    }

    @Test("a read-only opener reads while a writer holds the store, sees acknowledged writes, and cannot write")
    func readOnlyBesideWriter() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try await FileIdentityStore.open(folder: folder)
        _ = try await writer.createUser(UserProfile(name: "Early", email: "early@example.com"), origin: .manual)
        try await writer.compact()
        _ = try await writer.createUser(UserProfile(name: "Late", email: "late@example.com"), origin: .manual)
        let reader = try await FileIdentityStore.open(folder: folder, access: .readOnly)
        #expect(try await reader.contents().users.map(\.profile.name).sorted() == ["Early", "Late"])
        await expectCode(.forbidden) { _ = try await reader.createUser(UserProfile(name: "No"), origin: .manual) }
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: folder) }
        writer.close()
    }

    @Test("writes and readers racing a writer's compactions: no write lost, no reader sees a partial store")
    func readersDuringCompaction() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let writer = try await FileIdentityStore.open(folder: folder)
        for index in 0..<50 { _ = try await writer.createUser(UserProfile(name: "U\(index)", email: "u\(index)@example.com"), origin: .manual) }
        let folder = self.folder
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<30 { try await writer.compact() }
            }
            group.addTask {
                for index in 50..<110 { _ = try await writer.createUser(UserProfile(name: "U\(index)", email: "u\(index)@example.com"), origin: .manual) }
            }
            group.addTask {
                for _ in 0..<30 {
                    let reader = try await FileIdentityStore.open(folder: folder, access: .readOnly)
                    let count = try await reader.contents().users.count
                    #expect((50...110).contains(count))
                }
            }
            try await group.waitForAll()
        }
        writer.close()
        #expect(try await FileIdentityStore.open(folder: folder, access: .readOnly).contents().users.count == 110)
    }

    @Test("a compaction that cannot write: before the new base the log goes on taking writes; after it every write fails, none is lost silently")
    func failedCompaction() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        let store = try await FileIdentityStore.open(folder: folder)
        _ = try await store.createUser(UserProfile(name: "Before"), origin: .manual)
        // A folder that is not empty where the base goes: its write fails; the old files stay whole.
        try FileManager.default.removeItem(at: base)
        try FileManager.default.createDirectory(at: base.appendingPathComponent("blocker"), withIntermediateDirectories: true)
        await expectCode(.unavailable) { try await store.compact() }
        let logSize = try Data(contentsOf: log).count
        _ = try await store.createUser(UserProfile(name: "Kept in the log"), origin: .manual)
        #expect(try Data(contentsOf: log).count > logSize)

        // The base can be written, the new log cannot: the store refuses every later write.
        try FileManager.default.removeItem(at: base)
        try FileManager.default.removeItem(at: log)
        try FileManager.default.createDirectory(at: log.appendingPathComponent("blocker"), withIntermediateDirectories: true)
        await expectCode(.unavailable) { try await store.compact() }
        await expectCode(.unavailable) { _ = try await store.createUser(UserProfile(name: "Refused"), origin: .manual) }
        store.close()
    }

    @Test("a store written before the framing (identities.json and a log of JSON lines) is read, then rewritten by a writer")
    func legacyFormat() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let first = IdentityUser(id: IdentityID("u1"), origin: .manual, profile: UserProfile(name: "First", email: "first@example.com"))
        let second = IdentityUser(id: IdentityID("u2"), origin: .manual, profile: UserProfile(name: "Second", email: "second@example.com"))
        try JSONEncoder().encode([StoreChange.putUser(first)]).write(to: folder.appendingPathComponent("identities.json"))
        try (JSONEncoder().encode(StoreChange.putUser(second)) + Data([0x0A])).write(to: log)
        let reader = try await FileIdentityStore.open(folder: folder, access: .readOnly)
        #expect(try await reader.contents().users.count == 2)
        let writer = try await FileIdentityStore.open(folder: folder)
        #expect(try await writer.contents().users.map(\.profile.name).sorted() == ["First", "Second"])
        writer.close()
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("identities.json").path))
        #expect(try FileIdentityStore.check(folder: folder).isHealthy)
    }

    @Test("a legacy log with a bad line before its end is damage, not a torn tail")
    func legacyDamage() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let user = IdentityUser(id: IdentityID("u1"), origin: .manual, profile: UserProfile(name: "First"))
        try JSONEncoder().encode([StoreChange]()).write(to: folder.appendingPathComponent("identities.json"))
        try (Data("X".utf8) + JSONEncoder().encode(StoreChange.putUser(user)) + Data([0x0A]) + JSONEncoder().encode(StoreChange.putUser(user)) + Data([0x0A])).write(to: log)
        await expectCode(.damaged) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
    }

    @Test("an unreadable file (a folder in its place) or a file others can write fails with `unavailable` and nothing changes")
    func untrusted() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(3)
        chmod(log.path, 0o666)
        let before = try bytes()
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: folder) }
        #expect(try bytes() == before)
        chmod(log.path, 0o600)
        try FileManager.default.removeItem(at: base)
        try FileManager.default.createDirectory(at: base, withIntermediateDirectories: false)
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: folder) }
        #expect(FileManager.default.fileExists(atPath: base.path))
    }

    @Test("a file or lock owned by another user is refused, never read (checked as root, the only user that can make one)")
    func foreignOwner() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(1)
        guard geteuid() == 0 else { return }
        let lock = folder.appendingPathComponent(".lock")
        chown(lock.path, 65534, 65534)
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: folder) }
        chown(lock.path, 0, 0)
        chown(log.path, 65534, 65534)
        await expectCode(.unavailable) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
    }

    @Test("a folder open to others is tightened to 0700 when opened")
    func looseFolder() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        chmod(folder.path, 0o777)
        _ = try await FileIdentityStore.open(folder: folder)
        let mode = try FileManager.default.attributesOfItem(atPath: folder.path)[.posixPermissions] as? NSNumber
        #expect(mode?.intValue == 0o700)
    }

    @Test("a store a newer version wrote is neither read nor repaired: open, repair and check change nothing", arguments: ["identities.base", "identities.log"])
    func newerFormat(file: String) async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try await populated(3)
        let url = folder.appendingPathComponent(file)
        var payloads = RecordFile.scan(try Data(contentsOf: url)).payloads
        payloads[0] = Data(String(decoding: payloads[0], as: UTF8.self).replacingOccurrences(of: #""format":3"#, with: #""format":4"#).utf8)
        try RecordFile.frame(payloads).write(to: url)
        let before = try bytes()
        await expectCode(.newerFormat) { _ = try await FileIdentityStore.open(folder: folder) }
        await expectCode(.newerFormat) { _ = try await FileIdentityStore.open(folder: folder, access: .readOnly) }
        await expectCode(.newerFormat) { _ = try await FileIdentityStore.repair(folder: folder) }
        let health = try FileIdentityStore.check(folder: folder)
        #expect(health.newerFormat == 4)
        #expect(health.description.contains("upgrade DirectorySync; do not repair it"))
        #expect(try bytes() == before)
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("backup").path))
    }
}
