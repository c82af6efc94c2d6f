import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("waitUntil: the tests' one wait for an observed state")
struct WaitUntilTests {
    @Test("returns once the condition holds, checking it again after each pause")
    func returnsWhenTrue() async throws {
        let checks = Locked(0)
        try await waitUntil("the third check") { checks.withLock { $0 += 1; return $0 >= 3 } }
        #expect(checks.withLock { $0 } == 3)
    }

    @Test("gives up after its limit with an error that names what it waited for and where — not a CancellationError")
    func namesWhatTimedOut() async throws {
        let line = #line + 1
        let error = await #expect(throws: WaitTimedOut.self) { try await waitUntil("a state that never comes", atMost: .milliseconds(50)) { false } }
        #expect(error?.description.contains("for a state that never comes (DirectorySyncTestingTests/WaitUntilTests.swift:\(line))") == true, "\(String(describing: error))")
    }

    @Test("what the condition throws ends the wait with that error")
    func conditionThrows() async throws {
        await #expect(throws: CocoaError.self) { try await waitUntil { throw CocoaError(.fileNoSuchFile) } }
    }
}
