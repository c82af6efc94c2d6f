import DirectorySync
import Foundation
import Testing

@Suite("The file store's records in JSON: a kind and named fields; stores written in the earlier form still open")
struct StoreChangeJSONTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("store-json-\(UUID().uuidString)")
    let profile = UserProfile(name: "Alice", email: "alice@contoso.com")
    let profileJSON = #"{"aliases":[],"email":"alice@contoso.com","isEnabled":true,"logins":[],"name":"Alice"}"#

    @Test("every record")
    func records() throws {
        try expectJSON(
            StoreChange.putUser(IdentityUser(id: "user-1", origin: .directory("contoso", externalID: "e-1"), profile: profile)),
            #"{"id":"user-1","kind":"putUser","origin":{"externalID":"e-1","kind":"directory","source":"contoso"},"profile":\#(profileJSON)}"#)
        try expectJSON(StoreChange.deleteUser("user-1"), #"{"id":"user-1","kind":"deleteUser"}"#)
        try expectJSON(
            StoreChange.putGroup("group-1", origin: .manual, profile: GroupProfile(name: "Sales")),
            #"{"id":"group-1","kind":"putGroup","origin":{"kind":"manual"},"profile":{"name":"Sales"}}"#)
        try expectJSON(StoreChange.deleteGroup("group-1"), #"{"id":"group-1","kind":"deleteGroup"}"#)
        try expectJSON(StoreChange.addMembers(["user-1", "user-2"], "group-1"), #"{"group":"group-1","kind":"addMembers","members":["user-1","user-2"]}"#)
        try expectJSON(StoreChange.removeMembers(["user-2"], "group-1"), #"{"group":"group-1","kind":"removeMembers","members":["user-2"]}"#)
    }

    /// Records as stores wrote them before the designed form.
    static let synthesized = [
        #"{"putUser":{"_0":{"id":"user-1","origin":{"manual":{}},"profile":{"aliases":[],"email":"alice@contoso.com","isEnabled":true,"logins":[],"name":"Alice"}}}}"#,
        #"{"putUser":{"_0":{"id":"user-2","origin":{"directory":{"_0":"contoso","externalID":"e-2"}},"profile":{"aliases":[],"isEnabled":true,"logins":[],"name":"Bob"}}}}"#,
        #"{"putGroup":{"_0":"group-1","origin":{"manual":{}},"profile":{"name":"Sales"}}}"#,
        #"{"addMembers":{"_0":["user-1","user-2"],"_1":"group-1"}}"#,
        #"{"removeMembers":{"_0":["user-2"],"_1":"group-1"}}"#,
        #"{"deleteUser":{"_0":"user-3"}}"#,
        #"{"deleteGroup":{"_0":"group-9"}}"#,
    ]

    @Test("records of the synthesized form of before decode")
    func synthesizedRecords() throws {
        let decoded = try Self.synthesized.map { try JSONDecoder().decode(StoreChange.self, from: Data($0.utf8)) }
        #expect(decoded == [
            .putUser(IdentityUser(id: "user-1", origin: .manual, profile: profile)),
            .putUser(IdentityUser(id: "user-2", origin: .directory("contoso", externalID: "e-2"), profile: UserProfile(name: "Bob"))),
            .putGroup("group-1", origin: .manual, profile: GroupProfile(name: "Sales")),
            .addMembers(["user-1", "user-2"], "group-1"),
            .removeMembers(["user-2"], "group-1"),
            .deleteUser("user-3"),
            .deleteGroup("group-9"),
        ])
    }

    @Test("a framed store whose records are in the earlier form opens, takes new writes beside them, and reads back whole")
    func storeOfTheEarlierForm() async throws {
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let records = Self.synthesized.prefix(4).map { Data($0.utf8) }
        let base = RecordFile.frame([Data(#"{"changes":2,"file":"base","format":2,"generation":1}"#.utf8)] + records.prefix(2))
        let log = RecordFile.frame([Data(#"{"file":"log","format":2,"generation":1}"#.utf8)] + records.dropFirst(2))
        try base.write(to: folder.appendingPathComponent("identities.base"))
        try log.write(to: folder.appendingPathComponent("identities.log"))
        for name in ["identities.base", "identities.log"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: folder.appendingPathComponent(name).path)
        }
        #expect(try FileIdentityStore.check(folder: folder).isHealthy)
        let store = try await FileIdentityStore.open(folder: folder)
        let contents = try await store.contents()
        #expect(contents.users.map(\.profile.name).sorted() == ["Alice", "Bob"])
        #expect(contents.groups.first?.memberIDs.sorted() == ["user-1", "user-2"])
        _ = try await store.createUser(UserProfile(name: "Carol"), origin: .manual)
        store.close()
        let reopened = try await FileIdentityStore.open(folder: folder, access: .readOnly)
        #expect(try await reopened.contents().users.map(\.profile.name).sorted() == ["Alice", "Bob", "Carol"])
        #expect(try FileIdentityStore.check(folder: folder).isHealthy)
    }
}
