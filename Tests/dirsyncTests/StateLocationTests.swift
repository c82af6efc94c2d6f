import DirectorySync
@testable import dirsync
import Foundation
import Testing

@Suite("dirsync --state: a folder or etcd://HOST:PORT[,HOST:PORT…]/PREFIX; the test clock file")
struct StateLocationTests {
    @Test("etcd:// and etcds:// give the members as http(s) endpoints and the key prefix")
    func etcd() throws {
        #expect(
            try StateLocation.parse("etcd://127.0.0.1:2379/dirsync/prod")
                == .etcd(.init(endpoints: [URL(string: "http://127.0.0.1:2379")!], prefix: "/dirsync/prod")))
        #expect(
            try StateLocation.parse("etcds://etcd-1.example.com:2379,etcd-2.example.com,[::1]:3000/dirsync/")
                == .etcd(
                    .init(
                        endpoints: [URL(string: "https://etcd-1.example.com:2379")!, URL(string: "https://etcd-2.example.com:2379")!, URL(string: "https://[::1]:3000")!],
                        prefix: "/dirsync")))
        #expect(try StateLocation.parse("ETCD://127.0.0.1:2379/a") == .etcd(.init(endpoints: [URL(string: "http://127.0.0.1:2379")!], prefix: "/a")))
        guard case .etcd(let etcd) = try StateLocation.parse("etcds://a:1,b:2/p") else { Issue.record("not etcd"); return }
        #expect(etcd.description == "etcds://a:1,b:2/p")
    }

    @Test("anything else is a folder")
    func folder() throws {
        #expect(try StateLocation.parse("./dirsync") == .folder(URL(fileURLWithPath: "./dirsync", isDirectory: true)))
        #expect(try StateLocation.parse("etcd") == .folder(URL(fileURLWithPath: "etcd", isDirectory: true)))
        #expect(try StateLocation.parse("/var/lib/etcd:2379") == .folder(URL(fileURLWithPath: "/var/lib/etcd:2379", isDirectory: true)))
    }

    @Test("malformed locations are usage errors naming the form", arguments: [
        ("", "--state needs a folder"),
        ("etcd://127.0.0.1:2379", "needs a key prefix"),
        ("etcd://127.0.0.1:2379/", "needs a key prefix"),
        ("etcd://user:pass@127.0.0.1:2379/p", "DIRSYNC_ETCD_USER"),
        ("etcd://127.0.0.1:99999/p", "HOST:PORT"),
        ("etcd://127.0.0.1:2379,/p", "HOST:PORT"),
        ("etcd://127.0.0.1:x/p", "HOST:PORT"),
        ("etcd://127.0.0.1:2379/p?x=1", "key prefix"),
        ("https://127.0.0.1:2379/p", "not a 'https' URL"),
    ])
    func malformed(text: String, fragment: String) {
        do {
            _ = try StateLocation.parse(text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect((error as? UsageError)?.description.contains(fragment) == true, "\(error)")
        }
    }

    @Test("DIRSYNC_TEST_CLOCK_FILE: now is the file's time, read on every call; a sleep ends when the file's time has passed its end")
    func clockFile() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-clock-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(throws: UsageError.self) { try SyncClock.forCommandLine(["DIRSYNC_TEST_CLOCK_FILE": file.path]) }
        try Data("2026-05-01T10:00:00Z\n".utf8).write(to: file)
        let clock = try SyncClock.forCommandLine(["DIRSYNC_TEST_CLOCK_FILE": file.path])
        #expect(clock.now() == (try Date("2026-05-01T10:00:00Z", strategy: .iso8601)))
        let sleeper = Task { try await clock.sleep(for: .seconds(3_600)) }
        try await Task.sleep(for: .milliseconds(100))
        try Data("2026-05-01T10:30:00Z".utf8).write(to: file)
        try await Task.sleep(for: .milliseconds(100))
        #expect(clock.now() == (try Date("2026-05-01T10:30:00Z", strategy: .iso8601)))
        // Past the end however late the sleeper started (its hour counts from the file's time then).
        try Data("2026-05-02T00:00:00Z".utf8).write(to: file)
        try await sleeper.value
        try Data("not a time".utf8).write(to: file)
        #expect(clock.now() == (try Date("2026-05-02T00:00:00Z", strategy: .iso8601)), "an unreadable file leaves the last time")
        #expect(try SyncClock.forCommandLine([:]).now().timeIntervalSinceNow.magnitude < 5, "without the variable: the real time")
    }
}
