import DirectorySync
import Foundation

/// A clock a test moves by hand: a ``DirectorySync/SyncClock`` (``syncClock``) whose sleeps return
/// at once, moving time on by what was asked, and which records them.
///
/// Fixed at a date (``fixed(at:)``), time moves only when a test calls ``advance(by:)`` or
/// something sleeps; following the system clock (``init()``), it runs with real time shifted by
/// whatever was added. The Graph emulator keeps its time with one, so tests can expire tokens
/// and delta links without waiting; give the service, the provider and the emulator the same one
/// and they agree on the time.
///
/// ```swift
/// let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
/// let service = try await DirectoryService.open(…, clock: clock.syncClock)
/// clock.advance(by: 3_600)
/// ```
public final class TestClock: Sendable {
    private struct State {
        var offset: Duration = .zero
        var sleeps: [Duration] = []
    }

    private let base: Date?
    private let origin = ContinuousClock.now
    private let state = Locked(State())

    /// A clock that follows the system clock, shifted by whatever ``advance(by:)`` and sleeps added.
    public init() { base = nil }

    private init(base: Date) { self.base = base }

    /// A clock fixed at a date until advanced.
    /// - Parameter date: The starting date.
    /// - Returns: The clock.
    public static func fixed(at date: Date) -> TestClock { TestClock(base: date) }

    /// The current instant.
    public var now: Date {
        let offset = state.withLock { $0.offset }
        return (base ?? Date()).addingTimeInterval(Self.seconds(offset))
    }

    /// The monotonic time since the clock was made: what was added (and, following the system
    /// clock, the real time passed).
    public var elapsed: Duration {
        let offset = state.withLock { $0.offset }
        return base == nil ? ContinuousClock.now - origin + offset : offset
    }

    /// Every sleep asked of ``syncClock`` so far, in order.
    public var sleeps: [Duration] { state.withLock { $0.sleeps } }

    /// Moves time forward (or back, with a negative step).
    /// - Parameter seconds: How far; a step that is not a number moves nothing, and one beyond
    ///   ±10,000 years moves 10,000 years.
    public func advance(by seconds: TimeInterval) {
        guard seconds.isFinite else { return }
        let bounded = min(max(seconds, -Self.farthest), Self.farthest)
        state.withLock { $0.offset += .milliseconds(Int64((bounded * 1_000).rounded())) }
    }

    /// Ten thousand years, in seconds: the longest single step.
    private static let farthest: TimeInterval = 10_000 * 366 * 86_400

    /// The clock as the package takes it: its sleeps check for cancellation, are recorded, move
    /// time on by their duration and return at once.
    public var syncClock: SyncClock {
        SyncClock(
            now: { self.now }, elapsed: { self.elapsed },
            sleep: { duration in
                try Task.checkCancellation()
                self.state.withLock {
                    $0.sleeps.append(duration)
                    $0.offset += duration
                }
                await Task.yield()
            })
    }

    private static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
