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

    @Test(
        "a grace outside 0 to 10 years in saved settings is a DecodingError that says so, never a trap",
        arguments: ["1e30", "-5", "-0.5", "315360000.5", "9.3e18", "1e400", "-1e400"])
    func graceOutOfRange(seconds: String) throws {
        let json = "{\(Self.guardText),\"filter\":{\"mode\":\"all\"},\"missingEmail\":\"skip\",\"outOfScope\":\"disableThenRemove\",\"removalGraceSeconds\":\(seconds)}"
        let error = #expect(throws: DecodingError.self) { try JSONDecoder.deterministic().decode(SyncSettings.self, from: Data(json.utf8)) }
        // 1e400 is no JSON number Foundation reads; every other value is read and refused for its range.
        guard !seconds.hasSuffix("e400"), case .dataCorrupted(let context) = error else { return }
        #expect(context.debugDescription.contains("outside 0 seconds to 10 years"), "\(context.debugDescription)")
        #expect(context.codingPath.last?.stringValue == "removalGraceSeconds")
    }

    @Test("NaN and infinity (where a decoder reads them) are refused the same way")
    func graceNotFinite() throws {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        for value in ["NaN", "Infinity", "-Infinity"] {
            let json = "{\"outOfScope\":\"disableThenRemove\",\"removalGraceSeconds\":\"\(value)\"}"
            #expect(throws: DecodingError.self, "\(value)") { try decoder.decode(SyncSettings.OutOfScopeAction.self, from: Data(json.utf8)) }
        }
    }

    @Test("the bounds themselves read: 0 and exactly 10 years")
    func graceBounds() throws {
        for (seconds, grace) in [("0", Duration.zero), ("315360000", SyncSettings.OutOfScopeAction.maximumGrace)] {
            let json = "{\"outOfScope\":\"disableThenRemove\",\"removalGraceSeconds\":\(seconds)}"
            #expect(try JSONDecoder().decode(SyncSettings.OutOfScopeAction.self, from: Data(json.utf8)) == .disableThenRemove(after: grace))
        }
        #expect(SyncSettings.OutOfScopeAction.maximumGrace == .seconds(3_650 * 86_400))
    }
}
