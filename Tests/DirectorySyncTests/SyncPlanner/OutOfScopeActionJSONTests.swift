import DirectorySync
import Foundation
import Testing

/// Pins the removal policy's JSON (Documentation/JSON.md, `settings.outOfScope`): two fields of the
/// settings object, and the forms earlier versions saved still read.
@Suite("The removal policy's JSON")
struct OutOfScopeActionJSONTests {
    func text(_ settings: SyncSettings) throws -> String {
        String(decoding: try JSONEncoder.deterministic().encode(settings), as: UTF8.self)
    }

    static let guardText =
        #""deletionGuard":{"groups":{"maximumCount":100,"maximumPercentage":20,"percentageAppliesFrom":10},"memberships":{"maximumCount":5000,"maximumPercentage":30,"percentageAppliesFrom":10},"users":{"maximumCount":500,"maximumPercentage":20,"percentageAppliesFrom":10}}"#

    @Test(
        "each policy's exact text, read back equal",
        arguments: [
            (SyncSettings.OutOfScopeAction.remove, #""outOfScope":"remove""#),
            (.disable, #""outOfScope":"disable""#),
            (.never, #""outOfScope":"never""#),
            (.disableThenRemove(after: .seconds(7 * 86_400)), #""outOfScope":"disableThenRemove","removalGraceSeconds":604800"#),
            (.disableThenRemove(after: .milliseconds(1_500)), #""outOfScope":"disableThenRemove","removalGraceSeconds":1.5"#),
        ])
    func exactText(policy: SyncSettings.OutOfScopeAction, fields: String) throws {
        let settings = SyncSettings(outOfScope: policy)
        let encoded = try text(settings)
        #expect(encoded == "{\(Self.guardText),\"filter\":{\"mode\":\"all\"},\"missingEmail\":\"syncWithWarning\",\(fields)}")
        let decoded = try JSONDecoder.deterministic().decode(SyncSettings.self, from: Data(encoded.utf8))
        #expect(decoded == settings)
        // The policy alone is the same two fields.
        let alone = String(decoding: try JSONEncoder.deterministic().encode(policy), as: UTF8.self)
        #expect(alone == "{\(fields)}")
        #expect(try JSONDecoder().decode(SyncSettings.OutOfScopeAction.self, from: Data(alone.utf8)) == policy)
    }

    @Test("settings saved by the previous version read: remove and disable as strings")
    func previousVersion() throws {
        for (saved, policy) in [("remove", SyncSettings.OutOfScopeAction.remove), ("disable", .disable)] {
            let json = "{\(Self.guardText),\"filter\":{\"mode\":\"all\"},\"missingEmail\":\"syncWithWarning\",\"outOfScope\":\"\(saved)\"}"
            #expect(try JSONDecoder.deterministic().decode(SyncSettings.self, from: Data(json.utf8)).outOfScope == policy)
        }
    }

    @Test("disableThenRemove without a grace reads as the default grace; an unknown policy is refused")
    func defaultsAndErrors() throws {
        let json = "{\(Self.guardText),\"filter\":{\"mode\":\"all\"},\"missingEmail\":\"skip\",\"outOfScope\":\"disableThenRemove\"}"
        let settings = try JSONDecoder().decode(SyncSettings.self, from: Data(json.utf8))
        #expect(settings.outOfScope == .disableThenRemove(after: SyncSettings.OutOfScopeAction.defaultGrace))
        #expect(SyncSettings.OutOfScopeAction.defaultGrace == .seconds(604_800))
        #expect(settings.outOfScope.grace == .seconds(604_800))
        #expect(SyncSettings.OutOfScopeAction.remove.grace == nil)
        let unknown = json.replacingOccurrences(of: "disableThenRemove", with: "purge")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(SyncSettings.self, from: Data(unknown.utf8)) }
        #expect(!(try text(settings)).contains("_0"))
    }
}
