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
}
