import Foundation

/// The package's one clock: the wall time, a monotonic elapsed time and a cancellable sleep.
///
/// Every part of DirectorySync that needs time takes a `SyncClock` — ``DirectoryService`` (run
/// times, schedules, preview expiry), `SourceSynchronizer` (reconciliation intervals), the Graph
/// provider (token lifetimes, secret expiry), the retrying transport (`Retry-After`, total time)
/// and the Graph emulator — so a test can move time instead of waiting for it. Nothing reads
/// `Date()` or sleeps behind the clock's back (except the emulator's `delay` fault, which exists
/// to make a real transport wait).
///
/// ```swift
/// let service = try await DirectoryService.open(…, clock: .system)
/// ```
///
/// `DirectorySyncTesting`'s `TestClock` makes a clock a test moves by hand (its sleeps return at
/// once, moving time on by what was asked).
public struct SyncClock: Sendable {
    private let wallTime: @Sendable () -> Date
    private let monotonic: @Sendable () -> Duration
    private let wait: @Sendable (Duration) async throws -> Void

    /// Creates a clock from its parts.
    /// - Parameters:
    ///   - now: The wall time.
    ///   - elapsed: A monotonic time since an arbitrary origin; never goes back, even when the wall
    ///     time is set back.
    ///   - sleep: Waits for a duration; throws `CancellationError` when the task is cancelled.
    public init(
        now: @escaping @Sendable () -> Date, elapsed: @escaping @Sendable () -> Duration,
        sleep: @escaping @Sendable (Duration) async throws -> Void
    ) {
        wallTime = now
        monotonic = elapsed
        wait = sleep
    }

    /// The real clock: `Date()`, `ContinuousClock` and `Task.sleep`.
    public static var system: SyncClock {
        let origin = ContinuousClock.now
        return SyncClock(now: { Date() }, elapsed: { ContinuousClock.now - origin }, sleep: { try await Task.sleep(for: $0) })
    }

    /// The wall time: for what is recorded, shown or compared with dates from elsewhere (run times,
    /// schedules, token and secret expiry, HTTP dates).
    /// - Returns: The current date.
    public func now() -> Date { wallTime() }

    /// The monotonic time since the clock's origin: for measuring how long something took.
    /// - Returns: The time elapsed since an arbitrary, fixed origin.
    public func elapsed() -> Duration { monotonic() }

    /// Waits.
    /// - Parameter duration: How long.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func sleep(for duration: Duration) async throws { try await wait(duration) }
}
