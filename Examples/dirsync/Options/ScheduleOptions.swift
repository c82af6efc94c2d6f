import DirectorySync
import Foundation

/// Reads a schedule from `--kind`, `--every`, `--at`, `--days`, `--dates` and `--time-zone`.
enum ScheduleOptions {
    static let help = """
          --kind KIND        none, hourly, daily, weekly or monthly
          --every N          hourly: every N hours (1, 2, 3, 4, 6, 8 or 12)
          --at HH:MM         the local time (hourly: the start time)
          --days LIST        weekly: days such as mon,wed,fri
          --dates LIST       monthly: one or two days of the month such as 15,31
          --time-zone ZONE   an IANA time zone such as Europe/Oslo (default UTC)
        """

    static func parse(_ arguments: inout Arguments) throws -> SyncSchedule {
        guard let kind = try arguments.option("kind") else { throw UsageError("--kind is required: none, hourly, daily, weekly or monthly") }
        let zone = try arguments.option("time-zone") ?? "UTC"
        func at() throws -> LocalTime {
            guard let text = try arguments.option("at") else { throw UsageError("--kind \(kind) needs --at HH:MM") }
            return try LocalTime(parsing: text)
        }
        do {
            switch kind {
            case "none":
                return try SyncSchedule(.none, timeZone: zone)
            case "hourly":
                guard let every = try arguments.integer("every", in: Int.min...Int.max) else {
                    throw UsageError("--kind hourly needs --every N (1, 2, 3, 4, 6, 8 or 12)")
                }
                return try SyncSchedule(.hourly(every: every, startingAt: try at()), timeZone: zone)
            case "daily":
                return try SyncSchedule(.daily(at: try at()), timeZone: zone)
            case "weekly":
                guard let list = try arguments.option("days") else { throw UsageError("--kind weekly needs --days, such as mon,wed,fri") }
                let days = try list.split(separator: ",", omittingEmptySubsequences: false).map { try Weekday(parsing: String($0).trimmingCharacters(in: .whitespaces)) }
                return try SyncSchedule(.weekly(on: days, at: try at()), timeZone: zone)
            case "monthly":
                guard let list = try arguments.option("dates") else { throw UsageError("--kind monthly needs --dates, such as 15 or 15,31") }
                let dates = try list.split(separator: ",", omittingEmptySubsequences: false).map { text in
                    guard let date = Int(text.trimmingCharacters(in: .whitespaces)) else {
                        throw UsageError("--dates takes days of the month such as 15,31, not '\(list)'")
                    }
                    return date
                }
                return try SyncSchedule(.monthly(on: dates, at: try at()), timeZone: zone)
            default:
                throw UsageError("unknown --kind '\(kind)'; use none, hourly, daily, weekly or monthly")
            }
        } catch let error as ScheduleError {
            throw UsageError(error.message)
        }
    }
}
