@testable import DirectorySync
import Testing

@Suite("DirectoryMirror: applying changes")
struct DirectoryMirrorTests {
    let base = DirectorySnapshot(
        users: [
            DirectoryUser(id: "u1", userPrincipalName: "ada@contoso.com", displayName: "Ada", mail: "ada@contoso.com", department: "Sales"),
            DirectoryUser(id: "u2", userPrincipalName: "bob@contoso.com", displayName: "Bob"),
        ],
        groups: [DirectoryGroup(id: "g1", displayName: "Sales", memberUserIDs: ["u1"])])

    @Test("an update with some properties changes only those; null clears; unknown names are ignored")
    func partialUpdate() {
        var mirror = DirectoryMirror(base)
        let sent = DirectoryUser(id: "u1", userPrincipalName: "", displayName: "Ada L.", mail: nil)
        mirror.apply(DirectoryChanges([.user(.init(user: sent, properties: ["displayName", "mail", "manager"]))]))
        let user = mirror.users["u1"]
        #expect(user?.displayName == "Ada L.")
        #expect(user?.mail == nil)
        #expect(user?.userPrincipalName == "ada@contoso.com")
        #expect(user?.department == "Sales")
    }

    @Test("a whole user replaces; a new group gets members only through membership changes")
    func wholeObjects() {
        var mirror = DirectoryMirror(base)
        mirror.apply(
            DirectoryChanges([
                .user(.init(user: DirectoryUser(id: "u3", userPrincipalName: "cy@contoso.com"))),
                .group(.init(group: DirectoryGroup(id: "g2", displayName: "New", memberUserIDs: ["ignored"]))),
                .membership(.init(groupID: "g2", memberID: "u3", memberKind: .user, isAdded: true)),
                .membership(.init(groupID: "g2", memberID: "g1", memberKind: .group, isAdded: true)),
            ]))
        #expect(mirror.users["u3"]?.userPrincipalName == "cy@contoso.com")
        #expect(mirror.groups["g2"]?.memberUserIDs == ["u3"])
        #expect(mirror.groups["g2"]?.memberGroupIDs == ["g1"])
    }

    @Test("replays and duplicates change nothing; the last report wins; unknown removals are ignored")
    func idempotent() {
        let changes = DirectoryChanges([
            .membership(.init(groupID: "g1", memberID: "u2", memberKind: .user, isAdded: true)),
            .membership(.init(groupID: "g1", memberID: "u1", memberKind: .user, isAdded: false)),
            .userRemoved(.init(id: "u2", kind: .softDeleted)),
            .userRemoved(.init(id: "nobody", kind: .deleted)),
            .membership(.init(groupID: "missing", memberID: "u1", memberKind: .user, isAdded: true)),
        ])
        var once = DirectoryMirror(base)
        once.apply(changes)
        var twice = once
        twice.apply(changes)
        #expect(once == twice)
        #expect(once.groups["g1"]?.memberUserIDs == ["u2"])
        #expect(once.users["u2"] == nil)
        var restored = once
        restored.apply(DirectoryChanges([.user(.init(user: base.users[1]))]))
        #expect(restored.users["u2"] == base.users[1])
    }

    @Test("the snapshot is sorted and complete, whatever the order of application")
    func snapshotOrder() {
        var mirror = DirectoryMirror(DirectorySnapshot(users: base.users.reversed(), groups: base.groups))
        mirror.apply(DirectoryChanges([.membership(.init(groupID: "g1", memberID: "u0", memberKind: .user, isAdded: true))]))
        let snapshot = mirror.snapshot
        #expect(snapshot.isComplete)
        #expect(snapshot.users.map(\.id) == ["u1", "u2"])
        #expect(snapshot.groups[0].memberUserIDs == ["u0", "u1"])
    }
}
