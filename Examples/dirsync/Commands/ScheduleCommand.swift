import DirectorySync
import Foundation

/// `dirsync schedule`: prints a schedule's upcoming runs.
enum ScheduleCommand {
    static let help = """
        Usage: dirsync schedule --kind KIND [options] [--after INSTANT] [--count N] [--local | --json]

        Prints the next runs of a schedule, one UTC instant a line (ISO 8601).

        \(ScheduleOptions.help)
          --after INSTANT    start after this instant, such as 2026-03-07T00:00:00Z (default: now)
          --count N          how many runs (1 to 10,000; default 10)
          --local            add the local time with its offset to each line
          --json             print a JSON array of the UTC instants

        Example: dirsync schedule --kind hourly --every 6 --at 02:00 --time-zone America/New_York --after 2026-03-07T00:00:00Z --count 10
        """

    static func run(_ arguments: Arguments) async throws -> Int32 {
        var arguments = arguments
        let schedule = try ScheduleOptions.parse(&arguments)
        let after: Date
        if let text = try arguments.option("after") {
            guard let parsed = try? Date(text, strategy: .iso8601) else {
                throw UsageError("--after must be an ISO 8601 instant such as 2026-03-07T00:00:00Z, not '\(text)'")
            }
            after = parsed
        } else {
            after = Date()
        }
        let count = try arguments.integer("count", in: 1...10_000) ?? 10
        let local = arguments.flag("local")
        let json = arguments.flag("json")
        try arguments.finish()
        if local && json { throw UsageError("--local and --json cannot be combined") }

        if case .none = schedule.recurrence {
            Terminal.error("manual only")
            return 0
        }
        let runs = CalendarScheduleCalculator().runs(of: schedule, after: after, count: count)
        let utc = Date.ISO8601FormatStyle()
        if json {
            print(try JSONOutput.line(runs.map { $0.formatted(utc) }))
            return 0
        }
        for run in runs {
            print(local ? "\(run.formatted(utc))  \(localTime(run, in: schedule.timeZone))" : run.formatted(utc))
        }
        return 0
    }

    /// `2026-03-08T03:30:00-04:00`: the local wall time with its offset.
    static func localTime(_ instant: Date, in zone: TimeZone) -> String {
        let offset = zone.secondsFromGMT(for: instant)
        var utc = Date.ISO8601FormatStyle()
        utc.timeZone = TimeZone(secondsFromGMT: 0)!
        let wall = instant.addingTimeInterval(Double(offset)).formatted(utc).dropLast()  // drop the Z
        let sign = offset < 0 ? "-" : "+"
        let minutes = abs(offset) / 60
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(wall)\(sign)\(two(minutes / 60)):\(two(minutes % 60))"
    }
}
