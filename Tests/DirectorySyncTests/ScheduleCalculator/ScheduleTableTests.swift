import DirectorySync
import Foundation
import Testing

func instant(_ text: String) -> Date { try! Date(text, strategy: .iso8601) }
func iso(_ date: Date) -> String { date.formatted(.iso8601) }
func time(_ text: String) -> LocalTime { try! LocalTime(parsing: text) }

@Suite("Schedules: table tests across zones, DST days and month ends")
struct ScheduleTableTests {
    let calculator = CalendarScheduleCalculator()

    func runs(_ schedule: SyncSchedule, after: String, count: Int) -> [String] {
        calculator.runs(of: schedule, after: instant(after), count: count).map(iso)
    }

    @Test("New York, spring forward: 02:30 runs at 03:30 EDT that day")
    func newYorkSpring() throws {
        let schedule = try SyncSchedule.daily(at: time("02:30"), timeZone: "America/New_York")
        #expect(runs(schedule, after: "2026-03-07T00:00:00Z", count: 3) == [
            "2026-03-07T07:30:00Z", "2026-03-08T07:30:00Z", "2026-03-09T06:30:00Z",
        ])
    }

    @Test("New York, fall back: 01:30 runs once, at its first (EDT) occurrence")
    func newYorkFall() throws {
        let schedule = try SyncSchedule.daily(at: time("01:30"), timeZone: "America/New_York")
        #expect(runs(schedule, after: "2026-10-31T12:00:00Z", count: 3) == [
            "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z", "2026-11-03T06:30:00Z",
        ])
    }

    @Test("hourly every 6 from 02:00 in New York across spring forward")
    func hourlyNewYork() throws {
        let schedule = try SyncSchedule.hourly(every: 6, startingAt: time("02:00"), timeZone: "America/New_York")
        // 20:00 EST on the 6th is 01:00Z on the 7th; 02:00 on the 8th falls in the gap and runs at 03:00 EDT.
        #expect(runs(schedule, after: "2026-03-07T00:00:00Z", count: 8) == [
            "2026-03-07T01:00:00Z", "2026-03-07T07:00:00Z", "2026-03-07T13:00:00Z", "2026-03-07T19:00:00Z",
            "2026-03-08T01:00:00Z", "2026-03-08T07:00:00Z", "2026-03-08T12:00:00Z", "2026-03-08T18:00:00Z",
        ])
    }

    @Test("hourly every hour: a gap time coinciding with the next run runs once; fall-back repeats run once")
    func hourlyEveryHour() throws {
        let schedule = try SyncSchedule.hourly(every: 1, startingAt: time("00:30"), timeZone: "America/New_York")
        #expect(runs(schedule, after: "2026-03-08T05:00:00Z", count: 4) == [
            "2026-03-08T05:30:00Z", "2026-03-08T06:30:00Z", "2026-03-08T07:30:00Z", "2026-03-08T08:30:00Z",
        ])
        #expect(runs(schedule, after: "2026-11-01T04:00:00Z", count: 4) == [
            "2026-11-01T04:30:00Z", "2026-11-01T05:30:00Z", "2026-11-01T07:30:00Z", "2026-11-01T08:30:00Z",
        ])
    }

    @Test("hourly starting times wrap around midnight: every 8 from 20:00 is 04:00, 12:00, 20:00")
    func hourlyWraps() throws {
        let schedule = try SyncSchedule.hourly(every: 8, startingAt: time("20:15"), timeZone: "UTC")
        #expect(runs(schedule, after: "2026-06-01T00:00:00Z", count: 4) == [
            "2026-06-01T04:15:00Z", "2026-06-01T12:15:00Z", "2026-06-01T20:15:00Z", "2026-06-02T04:15:00Z",
        ])
    }

    @Test("London, spring forward at 01:00: 01:30 runs at 02:30 BST")
    func london() throws {
        let schedule = try SyncSchedule.daily(at: time("01:30"), timeZone: "Europe/London")
        #expect(runs(schedule, after: "2026-03-28T12:00:00Z", count: 2) == ["2026-03-29T01:30:00Z", "2026-03-30T00:30:00Z"])
        #expect(runs(schedule, after: "2026-10-24T12:00:00Z", count: 2) == ["2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"])
    }

    @Test("Sydney (southern hemisphere): gap in October, repeat in April")
    func sydney() throws {
        let schedule = try SyncSchedule.daily(at: time("02:30"), timeZone: "Australia/Sydney")
        #expect(runs(schedule, after: "2026-10-03T00:00:00Z", count: 2) == ["2026-10-03T16:30:00Z", "2026-10-04T15:30:00Z"])
        #expect(runs(schedule, after: "2026-04-04T00:00:00Z", count: 2) == ["2026-04-04T15:30:00Z", "2026-04-05T16:30:00Z"])
    }

    @Test("Lord Howe's 30-minute gap: 02:15 runs at 02:45 the same day, not a day late")
    func lordHowe() throws {
        let gap = try SyncSchedule.daily(at: time("02:15"), timeZone: "Australia/Lord_Howe")
        #expect(runs(gap, after: "2026-10-03T12:00:00Z", count: 2) == ["2026-10-03T15:45:00Z", "2026-10-04T15:15:00Z"])
        let repeated = try SyncSchedule.daily(at: time("01:45"), timeZone: "Australia/Lord_Howe")
        #expect(runs(repeated, after: "2026-04-04T12:00:00Z", count: 2) == ["2026-04-04T14:45:00Z", "2026-04-05T15:15:00Z"])
    }

    @Test("Kolkata (+05:30) and Chatham (+12:45/+13:45)")
    func oddOffsets() throws {
        let kolkata = try SyncSchedule.daily(at: time("00:00"), timeZone: "Asia/Kolkata")
        #expect(runs(kolkata, after: "2026-01-01T00:00:00Z", count: 1) == ["2026-01-01T18:30:00Z"])
        let chatham = try SyncSchedule.daily(at: time("03:00"), timeZone: "Pacific/Chatham")
        #expect(runs(chatham, after: "2026-09-26T00:00:00Z", count: 2) == ["2026-09-26T14:15:00Z", "2026-09-27T13:15:00Z"])
    }

    @Test("weekly on chosen days")
    func weekly() throws {
        let schedule = try SyncSchedule.weekly(on: [.friday, .monday, .wednesday], at: time("09:00"), timeZone: "UTC")
        #expect(runs(schedule, after: "2026-11-27T10:00:00Z", count: 4) == [
            "2026-11-30T09:00:00Z", "2026-12-02T09:00:00Z", "2026-12-04T09:00:00Z", "2026-12-07T09:00:00Z",
        ])
    }

    @Test("monthly on the 31st runs on the last day of shorter months, leap years included")
    func monthEnds() throws {
        let schedule = try SyncSchedule.monthly(on: [31], at: time("12:00"), timeZone: "UTC")
        #expect(runs(schedule, after: "2027-12-31T13:00:00Z", count: 4) == [
            "2028-01-31T12:00:00Z", "2028-02-29T12:00:00Z", "2028-03-31T12:00:00Z", "2028-04-30T12:00:00Z",
        ])
        #expect(runs(schedule, after: "2026-01-31T13:00:00Z", count: 1) == ["2026-02-28T12:00:00Z"])
    }

    @Test("two monthly dates that land on the same day run once")
    func monthlyCoincide() throws {
        let schedule = try SyncSchedule.monthly(on: [31, 30], at: time("06:00"), timeZone: "Europe/Oslo")
        #expect(runs(schedule, after: "2026-02-01T00:00:00Z", count: 3) == [
            "2026-02-28T05:00:00Z", "2026-03-30T04:00:00Z", "2026-03-31T04:00:00Z",
        ])
    }

    @Test("next run is strictly after the instant")
    func strictlyAfter() throws {
        let schedule = try SyncSchedule.daily(at: time("09:00"), timeZone: "UTC")
        #expect(calculator.nextRun(of: schedule, after: instant("2026-05-05T09:00:00Z")).map(iso) == "2026-05-06T09:00:00Z")
        #expect(calculator.nextRun(of: schedule, after: instant("2026-05-05T08:59:59Z")).map(iso) == "2026-05-05T09:00:00Z")
    }

    @Test("manual only has no runs")
    func manual() {
        #expect(calculator.nextRun(of: .manual, after: instant("2026-05-05T09:00:00Z")) == nil)
        #expect(calculator.runs(of: .manual, after: instant("2026-05-05T09:00:00Z"), count: 3).isEmpty)
    }

    @Test("runs in an interval: start included, end excluded")
    func interval() throws {
        let schedule = try SyncSchedule.hourly(every: 12, startingAt: time("00:00"), timeZone: "UTC")
        let found = calculator.runs(of: schedule, in: DateInterval(start: instant("2026-05-05T00:00:00Z"), end: instant("2026-05-06T12:00:00Z")))
        #expect(found.map(iso) == ["2026-05-05T00:00:00Z", "2026-05-05T12:00:00Z", "2026-05-06T00:00:00Z"])
    }

    @Test("a host that was down gets one catch-up run, not a burst")
    func catchUp() throws {
        let schedule = try SyncSchedule.daily(at: time("02:00"), timeZone: "UTC")
        let caught = try #require(calculator.catchUp(of: schedule, lastRun: instant("2026-05-01T02:00:00Z"), now: instant("2026-05-04T10:00:00Z")))
        #expect(caught.missedRuns == 3)
        #expect(iso(caught.mostRecent) == "2026-05-04T02:00:00Z")
        #expect(calculator.catchUp(of: schedule, lastRun: instant("2026-05-04T02:00:00Z"), now: instant("2026-05-04T10:00:00Z")) == nil)
        #expect(calculator.catchUp(of: .manual, lastRun: instant("2026-01-01T00:00:00Z"), now: instant("2026-05-04T10:00:00Z")) == nil)
    }
}

@Suite("Schedules: validation")
struct ScheduleValidationTests {
    @Test("the hour multiple must divide 24", arguments: [5, 7, 9, 10, 11, 13, 24, 0, -6])
    func hourMultiple(_ every: Int) {
        #expect(throws: ScheduleError.hourMultipleMustDivide24(every)) {
            try SyncSchedule.hourly(every: every, startingAt: time("00:00"), timeZone: "UTC")
        }
    }

    @Test("valid hour multiples", arguments: [1, 2, 3, 4, 6, 8, 12])
    func validMultiples(_ every: Int) throws {
        _ = try SyncSchedule.hourly(every: every, startingAt: time("00:00"), timeZone: "UTC")
    }

    @Test("times, days, dates and zones are checked")
    func rules() {
        #expect(throws: ScheduleError.invalidHour(24)) { try LocalTime(hour: 24) }
        #expect(throws: ScheduleError.invalidMinute(60)) { try LocalTime(hour: 1, minute: 60) }
        #expect(throws: ScheduleError.malformedTime("2pm")) { try LocalTime(parsing: "2pm") }
        #expect(throws: ScheduleError.malformedTime("02:5")) { try LocalTime(parsing: "02:5") }
        #expect(throws: ScheduleError.noWeekdays) { try SyncSchedule.weekly(on: [], at: time("01:00"), timeZone: "UTC") }
        #expect(throws: ScheduleError.duplicateWeekday(.monday)) {
            try SyncSchedule.weekly(on: [.monday, .tuesday, .monday], at: time("01:00"), timeZone: "UTC")
        }
        #expect(throws: ScheduleError.unknownWeekday("funday")) { try Weekday(parsing: "funday") }
        #expect(throws: ScheduleError.monthlyDateCount(3)) { try SyncSchedule.monthly(on: [1, 2, 3], at: time("01:00"), timeZone: "UTC") }
        #expect(throws: ScheduleError.monthlyDateCount(0)) { try SyncSchedule.monthly(on: [], at: time("01:00"), timeZone: "UTC") }
        #expect(throws: ScheduleError.invalidDayOfMonth(32)) { try SyncSchedule.monthly(on: [32], at: time("01:00"), timeZone: "UTC") }
        #expect(throws: ScheduleError.invalidDayOfMonth(0)) { try SyncSchedule.monthly(on: [0], at: time("01:00"), timeZone: "UTC") }
        #expect(throws: ScheduleError.duplicateDayOfMonth(15)) { try SyncSchedule.monthly(on: [15, 15], at: time("01:00"), timeZone: "UTC") }
        #expect(throws: ScheduleError.unknownTimeZone("Eastern Standard Time")) {
            try SyncSchedule.daily(at: time("01:00"), timeZone: "Eastern Standard Time")
        }
        #expect(ScheduleError.hourMultipleMustDivide24(5).description.contains("1, 2, 3, 4, 6, 8 or 12"))
    }

    @Test("schedules round-trip through JSON, and invalid JSON never decodes", arguments: [
        #"{"kind":"hourly","every":6,"at":"02:00","timeZone":"America/New_York"}"#,
        #"{"kind":"daily","at":"23:59","timeZone":"Asia/Kolkata"}"#,
        #"{"kind":"weekly","days":["mon","fri"],"at":"09:30","timeZone":"Europe/Oslo"}"#,
        #"{"kind":"monthly","dates":[15,31],"at":"00:00","timeZone":"Pacific/Chatham"}"#,
        #"{"kind":"none","timeZone":"GMT"}"#,
    ])
    func codable(_ json: String) throws {
        let schedule = try JSONDecoder().decode(SyncSchedule.self, from: Data(json.utf8))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let again = try JSONDecoder().decode(SyncSchedule.self, from: try encoder.encode(schedule))
        #expect(again == schedule)
    }

    @Test("invalid schedules are refused when decoded", arguments: [
        #"{"kind":"hourly","every":5,"at":"02:00","timeZone":"UTC"}"#,
        #"{"kind":"daily","at":"25:00","timeZone":"UTC"}"#,
        #"{"kind":"weekly","days":[],"at":"09:30","timeZone":"UTC"}"#,
        #"{"kind":"monthly","dates":[40],"at":"00:00","timeZone":"UTC"}"#,
        #"{"kind":"daily","at":"01:00","timeZone":"Mars/Olympus"}"#,
        #"{"kind":"yearly","at":"01:00"}"#,
    ])
    func invalidJSON(_ json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(SyncSchedule.self, from: Data(json.utf8)) }
    }
}
