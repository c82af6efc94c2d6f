import Foundation

/// Waits, polling, until `condition` holds: the tests wait for what they observe, never for a time.
///
/// Gives up after `limit` on the continuous clock, so a regression fails the test instead of
/// hanging the suite. The limit bounds a hang; it is not a speed check. It is generous because on a
/// loaded 2-core machine running every suite at once, a test's process has gone more than 70 s
/// without being scheduled.
///
/// The pause between checks starts at 2 ms and doubles up to 100 ms: short, so a quick state is
/// seen at once; a sleep, never a yield, since a loop of yields keeps one of the two cooperative
/// threads busy and starves every test beside it.
///
/// Package access: the tests of this package share it; the library's clients do not see it.
/// - Throws: ``WaitTimedOut`` naming `what` and the caller's line; whatever `condition` throws.
package func waitUntil(
    _ what: String = "the condition", atMost limit: Duration = .seconds(180),
    fileID: String = #fileID, line: Int = #line,
    _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + limit
    var pause = Duration.milliseconds(2)
    while try await !condition() {
        guard ContinuousClock.now < deadline else { throw WaitTimedOut(what: what, limit: limit, fileID: fileID, line: line) }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, .milliseconds(100))
    }
}

/// ``waitUntil(_:atMost:fileID:line:_:)`` gave up: what it waited for did not come about in time.
package struct WaitTimedOut: Error, CustomStringConvertible {
    /// What was waited for.
    package var what: String
    /// How long.
    package var limit: Duration
    /// The waiting call's file.
    package var fileID: String
    /// The waiting call's line.
    package var line: Int

    /// "waited 180.0 seconds for X (File.swift:12)".
    package var description: String { "waited \(limit) for \(what) (\(fileID):\(line))" }
}
