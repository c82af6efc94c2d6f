import Foundation
import Testing

@Suite("dirsync schedule")
struct ScheduleCommandTests {
    @Test("prints one UTC instant a line")
    func lines() async throws {
        let result = try await DirsyncProcess.run([
            "schedule", "--kind", "hourly", "--every", "6", "--at", "02:00", "--time-zone", "America/New_York",
            "--after", "2026-03-07T00:00:00Z", "--count", "10",
        ])
        #expect(result.status == 0)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 10)
        #expect(lines[5] == "2026-03-08T07:00:00Z", "02:00 on the spring-forward day runs at 03:00 EDT")
    }

    @Test("--local adds the local time with its offset")
    func local() async throws {
        let result = try await DirsyncProcess.run([
            "schedule", "--kind", "daily", "--at", "02:30", "--time-zone", "America/New_York",
            "--after", "2026-03-07T00:00:00Z", "--count", "2", "--local",
        ])
        #expect(result.output == "2026-03-07T07:30:00Z  2026-03-07T02:30:00-05:00\n2026-03-08T07:30:00Z  2026-03-08T03:30:00-04:00\n")
    }

    @Test("--json prints a JSON array of UTC strings")
    func json() async throws {
        let result = try await DirsyncProcess.run([
            "schedule", "--kind", "weekly", "--days", "mon,wed,fri", "--at", "09:00", "--after", "2026-11-27T10:00:00Z", "--count", "3", "--json",
        ])
        let decoded = try JSONDecoder().decode([String].self, from: Data(result.output.utf8))
        #expect(decoded == ["2026-11-30T09:00:00Z", "2026-12-02T09:00:00Z", "2026-12-04T09:00:00Z"])
    }

    @Test("monthly dates past the month's end run on its last day")
    func monthly() async throws {
        let result = try await DirsyncProcess.run([
            "schedule", "--kind", "monthly", "--dates", "15,31", "--at", "12:00", "--after", "2026-02-01T00:00:00Z", "--count", "3",
        ])
        #expect(result.output == "2026-02-15T12:00:00Z\n2026-02-28T12:00:00Z\n2026-03-15T12:00:00Z\n")
    }

    @Test("--kind none prints nothing and says manual only on standard error")
    func none() async throws {
        let result = try await DirsyncProcess.run(["schedule", "--kind", "none"])
        #expect(result.status == 0)
        #expect(result.output.isEmpty)
        #expect(result.error.contains("manual only"))
    }

    @Test("invalid input: one line naming the rule, exit status 2", arguments: [
        (["--kind", "hourly", "--every", "5", "--at", "02:00"], "divides 24"),
        (["--kind", "daily", "--at", "24:00"], "0 to 23"),
        (["--kind", "weekly", "--days", "mon,mon", "--at", "02:00"], "twice"),
        (["--kind", "monthly", "--dates", "1,2,3", "--at", "02:00"], "one or two dates"),
        (["--kind", "daily", "--at", "02:00", "--time-zone", "Eastern Standard Time"], "not a known time zone"),
        (["--kind", "daily", "--at", "02:00", "--time-zone", "GMT+5"], "or Etc/GMT-5 for a fixed offset of UTC+5"),
        (["--kind", "daily", "--at", "02:00", "--time-zone", "UTC", "--time-zone", "Europe/Oslo"], "--time-zone is given twice"),
        (["--kind", "yearly"], "unknown --kind"),
        (["--kind", "daily"], "needs --at"),
        (["--kind", "daily", "--at", "02:00", "--after", "yesterday"], "ISO 8601"),
        (["--kind", "daily", "--at", "02:00", "--bogus"], "unknown argument"),
    ])
    func invalid(arguments: [String], fragment: String) async throws {
        let result = try await DirsyncProcess.run(["schedule"] + arguments)
        #expect(result.status == 2)
        #expect(result.output.isEmpty)
        #expect(result.error.split(separator: "\n").count == 1)
        #expect(result.error.contains(fragment), "\(result.error)")
    }
}
