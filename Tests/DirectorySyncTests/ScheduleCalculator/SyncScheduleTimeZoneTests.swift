import DirectorySync
import Foundation
import Testing

@Suite("SyncSchedule: only IANA time zone names")
struct SyncScheduleTimeZoneTests {
    @Test("IANA names are accepted", arguments: [
        "Europe/Oslo", "America/New_York", "Asia/Kolkata", "Pacific/Chatham", "Australia/Lord_Howe", "UTC", "GMT", "Etc/GMT-5", "Etc/GMT+10", "Etc/UTC", "US/Eastern",
    ])
    func accepted(identifier: String) throws {
        let schedule = try SyncSchedule.daily(at: LocalTime(hour: 2), timeZone: identifier)
        #expect(schedule.timeZone == TimeZone(identifier: identifier))
    }

    @Test("other forms Foundation understands are refused, with the IANA name of a fixed offset", arguments: [
        ("GMT+5", "Etc/GMT-5 for a fixed offset of UTC+5"),
        ("UTC+01:00", "Etc/GMT-1 for a fixed offset of UTC+1"),
        ("GMT-0300", "Etc/GMT+3 for a fixed offset of UTC-3"),
        ("EST", "Etc/GMT+5 for a fixed offset of UTC-5"),
        ("Eastern Standard Time", "such as Europe/Oslo"),
        ("europe/oslo", "such as Europe/Oslo"),
        ("Nowhere/Else", "such as Europe/Oslo"),
        ("Etc/GMT+15", "such as Europe/Oslo"),
        ("", "such as Europe/Oslo"),
    ])
    func refused(identifier: String, hint: String) {
        #expect(throws: ScheduleError.unknownTimeZone(identifier)) { try SyncSchedule.daily(at: LocalTime(hour: 2), timeZone: identifier) }
        let error = ScheduleError.unknownTimeZone(identifier)
        let message = error.message
        #expect(error.code == .unknownTimeZone && error.fix.contains(hint), "\(message)")
        #expect(message.hasPrefix("'\(identifier)' is not a known time zone. Use an IANA identifier"))
        #expect(error.description == "unknownTimeZone: \(message)")
        #expect(!message.contains(".."))
    }

    @Test("a schedule saved with a zone Foundation knows still loads")
    func savedSchedulesLoad() throws {
        let decoded = try JSONDecoder().decode(SyncSchedule.self, from: Data(#"{"kind":"daily","at":"02:00","timeZone":"GMT+0500"}"#.utf8))
        #expect(decoded.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: 0)) == 5 * 3600)
        #expect(throws: ScheduleError.unknownTimeZone("Nowhere/Else")) {
            _ = try JSONDecoder().decode(SyncSchedule.self, from: Data(#"{"kind":"daily","at":"02:00","timeZone":"Nowhere/Else"}"#.utf8))
        }
    }
}
