@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `UserProfile` keeps its strings together (`PackedStrings`), as `DirectoryUser` does; these
/// tests hold it to a profile with its seven properties stored — the shape it had — on seeded
/// random values.
@Suite("Model: a store user's profile kept together")
struct UserProfileStorageTests {
    /// The profile as seven stored properties, with synthesized `Codable` and `Hashable`.
    struct Reference: Codable, Hashable {
        var name: String
        var firstName: String?
        var lastName: String?
        var email: String?
        var aliases: [String]
        var logins: [String]
        var isEnabled: Bool

        init(_ profile: UserProfile) {
            (name, firstName, lastName, email) = (profile.name, profile.firstName, profile.lastName, profile.email)
            (aliases, logins, isEnabled) = (profile.aliases, profile.logins, profile.isEnabled)
        }
    }

    static func string(_ random: inout SeededRandomNumberGenerator) -> String { DirectoryUserStorageTests.string(&random) }

    static func list(_ random: inout SeededRandomNumberGenerator) -> [String] {
        (0..<Int.random(in: 0...3, using: &random)).map { _ in string(&random) }
    }

    /// A seeded random profile: odd strings, some of them long, some absent.
    static func profile(_ random: inout SeededRandomNumberGenerator) -> UserProfile {
        func optional() -> String? { random.chance(0.7) ? string(&random) : nil }
        return UserProfile(
            name: string(&random), firstName: optional(), lastName: optional(), email: optional(), aliases: list(&random),
            logins: list(&random), isEnabled: random.chance(0.5))
    }

    /// Sets one property (by number) of a profile and of its reference to the same random value.
    static func change(_ property: Int, _ profile: inout UserProfile, _ reference: inout Reference, _ random: inout SeededRandomNumberGenerator) {
        let value: String? = random.chance(0.8) ? string(&random) : nil
        let list = list(&random)
        switch property {
        case 0: (profile.name, reference.name) = (value ?? "", value ?? "")
        case 1: (profile.firstName, reference.firstName) = (value, value)
        case 2: (profile.lastName, reference.lastName) = (value, value)
        case 3: (profile.email, reference.email) = (value, value)
        case 4: (profile.aliases, reference.aliases) = (list, list)
        case 5: (profile.logins, reference.logins) = (list, list)
        default: (profile.isEnabled, reference.isEnabled) = (!profile.isEnabled, !reference.isEnabled)
        }
    }

    @Test("every property reads back as set, through the initializer and through changes one at a time (seeded)")
    func readsBack() {
        var random = SeededRandomNumberGenerator(seed: 2_611_301)
        for _ in 0..<500 {
            var profile = Self.profile(&random)
            var reference = Reference(profile)
            for _ in 0..<Int.random(in: 1...20, using: &random) {
                Self.change(Int.random(in: 0..<7, using: &random), &profile, &reference, &random)
                #expect(Reference(profile) == reference)
            }
            // In place: entries appended to and removed from a list.
            profile.logins.append("CONTOSO\\extra")
            reference.logins.append("CONTOSO\\extra")
            profile.aliases.removeAll { $0.count > 3 }
            reference.aliases.removeAll { $0.count > 3 }
            #expect(Reference(profile) == reference)
        }
    }

    @Test("a copy keeps its own values when the original changes")
    func copies() {
        var profile = UserProfile(name: "A", email: "a@contoso.com", logins: ["a@contoso.com"])
        let copy = profile
        profile.email = "b@contoso.com"
        profile.logins.append("CONTOSO\\b")
        #expect(copy.email == "a@contoso.com" && copy.logins == ["a@contoso.com"])
        #expect(profile.email == "b@contoso.com" && profile.logins == ["a@contoso.com", "CONTOSO\\b"])
    }

    @Test("equality and hashing are the stored properties': strings compared as String compares them (seeded)")
    func equality() {
        var random = SeededRandomNumberGenerator(seed: 2_611_302)
        for _ in 0..<1_000 {
            let (a, b) = (Self.profile(&random), Self.profile(&random))
            #expect((a == b) == (Reference(a) == Reference(b)))
            var changed = a
            var reference = Reference(a)
            Self.change(Int.random(in: 0..<7, using: &random), &changed, &reference, &random)
            #expect((changed == a) == (reference == Reference(a)))
            if changed == a { #expect(changed.hashValue == a.hashValue) }
        }
        // Canonically equivalent strings with different bytes: equal, with one hash, as `String`s are.
        let composed = UserProfile(name: "Zoë", email: "é@contoso.com", logins: ["\u{212A}"])
        let decomposed = UserProfile(name: "Zoe\u{308}", email: "e\u{301}@contoso.com", logins: ["K"])
        #expect(composed.fields.bytes != decomposed.fields.bytes)
        #expect(composed == decomposed && composed.hashValue == decomposed.hashValue)
        #expect(Set([composed, decomposed]).count == 1)
        // Profiles without an email still hash apart (by their names).
        #expect(Set((0..<1_000).map { UserProfile(name: "User \($0)").hashValue }).count > 990)
        // `nil` and empty differ; so do lists of different lengths.
        #expect(UserProfile(name: "a", email: nil) != UserProfile(name: "a", email: ""))
        #expect(UserProfile(name: "a", aliases: [""]) != UserProfile(name: "a"))
    }

    @Test("JSON: encoded and decoded as the synthesized Codable of the stored properties (seeded)")
    func codable() throws {
        let encoder = JSONEncoder.deterministic()
        var random = SeededRandomNumberGenerator(seed: 2_611_303)
        for _ in 0..<500 {
            let profile = Self.profile(&random)
            let encoded = try encoder.encode(profile)
            #expect(encoded == (try encoder.encode(Reference(profile))))
            let decoded = try JSONDecoder().decode(UserProfile.self, from: encoded)
            #expect(decoded == profile && Reference(decoded) == Reference(profile))
        }
        // The synthesized rules: optional properties may be missing, the others may not.
        let minimal = #"{"name":"A","aliases":[],"logins":[],"isEnabled":true}"#
        let profile = try JSONDecoder().decode(UserProfile.self, from: Data(minimal.utf8))
        #expect(profile.email == nil && profile.firstName == nil && profile.isEnabled)
        for key in ["name", "aliases", "logins", "isEnabled"] {
            var object = try JSONSerialization.jsonObject(with: Data(minimal.utf8)) as! [String: Any]
            object[key] = nil
            let data = try JSONSerialization.data(withJSONObject: object)
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(UserProfile.self, from: data) }
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Reference.self, from: data) }
        }
    }

    @Test("printed as its properties, as a struct of them would print")
    func printed() {
        let profile = UserProfile(name: "A", lastName: "B", email: "a@contoso.com", logins: ["a@contoso.com"])
        let printed = String(describing: profile)
        #expect(printed.hasPrefix("UserProfile(name: \"A\", firstName: nil, lastName: Optional(\"B\")"))
        #expect(printed.drop { $0 != "(" } == String(describing: Reference(profile)).drop { $0 != "(" })
    }

    @Test("reading slots and lists in one pass gives what each property gives")
    func reader() {
        var random = SeededRandomNumberGenerator(seed: 2_611_304)
        for _ in 0..<300 {
            let profile = Self.profile(&random)
            let read = profile.fields.read { fields -> [String?] in
                var logins: [String?] = []
                let email = fields.bytes(.email)
                fields.forEachEntry(.logins) { logins.append(String(decoding: $0, as: UTF8.self)) }
                let lastName = fields.bytes(.lastName)
                return ([email] + [nil] + [lastName]).map { $0.map { String(decoding: $0, as: UTF8.self) } } + logins
            }
            #expect(read == [profile.email, nil, profile.lastName] + profile.logins)
        }
    }

    @Test("a profile's in-place address and login checks agree with comparing lower-cased keys (seeded, with look-alike characters)")
    func holdsAddress() {
        var random = SeededRandomNumberGenerator(seed: 2_611_305)
        // ASCII in both cases, and characters that lower-case to ASCII (the Kelvin sign) or are
        // canonically equivalent to it (the Greek question mark to `;`).
        let pieces = ["a", "B", "k", "K", "\u{212A}", ";", "\u{37E}", "é", "É", "e\u{301}", "@", ".", "ß", "İ"]
        func address() -> String { (0..<Int.random(in: 0...5, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined() }
        for _ in 0..<3_000 {
            let profile = UserProfile(
                name: "A", email: random.chance(0.8) ? address() : nil, aliases: (0..<Int.random(in: 0...2, using: &random)).map { _ in address() },
                logins: (0..<Int.random(in: 0...2, using: &random)).map { _ in address() })
            let key = address().lowercasedKey
            let expected = profile.email?.lowercasedKey == key || profile.aliases.contains { $0.lowercasedKey == key }
            var copy = key
            #expect(copy.withUTF8 { profile.fields.holdsAddress(key: $0) } == expected, "\(profile) \(key)")
            #expect(profile.holdsAddress(key) == expected)
            #expect(profile.holdsLogin(key) == profile.logins.contains { $0.lowercasedKey == key }, "\(profile) \(key)")
        }
    }
}
