import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

@Suite("The emulator's control API speaks designed JSON: faults by kind, fixed answers, errors that say what is wrong")
struct EmulatorControlTests {
    @Test("every fault: a kind and named values", arguments: [
        (EmulatorFault.status(503, retryAfter: "2"), #"{"kind":"status","retryAfter":"2","status":503}"#),
        (EmulatorFault.status(500), #"{"kind":"status","status":500}"#),
        (EmulatorFault.delay(1.5), #"{"kind":"delay","seconds":1.5}"#),
        (EmulatorFault.dropConnection, #"{"kind":"dropConnection"}"#),
        (EmulatorFault.truncatedBody, #"{"kind":"truncatedBody"}"#),
        (EmulatorFault.malformedBody, #"{"kind":"malformedBody"}"#),
        (EmulatorFault.replayDeltaEntries, #"{"kind":"replayDeltaEntries"}"#),
        (EmulatorFault.omitNextLink, #"{"kind":"omitNextLink"}"#),
    ])
    func faults(fault: EmulatorFault, json: String) throws {
        #expect(String(decoding: try JSONEncoder.deterministic().encode(fault), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(EmulatorFault.self, from: Data(json.utf8)) == fault)
    }

    @Test("the form documented before (synthesized) is still accepted", arguments: [
        (#"{"status":{"_0":503,"retryAfter":"2"}}"#, EmulatorFault.status(503, retryAfter: "2")),
        (#"{"delay":{"_0":1.5}}"#, EmulatorFault.delay(1.5)),
        (#"{"dropConnection":{}}"#, EmulatorFault.dropConnection),
        (#"{"omitNextLink":{}}"#, EmulatorFault.omitNextLink),
    ])
    func synthesized(json: String, fault: EmulatorFault) throws {
        #expect(try JSONDecoder().decode(EmulatorFault.self, from: Data(json.utf8)) == fault)
    }

    func control(_ harness: EmulatorHarness, _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil) -> (status: Int, body: String) {
        let response = harness.send(HTTPRequest(
            method: method, url: URL(string: "https://graph.emulator.test/_emulator/\(path)")!,
            headers: body == nil ? [:] : ["Content-Type": "application/json"], body: body.map { Data($0.utf8) }))
        return (response.status, String(decoding: response.body, as: UTF8.self))
    }

    @Test("a fault posted in the designed form is injected; the answers are fixed documents")
    func postFault() throws {
        let harness = EmulatorHarness(users: 3, groups: 1)
        let token = harness.token()
        harness.emulator.clearRequestLog()
        let posted = control(harness, .post, "faults", #"{"fault":{"kind":"status","status":503,"retryAfter":"2"},"times":1,"pathPrefix":"/v1.0/users"}"#)
        #expect(posted.status == 200)
        #expect(posted.body == #"{"status":"ok"}"#)
        let hit = harness.get("/v1.0/users", token: token)
        #expect(hit.status == 503)
        #expect(hit.headers["Retry-After"] == "2")
        #expect(harness.get("/v1.0/users", token: token).status == 200)
        // The legacy form still schedules the same fault.
        #expect(control(harness, .post, "faults", #"{"fault":{"status":{"_0":500}}}"#).status == 200)
        #expect(harness.get("/v1.0/users", token: token).status == 500)

        let log = control(harness, .get, "requests")
        let records = try JSONDecoder().decode([EmulatorRequestRecord].self, from: Data(log.body.utf8))
        #expect(records.map(\.status).contains(503))
        #expect(log.body.hasPrefix(#"[{"method":"POST","path":"/_emulator/faults","query":"","resourceUnits":0,"status":200}"#))
        let units = control(harness, .get, "resource-units")
        #expect(units.body == #"{"total":\#(records.reduce(0) { $0 + $1.resourceUnits })}"#)
    }

    @Test("errors: 400 names what is wrong with the body, 404 an unknown endpoint")
    func errors() {
        let harness = EmulatorHarness(users: 1, groups: 0)
        let notJSON = control(harness, .post, "faults", "not json")
        #expect(notJSON.status == 400)
        #expect(notJSON.body == #"{"error":"the body does not fit this endpoint (it is not JSON); see Documentation/GraphEmulator.md"}"#)
        let unknown = control(harness, .post, "faults", #"{"fault":{"kind":"explode"}}"#)
        #expect(unknown.status == 400)
        #expect(unknown.body.contains("unknown fault 'explode'; expected one of status, delay, dropConnection"))
        let missing = control(harness, .post, "throttling", "{}")
        #expect(missing.body == #"{"error":"the body does not fit this endpoint ('enabled' is missing); see Documentation/GraphEmulator.md"}"#)
        let nowhere = control(harness, .get, "nothing-here")
        #expect(nowhere.status == 404)
        #expect(nowhere.body == #"{"error":"unknown control endpoint; see Documentation/GraphEmulator.md"}"#)
    }

    @Test("values the emulator cannot serve are refused with 400, never a trap or a fault that breaks the server", arguments: [
        ("faults", #"{"fault":{"kind":"status","status":-1}}"#), ("faults", #"{"fault":{"kind":"status","status":0}}"#),
        ("faults", #"{"fault":{"kind":"status","status":99999999999}}"#), ("faults", #"{"fault":{"kind":"delay","seconds":-1}}"#),
        ("faults", #"{"fault":{"kind":"delay","seconds":1e300}}"#), ("faults", #"{"fault":{"kind":"status","status":503},"times":-5}"#),
        ("faults", #"{"fault":{"kind":"status","status":503},"times":0}"#),
        ("clock/advance", #"{"seconds":1e20}"#), ("clock/advance", #"{"seconds":-1e308}"#), ("clock/advance", #"{"seconds":1e400}"#),
    ])
    func outOfRange(endpoint: String, body: String) {
        let harness = EmulatorHarness(users: 1, groups: 0)
        let before = harness.emulator.clock.now
        let answer = control(harness, .post, endpoint, body)
        #expect(answer.status == 400, "\(answer.body)")
        #expect(harness.emulator.clock.now == before)
        #expect(control(harness, .get, "requests").status == 200)
    }

    @Test("the test clock bounds a step instead of trapping")
    func clockBounds() {
        let clock = TestClock.fixed(at: Date(timeIntervalSince1970: 0))
        clock.advance(by: .nan)
        #expect(clock.now == Date(timeIntervalSince1970: 0))
        clock.advance(by: 1e300)
        #expect(clock.now.timeIntervalSince1970 == 10_000 * 366 * 86_400)
    }
}
