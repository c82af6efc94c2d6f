/// A wall-clock time of day, to the minute, in a schedule's time zone.
public struct LocalTime: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    /// The hour, 0–23.
    public let hour: Int
    /// The minute, 0–59.
    public let minute: Int

    /// Creates a local time.
    /// - Parameters:
    ///   - hour: 0–23.
    ///   - minute: 0–59.
    /// - Throws: ``ScheduleError/invalidHour(_:)`` or ``ScheduleError/invalidMinute(_:)``.
    public init(hour: Int, minute: Int = 0) throws(ScheduleError) {
        guard (0...23).contains(hour) else { throw .invalidHour(hour) }
        guard (0...59).contains(minute) else { throw .invalidMinute(minute) }
        self.hour = hour
        self.minute = minute
    }

    /// Parses `HH:MM` (or `H:MM`).
    /// - Parameter text: The time, such as `02:00` or `17:45`.
    /// - Throws: ``ScheduleError``.
    public init(parsing text: String) throws(ScheduleError) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, (1...2).contains(parts[0].count), parts[1].count == 2,
            let hour = Int(parts[0]), let minute = Int(parts[1])
        else { throw .malformedTime(text) }
        try self.init(hour: hour, minute: minute)
    }

    /// Minutes since midnight.
    public var minutesSinceMidnight: Int { hour * 60 + minute }

    /// `HH:MM`
    public var description: String {
        (hour < 10 ? "0" : "") + "\(hour):" + (minute < 10 ? "0" : "") + "\(minute)"
    }

    /// Orders times within a day.
    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool { lhs.minutesSinceMidnight < rhs.minutesSinceMidnight }

    /// Decodes `"HH:MM"`.
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        try self.init(parsing: text)
    }

    /// Encodes `"HH:MM"`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A day of the week.
public enum Weekday: String, Hashable, Comparable, Sendable, Codable, CaseIterable {
    /// Monday.
    case monday = "mon"
    /// Tuesday.
    case tuesday = "tue"
    /// Wednesday.
    case wednesday = "wed"
    /// Thursday.
    case thursday = "thu"
    /// Friday.
    case friday = "fri"
    /// Saturday.
    case saturday = "sat"
    /// Sunday.
    case sunday = "sun"

    /// Parses `mon` … `sun`, or the full English name, ignoring case.
    /// - Parameter text: The day's name.
    /// - Throws: ``ScheduleError/unknownWeekday(_:)``.
    public init(parsing text: String) throws(ScheduleError) {
        let lowered = text.lowercased()
        guard let day = Self.allCases.first(where: { $0.rawValue == lowered || "\($0)" == lowered }) else {
            throw .unknownWeekday(text)
        }
        self = day
    }

    /// Monday first.
    public static func < (lhs: Weekday, rhs: Weekday) -> Bool { lhs.isoNumber < rhs.isoNumber }

    /// ISO 8601 day number: Monday 1 … Sunday 7.
    public var isoNumber: Int { Self.allCases.firstIndex(of: self)! + 1 }
}
