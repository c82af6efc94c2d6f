import DirectorySync
import Foundation
import Testing

@Suite("Operation outcomes in JSON: a kind and named fields; the earlier form still decodes")
struct SyncReportJSONTests {
    @Test("every outcome")
    func outcomes() throws {
        typealias Outcome = SyncOperationResult.Outcome
        try expectJSON(Outcome.succeeded, #"{"kind":"succeeded"}"#)
        try expectJSON(Outcome.failed(code: .addressInUse, message: "taken"), #"{"code":"addressInUse","kind":"failed","message":"taken"}"#)
        try expectJSON(Outcome.failed(code: nil, message: "refused"), #"{"kind":"failed","message":"refused"}"#)
        try expectJSON(Outcome.skipped("the user was not created"), #"{"kind":"skipped","reason":"the user was not created"}"#)
        try expectJSON(Outcome.notStarted, #"{"kind":"notStarted"}"#)
    }

    @Test("the synthesized form of before still decodes")
    func synthesized() throws {
        typealias Outcome = SyncOperationResult.Outcome
        try expectDecodes(#"{"succeeded":{}}"#, as: Outcome.succeeded)
        try expectDecodes(#"{"failed":{"code":"notFound","message":"gone"}}"#, as: Outcome.failed(code: .notFound, message: "gone"))
        try expectDecodes(#"{"skipped":{"_0":"why"}}"#, as: Outcome.skipped("why"))
        try expectDecodes(#"{"notStarted":{}}"#, as: Outcome.notStarted)
    }

    @Test("a result: the operation and its outcome")
    func result() throws {
        let result = SyncOperationResult(
            operation: SyncOperation(phase: .users, action: .removeUser("user-1", externalID: "e-1"), subject: "a@contoso.com", reason: .leftScope),
            outcome: .succeeded)
        try expectJSON(
            result,
            #"{"operation":{"action":{"externalID":"e-1","identityID":"user-1","kind":"removeUser"},"phase":2,"reason":"leftScope","subject":"a@contoso.com"},"outcome":{"kind":"succeeded"}}"#)
    }

    @Test("a report: its results as an array of operations and outcomes, the form it always had")
    func report() throws {
        let operations = [
            SyncOperation(phase: .users, action: .removeUser("user-1", externalID: "e-1"), subject: "a@contoso.com", reason: .leftScope),
            SyncOperation(phase: .groupRemovals, action: .removeGroup("group-1", externalID: "g-1"), subject: "Staff", reason: .leftScope),
        ]
        let report = SyncReport(
            sourceID: "contoso", results: SyncReport.Results(operations: operations, outcomes: [.succeeded, .failed(code: .groupNotEmpty, message: "still has 1 members")]),
            wasCancelled: false)
        try expectJSON(
            report,
            #"{"results":[{"operation":{"action":{"externalID":"e-1","identityID":"user-1","kind":"removeUser"},"phase":2,"reason":"leftScope","subject":"a@contoso.com"},"outcome":{"kind":"succeeded"}},{"operation":{"action":{"externalID":"g-1","identityID":"group-1","kind":"removeGroup"},"phase":6,"reason":"leftScope","subject":"Staff"},"outcome":{"code":"groupNotEmpty","kind":"failed","message":"still has 1 members"}}],"sourceID":"contoso","wasCancelled":false}"#)
        #expect(report == SyncReport(sourceID: "contoso", results: Array(report.results), wasCancelled: false), "results given one by one are the same report")
        #expect(report.results.map(\.operation) == operations && report.results[1].outcome == .failed(code: .groupNotEmpty, message: "still has 1 members"))
        #expect(report.succeeded == 1 && report.failed.map(\.operation) == [operations[1]] && report.notStarted == 0 && !report.isSuccess)
    }
}

