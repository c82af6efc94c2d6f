import Foundation

/// When a source synchronizes: the product's five schedule kinds, in the source's time zone.
///
/// Build one with the throwing factories; an invalid schedule cannot exist.
///
/// ```swift
/// let schedule = try SyncSchedule.hourly(every: 6, startingAt: LocalTime(hour: 2), timeZone: "America/New_York")
/// let next = CalendarScheduleCalculator().nextRun(of: schedule, after: now)
/// ```
///
/// Semantics (see `Documentation/Schedules.md`): hourly runs at S, S+N, S+2N … (mod 24 h) every
/// local day; monthly dates past a month's end run on its last day; a local time inside a
/// spring-forward gap runs shifted forward by the gap; a local time that occurs twice runs once, at
/// its first occurrence; instants that coincide run once.
public struct SyncSchedule: Hashable, Sendable, CustomStringConvertible {
    /// How often the schedule recurs.
    public enum Recurrence: Hashable, Sendable {
        /// Manual only.
        case none
        /// Every `every` hours (a divisor of 24), at the local times `startingAt` + k·`every`.
        case hourly(every: Int, startingAt: LocalTime)
        /// Every day at a local time.
        case daily(at: LocalTime)
        /// On the given weekdays (sorted, no duplicates) at a local time.
        case weekly(on: [Weekday], at: LocalTime)
        /// On one or two days of the month (sorted, no duplicates) at a local time.
        case monthly(on: [Int], at: LocalTime)
    }

    /// How often the schedule recurs.
    public let recurrence: Recurrence
    /// The source's time zone; local times are read in it.
    public let timeZone: TimeZone

    /// Creates a validated schedule.
    /// - Parameters:
    ///   - recurrence: How often.
    ///   - timeZone: The source's time zone.
    /// - Throws: ``ScheduleError`` naming the rule broken.
    public init(_ recurrence: Recurrence, timeZone: TimeZone) throws(ScheduleError) {
        switch recurrence {
        case .none, .daily:
            self.recurrence = recurrence
        case .hourly(let every, let start):
            guard [1, 2, 3, 4, 6, 8, 12].contains(every) else { throw .hourMultipleMustDivide24(every) }
            self.recurrence = .hourly(every: every, startingAt: start)
        case .weekly(let days, let time):
            guard !days.isEmpty else { throw .noWeekdays }
            var seen: Set<Weekday> = []
            for day in days where !seen.insert(day).inserted { throw .duplicateWeekday(day) }
            self.recurrence = .weekly(on: days.sorted(), at: time)
        case .monthly(let dates, let time):
            guard (1...2).contains(dates.count) else { throw .monthlyDateCount(dates.count) }
            for date in dates where !(1...31).contains(date) { throw .invalidDayOfMonth(date) }
            if dates.count == 2 && dates[0] == dates[1] { throw .duplicateDayOfMonth(dates[0]) }
            self.recurrence = .monthly(on: dates.sorted(), at: time)
        }
        self.timeZone = timeZone
    }

    /// Creates a validated schedule in the time zone with this IANA identifier.
    ///
    /// Only IANA names are accepted: a region's name such as `Europe/Oslo`, `UTC`, `GMT`, or a
    /// fixed offset from the `Etc/` area such as `Etc/GMT-5` (five hours ahead of UTC). Forms
    /// Foundation also understands, such as `GMT+5`, `EST` or `UTC+01:00`, are refused: they are
    /// easy to misread, and none follows the daylight-saving rules of a place.
    /// - Parameters:
    ///   - recurrence: How often.
    ///   - identifier: An IANA time zone identifier, such as `Europe/Oslo`.
    /// - Throws: ``ScheduleError/unknownTimeZone(_:)`` or the recurrence's rule.
    public init(_ recurrence: Recurrence, timeZone identifier: String) throws(ScheduleError) {
        guard Self.isIANAName(identifier), let zone = TimeZone(identifier: identifier) else { throw .unknownTimeZone(identifier) }
        try self.init(recurrence, timeZone: zone)
    }

    /// Whether `identifier` is an IANA time zone name: `UTC`, `GMT`, or an `Area/Location` name
    /// the time zone database holds under exactly that name. (`TimeZone.knownTimeZoneIdentifiers`
    /// alone is not enough: on Linux it leaves out current names such as `Asia/Kolkata` and the
    /// `Etc/` area.)
    static func isIANAName(_ identifier: String) -> Bool {
        if ["UTC", "GMT"].contains(identifier) || TimeZone.knownTimeZoneIdentifiers.contains(identifier) { return true }
        guard identifier.contains("/") else { return false }
        return TimeZone(identifier: identifier)?.identifier == identifier
    }

    /// Manual synchronization only.
    public static let manual = try! SyncSchedule(.none, timeZone: TimeZone(secondsFromGMT: 0)!)

    /// Every `hours` hours from a local start time, such as every 6 hours from 02:00.
    /// - Throws: ``ScheduleError``.
    public static func hourly(every hours: Int, startingAt start: LocalTime, timeZone: String) throws(ScheduleError) -> SyncSchedule {
        try SyncSchedule(.hourly(every: hours, startingAt: start), timeZone: timeZone)
    }

    /// Every day at a local time.
    /// - Throws: ``ScheduleError``.
    public static func daily(at time: LocalTime, timeZone: String) throws(ScheduleError) -> SyncSchedule {
        try SyncSchedule(.daily(at: time), timeZone: timeZone)
    }

    /// On chosen weekdays at a local time.
    /// - Throws: ``ScheduleError``.
    public static func weekly(on days: [Weekday], at time: LocalTime, timeZone: String) throws(ScheduleError) -> SyncSchedule {
        try SyncSchedule(.weekly(on: days, at: time), timeZone: timeZone)
    }

    /// On one or two days of the month at a local time.
    /// - Throws: ``ScheduleError``.
    public static func monthly(on dates: [Int], at time: LocalTime, timeZone: String) throws(ScheduleError) -> SyncSchedule {
        try SyncSchedule(.monthly(on: dates, at: time), timeZone: timeZone)
    }

    /// For example `every 6 hours from 02:00 (America/New_York)` or `manual only`.
    public var description: String {
        let zone = " (\(timeZone.identifier))"
        switch recurrence {
        case .none: return "manual only"
        case .hourly(let every, let start): return "every \(every) hours from \(start)\(zone)"
        case .daily(let time): return "daily at \(time)\(zone)"
        case .weekly(let days, let time): return "weekly on \(days.map(\.rawValue).joined(separator: ",")) at \(time)\(zone)"
        case .monthly(let dates, let time): return "monthly on \(dates.map(String.init).joined(separator: ",")) at \(time)\(zone)"
        }
    }
}

extension SyncSchedule: Codable {
    private enum CodingKeys: String, CodingKey { case kind, every, at, days, dates, timeZone }

    /// Decodes and validates `{"kind": "hourly", "every": 6, "at": "02:00", "timeZone": "Europe/Oslo"}`
    /// (`daily`: `at`; `weekly`: `days`, `at`; `monthly`: `dates`, `at`; `none`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let zone = try container.decodeIfPresent(String.self, forKey: .timeZone) ?? "GMT"
        let recurrence: Recurrence
        switch kind {
        case "none": recurrence = .none
        case "hourly":
            recurrence = .hourly(every: try container.decode(Int.self, forKey: .every), startingAt: try container.decode(LocalTime.self, forKey: .at))
        case "daily": recurrence = .daily(at: try container.decode(LocalTime.self, forKey: .at))
        case "weekly":
            recurrence = .weekly(on: try container.decode([Weekday].self, forKey: .days), at: try container.decode(LocalTime.self, forKey: .at))
        case "monthly":
            recurrence = .monthly(on: try container.decode([Int].self, forKey: .dates), at: try container.decode(LocalTime.self, forKey: .at))
        default:
            throw DecodingError.dataCorruptedError(
                forKey: .kind, in: container, debugDescription: "unknown schedule kind '\(kind)'; use none, hourly, daily, weekly or monthly")
        }
        // Saved schedules keep any zone Foundation knows: one saved before names were checked must still load.
        guard let timeZone = TimeZone(identifier: zone) else { throw ScheduleError.unknownTimeZone(zone) }
        try self.init(recurrence, timeZone: timeZone)
    }

    /// Encodes the kind, its fields and the time zone identifier.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch recurrence {
        case .none: try container.encode("none", forKey: .kind)
        case .hourly(let every, let start):
            try container.encode("hourly", forKey: .kind)
            try container.encode(every, forKey: .every)
            try container.encode(start, forKey: .at)
        case .daily(let time):
            try container.encode("daily", forKey: .kind)
            try container.encode(time, forKey: .at)
        case .weekly(let days, let time):
            try container.encode("weekly", forKey: .kind)
            try container.encode(days, forKey: .days)
            try container.encode(time, forKey: .at)
        case .monthly(let dates, let time):
            try container.encode("monthly", forKey: .kind)
            try container.encode(dates, forKey: .dates)
            try container.encode(time, forKey: .at)
        }
        try container.encode(timeZone.identifier, forKey: .timeZone)
    }
}
