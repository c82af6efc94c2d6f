import Foundation

/// Computes schedule instants from the Gregorian calendar and the time zone's offsets.
///
/// It walks local days, not minutes: each day's runs are its wall-clock times converted to
/// instants the way PEP 495 reads a wall time with `fold=0` — a time inside a spring-forward gap is
/// read with the offset before the gap (so it runs shifted forward by the gap), and a time that
/// occurs twice is its first occurrence. It does not use `Calendar.nextDate`, which lands a day
/// late for wall times inside sub-hour gaps (Australia/Lord_Howe).
public struct CalendarScheduleCalculator: ScheduleCalculator {
    /// Creates the calculator.
    public init() {}

    public func nextRun(of schedule: SyncSchedule, after instant: Date) -> Date? {
        if case .none = schedule.recurrence { return nil }
        let zone = schedule.timeZone
        let after = instant.timeIntervalSince1970
        let wall = Int64(after.rounded(.down)) + Int64(zone.secondsFromGMT(for: instant))
        let firstDay = Civil.floorDivide(wall, 86_400) - 1
        // Every schedule runs at least once in any 62 days; the bound only guards against bugs.
        for day in firstDay..<(firstDay + 400) {
            for run in instants(of: schedule, onDay: day) where Double(run) > after {
                return Date(timeIntervalSince1970: Double(run))
            }
        }
        return nil
    }

    /// The runs on one local day (days since 1970-01-01), in order, without duplicates.
    func instants(of schedule: SyncSchedule, onDay day: Int64) -> [Int64] {
        let date = Civil.date(fromDays: day)
        let times: [LocalTime]
        switch schedule.recurrence {
        case .none:
            return []
        case .hourly(let every, let start):
            let first = start.hour % every
            times = stride(from: first, to: 24, by: every).map { try! LocalTime(hour: $0, minute: start.minute) }
        case .daily(let time):
            times = [time]
        case .weekly(let days, let time):
            times = days.contains(Civil.weekday(ofDays: day)) ? [time] : []
        case .monthly(let dates, let time):
            let last = Civil.daysInMonth(year: date.year, month: date.month)
            times = dates.contains { min($0, last) == date.day } ? [time] : []
        }
        let runs = times.map { Self.instant(ofWall: day * 86_400 + Int64($0.minutesSinceMidnight) * 60, in: schedule.timeZone) }
        // Instants that coincide after a gap shift run once.
        return Array(Set(runs)).sorted()
    }

    /// The instant (seconds since 1970) of a wall-clock time (seconds since 1970 as if in UTC),
    /// read with `fold=0`.
    static func instant(ofWall wall: Int64, in zone: TimeZone) -> Int64 {
        func offset(_ instant: Int64) -> Int64 {
            Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(instant))))
        }
        let before = offset(wall - 86_400)
        let after = offset(wall + 86_400)
        if before == after { return wall - before }
        let early = wall - before
        let late = wall - after
        switch (offset(early) == before, offset(late) == after) {
        case (true, true): return min(early, late)  // occurs twice: the first occurrence
        case (true, false): return early
        case (false, true): return late
        case (false, false): return early  // in the gap: the offset before it, so shifted forward
        }
    }
}

/// Proleptic Gregorian calendar arithmetic on days since 1970-01-01 (Howard Hinnant's algorithms).
enum Civil {
    static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    static func date(fromDays days: Int64) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }

    static func weekday(ofDays days: Int64) -> Weekday {
        // 1970-01-01 was a Thursday, index 3 of Monday-first weekdays.
        let index = (days + 3) - floorDivide(days + 3, 7) * 7
        return Weekday.allCases[Int(index)]
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
