import DirectorySync
import Foundation

extension SyncClock {
    /// The environment variable of the testing hook: a file holding an ISO 8601 time that the
    /// process reads as "now" (``file(_:)``). Not documented in `--help`: for the failover tests,
    /// which move the time of several `dirsync` processes at once.
    static let testClockVariable = "DIRSYNC_TEST_CLOCK_FILE"

    /// The clock `dirsync` runs on: ``system``, or — with `DIRSYNC_TEST_CLOCK_FILE` set — the time
    /// written in that file.
    /// - Throws: ``UsageError`` when the variable names a file without a time in it.
    static func forCommandLine(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> SyncClock {
        guard let path = environment[testClockVariable], !path.isEmpty else { return .system }
        return try file(URL(fileURLWithPath: path))
    }

    /// A clock whose wall time is the ISO 8601 time written in `url` (`2026-05-01T10:00:00Z`),
    /// read on every call: the test moves the time of every process that reads the file by
    /// rewriting it. A sleep returns once the file's time reached its end (polled every 20 ms);
    /// the monotonic time stays the real one (it measures, it schedules nothing). A file that
    /// cannot be read for a moment (being rewritten) leaves the last time read.
    /// - Parameter url: The file.
    /// - Returns: The clock.
    /// - Throws: ``UsageError`` when the file holds no time now.
    static func file(_ url: URL) throws -> SyncClock {
        guard let first = readTime(url) else {
            throw UsageError("\(testClockVariable) names '\(url.path)', which holds no ISO 8601 time (such as 2026-05-01T10:00:00Z)")
        }
        let last = LastTime(first)
        let now: @Sendable () -> Date = { last.update(readTime(url)) }
        let origin = ContinuousClock.now
        return SyncClock(
            now: now, elapsed: { ContinuousClock.now - origin },
            sleep: { duration in
                let end = now().addingTimeInterval(Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
                while now() < end { try await Task.sleep(for: .milliseconds(20)) }
                try Task.checkCancellation()
            })
    }

    private static func readTime(_ url: URL) -> Date? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
    }
}

/// The time a file clock read last, for the moments its file cannot be read. (The SDK's lock
/// helper is not public API, and the examples use public API only.)
private final class LastTime: @unchecked Sendable {
    private let lock = NSLock()
    private var time: Date

    init(_ time: Date) { self.time = time }

    /// Keeps `read` when there is one, and returns the time to use.
    func update(_ read: Date?) -> Date {
        lock.lock()
        defer { lock.unlock() }
        if let read { time = read }
        return time
    }
}
