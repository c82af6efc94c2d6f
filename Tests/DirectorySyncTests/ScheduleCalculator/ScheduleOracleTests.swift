import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// A brute-force oracle, independent of the calculator: it walks every wall-clock minute of every
/// local day, keeps those the schedule names, and converts each to an instant by searching the
/// time zone's offset segments (PEP 495, fold=0: the first occurrence of a repeated time; a time in
/// a gap read with the offset before the gap).
struct BruteForceSchedule {
    let schedule: SyncSchedule
    private let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0)!
        return calendar
    }()

    /// Constant-offset stretches of time, sampled every six hours and refined minute by minute
    /// wherever the offset differs between two samples (no zone changes its offset twice in six hours).
    private func segments(from start: Int64, to end: Int64) -> [(start: Int64, end: Int64, offset: Int64)] {
        let zone = schedule.timeZone
        func offset(_ t: Int64) -> Int64 { Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(t)))) }
        var result: [(start: Int64, end: Int64, offset: Int64)] = []
        func extend(_ t: Int64, _ o: Int64, _ step: Int64) {
            if let last = result.last, last.offset == o, last.end == t { result[result.count - 1].end = t + step } else {
                result.append((t, t + step, o))
            }
        }
        let step: Int64 = 6 * 3_600
        var sample = start
        var current = offset(sample)
        while sample < end {
            let next = offset(sample + step)
            if next == current {
                extend(sample, current, step)
            } else {
                for minute in stride(from: sample, to: sample + step, by: 60) { extend(minute, offset(minute), 60) }
            }
            current = next
            sample += step
        }
        return result
    }

    private func convert(_ wall: Int64, _ segments: [(start: Int64, end: Int64, offset: Int64)]) -> Int64 {
        let candidates = segments.filter { wall >= $0.start + $0.offset && wall < $0.end + $0.offset }.map { wall - $0.offset }
        if let first = candidates.min() { return first }
        for (a, b) in zip(segments, segments.dropFirst()) where wall >= a.end + a.offset && wall < b.start + b.offset {
            return wall - a.offset
        }
        fatalError("wall time \(wall) outside the window")
    }

    private func dayMatches(_ day: DateComponents, lastDay: Int) -> Bool {
        switch schedule.recurrence {
        case .none: return false
        case .hourly, .daily: return true
        case .weekly(let days, _):
            let iso = (day.weekday! + 5) % 7 + 1  // Calendar: Sunday 1 … Saturday 7
            return days.contains { $0.isoNumber == iso }
        case .monthly(let dates, _): return dates.contains { min($0, lastDay) == day.day! }
        }
    }

    private func minuteMatches(_ minute: Int) -> Bool {
        switch schedule.recurrence {
        case .none: return false
        case .hourly(let every, let start): return minute % 60 == start.minute && ((minute / 60) - start.hour) % every == 0
        case .daily(let at), .weekly(_, let at), .monthly(_, let at): return minute == at.minutesSinceMidnight
        }
    }

    func runs(after: Date, count: Int) -> [Date] {
        let t = Int64(after.timeIntervalSince1970.rounded(.down))
        let firstDay = (t / 86_400) - 2
        // The wall-clock minutes of a day the schedule names, found by walking all 1,440 of them.
        let minutesOfDay = (0..<1_440).filter(minuteMatches)
        var found: [Int64] = []
        var day = firstDay
        // Long enough for `count` runs of any kind: four monthly runs can span 125 days.
        let span: Int64 =
            switch schedule.recurrence {
            case .none: 0
            case .hourly: 4
            case .daily: 8
            case .weekly: 8 * Int64(count)
            case .monthly: 32 * Int64(count) + 4
            }
        let lastDayToScan = t / 86_400 + span + 2
        let window = segments(from: (firstDay - 1) * 86_400, to: (lastDayToScan + 2) * 86_400)
        while day < lastDayToScan {
            let date = Date(timeIntervalSince1970: Double(day * 86_400))
            let components = utc.dateComponents([.day, .weekday], from: date)
            let lastDay = utc.range(of: .day, in: .month, for: date)!.count
            for minute in dayMatches(components, lastDay: lastDay) ? minutesOfDay : [] {
                let run = convert(day * 86_400 + Int64(minute) * 60, window)
                if Double(run) > after.timeIntervalSince1970 { found.append(run) }
            }
            if Set(found).count >= count && day > (found.min()! / 86_400) + 3 { break }
            day += 1
        }
        return Array(Set(found)).sorted().prefix(count).map { Date(timeIntervalSince1970: Double($0)) }
    }
}

@Suite("Schedules: property test against a brute-force oracle")
struct ScheduleOracleTests {
    static let zones = [
        "America/New_York", "Europe/London", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata",
        "Pacific/Chatham", "UTC", "America/Santiago", "Asia/Tehran", "Europe/Oslo", "America/St_Johns",
        "Pacific/Apia", "Africa/Casablanca", "America/Havana", "Asia/Kathmandu",
    ]

    static func randomSchedule(_ random: inout SeededRandomNumberGenerator) throws -> SyncSchedule {
        let known = TimeZone.knownTimeZoneIdentifiers
        let zone = random.chance(0.7) ? zones.randomElement(using: &random)! : known.randomElement(using: &random)!
        let at = try LocalTime(hour: Int.random(in: 0...23, using: &random), minute: [0, 15, 30, 45, Int.random(in: 0...59, using: &random)].randomElement(using: &random)!)
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return try SyncSchedule(.hourly(every: [1, 2, 3, 4, 6, 8, 12].randomElement(using: &random)!, startingAt: at), timeZone: zone)
        case 1: return try SyncSchedule(.daily(at: at), timeZone: zone)
        case 2:
            let days = Weekday.allCases.shuffled(using: &random).prefix(Int.random(in: 1...7, using: &random))
            return try SyncSchedule(.weekly(on: Array(days), at: at), timeZone: zone)
        default:
            let first = Int.random(in: 1...31, using: &random)
            let dates = random.chance(0.5) ? [first] : [first, (first + Int.random(in: 1...30, using: &random) - 1) % 31 + 1]
            return try SyncSchedule(.monthly(on: dates, at: at), timeZone: zone)
        }
    }

    /// A start instant, half the time just before one of the zone's DST transitions.
    static func randomStart(for schedule: SyncSchedule, _ random: inout SeededRandomNumberGenerator) -> Date {
        let base = Date(timeIntervalSince1970: Double(Int.random(in: 1_700_000_000...1_900_000_000, using: &random)))
        guard random.chance(0.5), let transition = schedule.timeZone.nextDaylightSavingTimeTransition(after: base) else { return base }
        return transition.addingTimeInterval(-Double(Int.random(in: 0...(3 * 86_400), using: &random)))
    }

    @Test("runs(after:count:) equals the oracle over thousands of seeded schedules, zones and starts")
    func oracle() throws {
        var random = SeededRandomNumberGenerator(seed: 20_261_127)
        let calculator = CalendarScheduleCalculator()
        var checked = 0
        for _ in 0..<2_000 {
            let schedule = try Self.randomSchedule(&random)
            let start = Self.randomStart(for: schedule, &random)
            let expected = BruteForceSchedule(schedule: schedule).runs(after: start, count: 4)
            let actual = calculator.runs(of: schedule, after: start, count: 4)
            #expect(actual == expected, "\(schedule) after \(iso(start)): \(actual.map(iso)) vs \(expected.map(iso))")
            if actual != expected { break }
            checked += 1
        }
        #expect(checked == 2_000)
    }
}
