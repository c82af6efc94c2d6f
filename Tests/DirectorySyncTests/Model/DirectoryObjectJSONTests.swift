import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

@Suite("Model: users and groups written as JSON directly")
struct DirectoryObjectJSONTests {
    /// Strings with what JSON escapes (quotes, backslashes, control characters), what it does not
    /// (slashes, U+2028, non-ASCII), and the empty string.
    static func oddString(_ random: inout SeededRandomNumberGenerator) -> String {
        let pieces = [
            "a", "Z", "0", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{00}", "\u{01}", "\u{1F}", "\u{7F}", "ë", "Ø",
            "日本", "🙂", "👩‍👩‍👧", "e\u{301}", " ", "\u{2028}", "\u{FEFF}", "'", "=", "@", ":",
        ]
        return (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }

    static func optional(_ random: inout SeededRandomNumberGenerator) -> String? { random.chance(0.6) ? oddString(&random) : nil }

    static func strings(_ random: inout SeededRandomNumberGenerator) -> [String] {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in oddString(&random) }
    }

    /// Member ids: half the lists all GUIDs (kept packed), the others with odd strings among them.
    static func memberIDs(_ random: inout SeededRandomNumberGenerator) -> DirectoryObjectIDs {
        let packed = random.chance(0.5)
        return DirectoryObjectIDs((0..<Int.random(in: 0...4, using: &random)).map { _ in packed || random.chance(0.5) ? random.guid() : oddString(&random) })
    }

    static func user(_ random: inout SeededRandomNumberGenerator) -> DirectoryUser {
        DirectoryUser(
            id: oddString(&random), userPrincipalName: oddString(&random), displayName: optional(&random), givenName: optional(&random),
            surname: optional(&random), mail: optional(&random), otherMails: strings(&random), proxyAddresses: strings(&random),
            accountEnabled: random.chance(0.5), userType: optional(&random), department: optional(&random), jobTitle: optional(&random),
            companyName: optional(&random), city: optional(&random), country: optional(&random), officeLocation: optional(&random),
            employeeId: optional(&random), onPremisesSamAccountName: optional(&random), onPremisesDomainName: optional(&random),
            onPremisesSecurityIdentifier: optional(&random))
    }

    static func group(_ random: inout SeededRandomNumberGenerator) -> DirectoryGroup {
        DirectoryGroup(
            id: oddString(&random), displayName: oddString(&random), description: optional(&random), mail: optional(&random),
            mailEnabled: random.chance(0.5), securityEnabled: random.chance(0.5), groupTypes: strings(&random),
            memberUserIDs: memberIDs(&random), memberGroupIDs: memberIDs(&random))
    }

    @Test("users are written byte for byte as JSONEncoder.deterministic() writes them (seeded random users, every field set or not)")
    func users() throws {
        let encoder = JSONEncoder.deterministic()
        var random = SeededRandomNumberGenerator(seed: 20)
        var users = [
            DirectoryUser(id: "", userPrincipalName: "", userType: nil),
            DirectoryUser(
                id: "1", userPrincipalName: "a@b", displayName: "", givenName: "", surname: "", mail: "", otherMails: [""], proxyAddresses: ["", ""],
                accountEnabled: false, userType: "", department: "", jobTitle: "", companyName: "", city: "", country: "", officeLocation: "",
                employeeId: "", onPremisesSamAccountName: "", onPremisesDomainName: "", onPremisesSecurityIdentifier: ""),
        ]
        for _ in 0..<2_000 { users.append(Self.user(&random)) }
        for user in users {
            var bytes: [UInt8] = []
            user.appendJSON(to: &bytes)
            let expected = try encoder.encode(user)
            #expect(Data(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
            if Data(bytes) != expected { return }
        }
    }

    @Test("groups are written byte for byte as JSONEncoder.deterministic() writes them (seeded random groups)")
    func groups() throws {
        let encoder = JSONEncoder.deterministic()
        var random = SeededRandomNumberGenerator(seed: 21)
        var groups = [DirectoryGroup(id: "", displayName: ""), DirectoryGroup(id: "g", displayName: "G", description: "", mail: "", mailEnabled: true, securityEnabled: false)]
        for _ in 0..<2_000 { groups.append(Self.group(&random)) }
        for group in groups {
            var bytes: [UInt8] = []
            group.appendJSON(to: &bytes)
            let expected = try encoder.encode(group)
            #expect(Data(bytes) == expected, "\(String(decoding: bytes, as: UTF8.self)) vs \(String(decoding: expected, as: UTF8.self))")
            if Data(bytes) != expected { return }
        }
    }

    @Test("appending adds to what the output holds")
    func appends() {
        var bytes = Array("[".utf8)
        DirectoryGroup(id: "g", displayName: "G").appendJSON(to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self)
            == #"[{"displayName":"G","groupTypes":[],"id":"g","mailEnabled":false,"memberGroupIDs":[],"memberUserIDs":[],"securityEnabled":true}"#)
    }
}
