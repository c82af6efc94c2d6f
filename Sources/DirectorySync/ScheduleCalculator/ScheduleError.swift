import Foundation

/// A schedule breaks a rule. Branch on ``code``; the ``description`` names the rule and the fix.
public struct ScheduleError: DirectorySyncError {
    /// The stable codes of this error (``ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<ScheduleError>

    /// Which rule.
    public var code: Code
    /// The rule broken, naming the value that broke it.
    public var detail: String
    /// What to do.
    public var fix: String

    /// Creates an error.
    /// - Parameters:
    ///   - code: Which rule.
    ///   - detail: The rule broken.
    ///   - fix: What to do.
    public init(_ code: Code, detail: String, fix: String) {
        self.code = code
        self.detail = detail
        self.fix = fix
    }

    /// An hourly schedule every `hours` hours, which do not divide 24.
    /// - Parameter hours: The hour multiple given.
    /// - Returns: The error.
    public static func hourMultipleMustDivide24(_ hours: Int) -> ScheduleError {
        ScheduleError(
            .hourMultipleMustDivide24, detail: "An hourly schedule runs every N hours where N divides 24 (1, 2, 3, 4, 6, 8 or 12), not every \(hours)",
            fix: "Choose one of those.")
    }

    /// An hour outside 0–23.
    /// - Parameter hour: The hour given.
    /// - Returns: The error.
    public static func invalidHour(_ hour: Int) -> ScheduleError {
        ScheduleError(.invalidHour, detail: "The hour \(hour) is not a time of day", fix: "Use 0 to 23.")
    }

    /// A minute outside 0–59.
    /// - Parameter minute: The minute given.
    /// - Returns: The error.
    public static func invalidMinute(_ minute: Int) -> ScheduleError {
        ScheduleError(.invalidMinute, detail: "The minute \(minute) is not valid", fix: "Use 0 to 59.")
    }

    /// A time that is not `HH:MM`.
    /// - Parameter text: The text given.
    /// - Returns: The error.
    public static func malformedTime(_ text: String) -> ScheduleError {
        ScheduleError(.malformedTime, detail: "'\(text)' is not a local time", fix: "Write it as HH:MM, for example 02:00.")
    }

    /// A weekly schedule without days.
    public static let noWeekdays = ScheduleError(
        .noWeekdays, detail: "A weekly schedule needs at least one day", fix: "Choose from mon, tue, wed, thu, fri, sat, sun.")

    /// A weekly schedule that lists a day twice.
    /// - Parameter day: The day listed twice.
    /// - Returns: The error.
    public static func duplicateWeekday(_ day: Weekday) -> ScheduleError {
        ScheduleError(.duplicateWeekday, detail: "A weekly schedule lists \(day.rawValue) twice", fix: "List each day once.")
    }

    /// A weekday name that is not one of `mon` … `sun`.
    /// - Parameter text: The text given.
    /// - Returns: The error.
    public static func unknownWeekday(_ text: String) -> ScheduleError {
        ScheduleError(.unknownWeekday, detail: "'\(text)' is not a weekday", fix: "Use mon, tue, wed, thu, fri, sat or sun.")
    }

    /// A monthly schedule with no dates or more than two.
    /// - Parameter count: The number of dates given.
    /// - Returns: The error.
    public static func monthlyDateCount(_ count: Int) -> ScheduleError {
        ScheduleError(.monthlyDateCount, detail: "A monthly schedule runs on one or two dates, not \(count)", fix: "Choose one or two days of the month.")
    }

    /// A day of the month outside 1–31.
    /// - Parameter day: The day given.
    /// - Returns: The error.
    public static func invalidDayOfMonth(_ day: Int) -> ScheduleError {
        ScheduleError(.invalidDayOfMonth, detail: "\(day) is not a day of the month", fix: "Use 1 to 31 (31 runs on the last day of shorter months).")
    }

    /// A monthly schedule that lists a date twice.
    /// - Parameter day: The date listed twice.
    /// - Returns: The error.
    public static func duplicateDayOfMonth(_ day: Int) -> ScheduleError {
        ScheduleError(.duplicateDayOfMonth, detail: "A monthly schedule lists day \(day) twice", fix: "List each date once.")
    }

    /// A time zone identifier that is not a known IANA identifier. For a fixed offset Foundation
    /// understands but IANA does not name (`GMT+5`), the fix names the IANA zone of that offset.
    /// - Parameter identifier: The identifier given.
    /// - Returns: The error.
    public static func unknownTimeZone(_ identifier: String) -> ScheduleError {
        ScheduleError(
            .unknownTimeZone, detail: "'\(identifier)' is not a known time zone",
            fix: "Use an IANA identifier such as Europe/Oslo or America/New_York\(fixedOffsetHint(identifier)).")
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

extension ErrorCode where Area == ScheduleError {
    /// The hour multiple of an hourly schedule does not divide 24.
    public static let hourMultipleMustDivide24 = Self(rawValue: "hourMultipleMustDivide24")
    /// An hour outside 0–23.
    public static let invalidHour = Self(rawValue: "invalidHour")
    /// A minute outside 0–59.
    public static let invalidMinute = Self(rawValue: "invalidMinute")
    /// A time that is not `HH:MM`.
    public static let malformedTime = Self(rawValue: "malformedTime")
    /// A weekly schedule without days.
    public static let noWeekdays = Self(rawValue: "noWeekdays")
    /// A weekly schedule that lists a day twice.
    public static let duplicateWeekday = Self(rawValue: "duplicateWeekday")
    /// A weekday name that is not one of `mon` … `sun`.
    public static let unknownWeekday = Self(rawValue: "unknownWeekday")
    /// A monthly schedule with no dates or more than two.
    public static let monthlyDateCount = Self(rawValue: "monthlyDateCount")
    /// A day of the month outside 1–31.
    public static let invalidDayOfMonth = Self(rawValue: "invalidDayOfMonth")
    /// A monthly schedule that lists a date twice.
    public static let duplicateDayOfMonth = Self(rawValue: "duplicateDayOfMonth")
    /// The time zone identifier is not a known IANA identifier.
    public static let unknownTimeZone = Self(rawValue: "unknownTimeZone")
}
