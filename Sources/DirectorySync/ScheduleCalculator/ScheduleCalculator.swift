import Foundation

/// Turns a ``SyncSchedule`` into exact instants. Pure: every input, the time zone included, is
/// passed in.
///
/// ``CalendarScheduleCalculator`` is the standard implementation.
public protocol ScheduleCalculator: Sendable {
    /// The first run strictly after `instant`, or `nil` for a manual-only schedule.
    /// - Parameters:
    ///   - schedule: The schedule.
    ///   - instant: The instant to start after.
    /// - Returns: The next run.
    func nextRun(of schedule: SyncSchedule, after instant: Date) -> Date?
}

/// What a host that was down should do: one catch-up run, however many runs were missed.
public struct CatchUp: Hashable, Sendable {
    /// How many scheduled runs fell between the last run and now (counted up to 100,000).
    public var missedRuns: Int
    /// The most recent of them.
    public var mostRecent: Date
}

extension ScheduleCalculator {
    /// The next `count` runs strictly after `instant`, in order.
    /// - Parameters:
    ///   - schedule: The schedule.
    ///   - instant: The instant to start after.
    ///   - count: How many runs.
    /// - Returns: Up to `count` instants (none for a manual-only schedule).
    public func runs(of schedule: SyncSchedule, after instant: Date, count: Int) -> [Date] {
        var result: [Date] = []
        var cursor = instant
        while result.count < count, let next = nextRun(of: schedule, after: cursor) {
            result.append(next)
            cursor = next
        }
        return result
    }

    /// Every run in the interval: from its start (included) to its end (excluded).
    /// - Parameters:
    ///   - schedule: The schedule.
    ///   - interval: The interval.
    /// - Returns: The runs, in order.
    public func runs(of schedule: SyncSchedule, in interval: DateInterval) -> [Date] {
        var result: [Date] = []
        var cursor = interval.start.addingTimeInterval(-0.001)
        while let next = nextRun(of: schedule, after: cursor), next < interval.end {
            result.append(next)
            cursor = next
        }
        return result
    }

    /// Whether a catch-up run is due for a host that was down: runs were scheduled after the last
    /// run and up to now. The answer is one run, not a burst.
    /// - Parameters:
    ///   - schedule: The schedule.
    ///   - lastRun: When the source last synchronized.
    ///   - now: The current instant (from the host's clock).
    /// - Returns: The missed runs, or `nil` when none was missed.
    public func catchUp(of schedule: SyncSchedule, lastRun: Date, now: Date) -> CatchUp? {
        var missed = 0
        var mostRecent: Date?
        var cursor = lastRun
        while missed < 100_000, let next = nextRun(of: schedule, after: cursor), next <= now {
            missed += 1
            mostRecent = next
            cursor = next
        }
        return mostRecent.map { CatchUp(missedRuns: missed, mostRecent: $0) }
    }
}
