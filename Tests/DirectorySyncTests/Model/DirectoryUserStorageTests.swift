@testable import DirectorySync
import DirectorySyncTesting
import Foundation
import Testing

/// `DirectoryUser` keeps its strings together (`DirectoryUser.Fields`); these tests hold it to a
/// user with twenty stored properties — the shape it had — on seeded random values.
@Suite("Model: a directory user's strings kept together")
struct DirectoryUserStorageTests {
    /// The user as twenty stored properties, with synthesized `Codable` and `Hashable`.
    struct Reference: Codable, Hashable {
        var id: String
        var userPrincipalName: String
        var displayName: String?
        var givenName: String?
        var surname: String?
        var mail: String?
        var otherMails: [String]
        var proxyAddresses: [String]
        var accountEnabled: Bool
        var userType: String?
        var department: String?
        var jobTitle: String?
        var companyName: String?
        var city: String?
        var country: String?
        var officeLocation: String?
        var employeeId: String?
        var onPremisesSamAccountName: String?
        var onPremisesDomainName: String?
        var onPremisesSecurityIdentifier: String?

        init(_ user: DirectoryUser) {
            (id, userPrincipalName, displayName, givenName, surname, mail) =
                (user.id, user.userPrincipalName, user.displayName, user.givenName, user.surname, user.mail)
            (otherMails, proxyAddresses, accountEnabled, userType, department, jobTitle) =
                (user.otherMails, user.proxyAddresses, user.accountEnabled, user.userType, user.department, user.jobTitle)
            (companyName, city, country, officeLocation, employeeId) = (user.companyName, user.city, user.country, user.officeLocation, user.employeeId)
            (onPremisesSamAccountName, onPremisesDomainName, onPremisesSecurityIdentifier) =
                (user.onPremisesSamAccountName, user.onPremisesDomainName, user.onPremisesSecurityIdentifier)
        }
    }

    /// Strings of every length class: empty, short, and long enough for lengths of two and three
    /// bytes (128 and 16,384 bytes and over).
    static func string(_ random: inout SeededRandomNumberGenerator) -> String {
        switch Int.random(in: 0..<10, using: &random) {
        case 0: return String(repeating: DirectoryObjectJSONTests.oddString(&random) + "x", count: Int.random(in: 64...300, using: &random))
        case 1: return String(repeating: "é", count: Int.random(in: 8_000...9_000, using: &random))
        default: return DirectoryObjectJSONTests.oddString(&random)
        }
    }

    /// A seeded random user: the JSON tests' odd strings, some of them long.
    static func user(_ random: inout SeededRandomNumberGenerator) -> DirectoryUser {
        var user = DirectoryObjectJSONTests.user(&random)
        if random.chance(0.3) { user.displayName = string(&random) }
        if random.chance(0.3) { user.proxyAddresses.append(string(&random)) }
        if random.chance(0.2) { user.onPremisesSecurityIdentifier = string(&random) }
        return user
    }

    /// Sets one property (by number) of a user and of its reference to the same random value.
    static func change(_ property: Int, _ user: inout DirectoryUser, _ reference: inout Reference, _ random: inout SeededRandomNumberGenerator) {
        let value: String? = random.chance(0.8) ? string(&random) : nil
        let list = (0..<Int.random(in: 0...3, using: &random)).map { _ in string(&random) }
        switch property {
        case 0: (user.id, reference.id) = (value ?? "", value ?? "")
        case 1: (user.userPrincipalName, reference.userPrincipalName) = (value ?? "", value ?? "")
        case 2: (user.displayName, reference.displayName) = (value, value)
        case 3: (user.givenName, reference.givenName) = (value, value)
        case 4: (user.surname, reference.surname) = (value, value)
        case 5: (user.mail, reference.mail) = (value, value)
        case 6: (user.otherMails, reference.otherMails) = (list, list)
        case 7: (user.proxyAddresses, reference.proxyAddresses) = (list, list)
        case 8: (user.accountEnabled, reference.accountEnabled) = (!user.accountEnabled, !reference.accountEnabled)
        case 9: (user.userType, reference.userType) = (value, value)
        case 10: (user.department, reference.department) = (value, value)
        case 11: (user.jobTitle, reference.jobTitle) = (value, value)
        case 12: (user.companyName, reference.companyName) = (value, value)
        case 13: (user.city, reference.city) = (value, value)
        case 14: (user.country, reference.country) = (value, value)
        case 15: (user.officeLocation, reference.officeLocation) = (value, value)
        case 16: (user.employeeId, reference.employeeId) = (value, value)
        case 17: (user.onPremisesSamAccountName, reference.onPremisesSamAccountName) = (value, value)
        case 18: (user.onPremisesDomainName, reference.onPremisesDomainName) = (value, value)
        default: (user.onPremisesSecurityIdentifier, reference.onPremisesSecurityIdentifier) = (value, value)
        }
    }

    @Test("every property reads back as set, through the initializer and through changes one at a time (seeded)")
    func readsBack() {
        var random = SeededRandomNumberGenerator(seed: 2_611_291)
        for _ in 0..<500 {
            var user = Self.user(&random)
            var reference = Reference(user)
            for _ in 0..<Int.random(in: 1...30, using: &random) {
                Self.change(Int.random(in: 0..<20, using: &random), &user, &reference, &random)
                #expect(Reference(user) == reference)
            }
            // In place: an entry appended to a list.
            user.proxyAddresses.append("smtp:extra@contoso.com")
            reference.proxyAddresses.append("smtp:extra@contoso.com")
            #expect(Reference(user) == reference)
        }
    }

    @Test("a copy keeps its own values when the original changes")
    func copies() {
        var user = DirectoryUser(id: "1", userPrincipalName: "a@contoso.com", mail: "a@contoso.com")
        let copy = user
        user.mail = "b@contoso.com"
        user.proxyAddresses = ["SMTP:b@contoso.com"]
        #expect(copy.mail == "a@contoso.com" && copy.proxyAddresses.isEmpty)
        #expect(user.mail == "b@contoso.com" && user.proxyAddresses == ["SMTP:b@contoso.com"])
    }

    @Test("equality and hashing are the stored properties': strings compared as String compares them (seeded)")
    func equality() {
        var random = SeededRandomNumberGenerator(seed: 2_611_292)
        for _ in 0..<1_000 {
            let (a, b) = (Self.user(&random), Self.user(&random))
            #expect((a == b) == (Reference(a) == Reference(b)))
            var changed = a
            var reference = Reference(a)
            Self.change(Int.random(in: 0..<20, using: &random), &changed, &reference, &random)
            #expect((changed == a) == (reference == Reference(a)))
            if changed == a { #expect(changed.hashValue == a.hashValue) }
        }
        // Canonically equivalent strings with different bytes: equal, with one hash, as `String`s are.
        let composed = DirectoryUser(id: "1", userPrincipalName: "é@contoso.com", displayName: "Zoë", proxyAddresses: ["\u{212A}"])
        let decomposed = DirectoryUser(id: "1", userPrincipalName: "e\u{301}@contoso.com", displayName: "Zoe\u{308}", proxyAddresses: ["K"])
        #expect(composed.fields.bytes != decomposed.fields.bytes)
        #expect(composed == decomposed && composed.hashValue == decomposed.hashValue)
        #expect(Set([composed, decomposed]).count == 1)
        // `nil` and empty differ; so do lists of different lengths.
        #expect(DirectoryUser(id: "1", userPrincipalName: "a", mail: nil) != DirectoryUser(id: "1", userPrincipalName: "a", mail: ""))
        #expect(DirectoryUser(id: "1", userPrincipalName: "a", otherMails: [""]) != DirectoryUser(id: "1", userPrincipalName: "a"))
    }

    @Test("JSON: encoded and decoded as the synthesized Codable of the stored properties (seeded)")
    func codable() throws {
        let encoder = JSONEncoder.deterministic()
        var random = SeededRandomNumberGenerator(seed: 2_611_293)
        for _ in 0..<500 {
            let user = Self.user(&random)
            let encoded = try encoder.encode(user)
            #expect(encoded == (try encoder.encode(Reference(user))))
            let decoded = try JSONDecoder().decode(DirectoryUser.self, from: encoded)
            #expect(decoded == user && Reference(decoded) == Reference(user))
        }
        // The synthesized rules: optional properties may be missing, the others may not.
        let minimal = #"{"id":"1","userPrincipalName":"a@b","otherMails":[],"proxyAddresses":[],"accountEnabled":true}"#
        let user = try JSONDecoder().decode(DirectoryUser.self, from: Data(minimal.utf8))
        #expect(user.mail == nil && user.userType == nil && user.accountEnabled)
        for key in ["id", "userPrincipalName", "otherMails", "proxyAddresses", "accountEnabled"] {
            var object = try JSONSerialization.jsonObject(with: Data(minimal.utf8)) as! [String: Any]
            object[key] = nil
            let data = try JSONSerialization.data(withJSONObject: object)
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(DirectoryUser.self, from: data) }
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(Reference.self, from: data) }
        }
    }

    @Test("printed as its properties, as a struct of them would print")
    func printed() {
        let user = DirectoryUser(id: "1", userPrincipalName: "a@contoso.com", mail: "a@contoso.com")
        let printed = String(describing: user)
        #expect(printed.hasPrefix("DirectoryUser(id: \"1\", userPrincipalName: \"a@contoso.com\""))
        #expect(printed.drop { $0 != "(" } == String(describing: Reference(user)).drop { $0 != "(" })
    }

    @Test("reading slots in one pass gives what each property gives")
    func reader() {
        var random = SeededRandomNumberGenerator(seed: 2_611_294)
        for _ in 0..<300 {
            let user = Self.user(&random)
            let read = user.fields.read { fields in
                [fields.bytes(.userPrincipalName), fields.bytes(.displayName), fields.bytes(.surname), fields.bytes(.onPremisesDomainName)]
                    .map { $0.map { String(decoding: $0, as: UTF8.self) } }
            }
            #expect(read == [user.userPrincipalName, user.displayName, user.surname, user.onPremisesDomainName])
        }
    }
}
