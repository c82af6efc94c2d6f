import Foundation

/// A schedule breaks a rule. The description names the rule and the fix.
public enum ScheduleError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The hour multiple of an hourly schedule does not divide 24.
    case hourMultipleMustDivide24(Int)
    /// An hour outside 0–23.
    case invalidHour(Int)
    /// A minute outside 0–59.
    case invalidMinute(Int)
    /// A time that is not `HH:MM`.
    case malformedTime(String)
    /// A weekly schedule without days.
    case noWeekdays
    /// A weekly schedule that lists a day twice.
    case duplicateWeekday(Weekday)
    /// A weekday name that is not one of `mon` … `sun`.
    case unknownWeekday(String)
    /// A monthly schedule with no dates or more than two.
    case monthlyDateCount(Int)
    /// A day of the month outside 1–31.
    case invalidDayOfMonth(Int)
    /// A monthly schedule that lists a date twice.
    case duplicateDayOfMonth(Int)
    /// The time zone identifier is not a known IANA identifier.
    case unknownTimeZone(String)

    /// The rule broken and what to do.
    public var description: String {
        switch self {
        case .hourMultipleMustDivide24(let hours):
            "An hourly schedule runs every N hours where N divides 24 (1, 2, 3, 4, 6, 8 or 12), not every \(hours); choose one of those."
        case .invalidHour(let hour): "The hour \(hour) is not a time of day; use 0 to 23."
        case .invalidMinute(let minute): "The minute \(minute) is not valid; use 0 to 59."
        case .malformedTime(let text): "'\(text)' is not a local time; write it as HH:MM, for example 02:00."
        case .noWeekdays: "A weekly schedule needs at least one day; choose from mon, tue, wed, thu, fri, sat, sun."
        case .duplicateWeekday(let day): "A weekly schedule lists \(day.rawValue) twice; list each day once."
        case .unknownWeekday(let text): "'\(text)' is not a weekday; use mon, tue, wed, thu, fri, sat or sun."
        case .monthlyDateCount(let count):
            "A monthly schedule runs on one or two dates, not \(count); choose one or two days of the month."
        case .invalidDayOfMonth(let day): "\(day) is not a day of the month; use 1 to 31 (31 runs on the last day of shorter months)."
        case .duplicateDayOfMonth(let day): "A monthly schedule lists day \(day) twice; list each date once."
        case .unknownTimeZone(let identifier):
            "'\(identifier)' is not a known time zone; use an IANA identifier such as Europe/Oslo or America/New_York\(Self.fixedOffsetHint(identifier))."
        }
    }

    /// For a fixed offset Foundation understands but IANA does not name (`GMT+5`), the IANA name
    /// of the same offset, whose sign is inverted (`Etc/GMT-5`).
    private static func fixedOffsetHint(_ identifier: String) -> String {
        guard let zone = TimeZone(identifier: identifier) else { return "" }
        // Any instant does for a fixed offset; a zone with transitions gets no hint.
        let epoch = Date(timeIntervalSince1970: 0)
        let seconds = zone.secondsFromGMT(for: epoch)
        guard seconds % 3600 == 0, (-12...14).contains(seconds / 3600), zone.nextDaylightSavingTimeTransition(after: epoch) == nil else { return "" }
        let hours = seconds / 3600
        let name = hours == 0 ? "UTC" : "Etc/GMT\(hours > 0 ? "-" : "+")\(abs(hours))"
        return ", or \(name) for a fixed offset of UTC\(hours >= 0 ? "+" : "-")\(abs(hours)) (IANA inverts the sign of Etc/GMT names)"
    }
}
