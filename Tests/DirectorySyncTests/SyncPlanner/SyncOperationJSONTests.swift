import DirectorySync
import Foundation
import Testing

@Suite("Plans in JSON: actions, identity references and verdicts have a designed form; saved previews of the earlier form still load")
struct SyncOperationJSONTests {
    let profile = UserProfile(name: "Alice", email: "alice@contoso.com")
    let profileJSON = #"{"aliases":[],"email":"alice@contoso.com","isEnabled":true,"logins":[],"name":"Alice"}"#
    let changes = [FieldChange(field: "email", old: "a@contoso.com", new: "alice@contoso.com")]
    let changesJSON = #"[{"field":"email","new":"alice@contoso.com","old":"a@contoso.com"}]"#

    @Test("identity references: kind existing or created")
    func references() throws {
        try expectJSON(IdentityReference.existing("user-1"), #"{"identityID":"user-1","kind":"existing"}"#)
        try expectJSON(IdentityReference.created(externalID: "e-1"), #"{"externalID":"e-1","kind":"created"}"#)
    }

    @Test("every action: its kind and its values by name")
    func actions() throws {
        let group = GroupProfile(name: "Sales", description: "The sales team")
        let groupJSON = #"{"description":"The sales team","name":"Sales"}"#
        try expectJSON(SyncAction.createUser(externalID: "e-1", profile: profile), #"{"externalID":"e-1","kind":"createUser","profile":\#(profileJSON)}"#)
        try expectJSON(
            SyncAction.adoptUser("user-1", externalID: "e-1", profile: profile, changes: changes),
            #"{"changes":\#(changesJSON),"externalID":"e-1","identityID":"user-1","kind":"adoptUser","profile":\#(profileJSON)}"#)
        try expectJSON(
            SyncAction.updateUser("user-1", externalID: "e-1", profile: profile, changes: changes),
            #"{"changes":\#(changesJSON),"externalID":"e-1","identityID":"user-1","kind":"updateUser","profile":\#(profileJSON)}"#)
        try expectJSON(SyncAction.removeUser("user-1", externalID: "e-1"), #"{"externalID":"e-1","identityID":"user-1","kind":"removeUser"}"#)
        try expectJSON(
            SyncAction.disableUser("user-1", externalID: "e-1", profile: profile),
            #"{"externalID":"e-1","identityID":"user-1","kind":"disableUser","profile":\#(profileJSON)}"#)
        try expectJSON(SyncAction.createGroup(externalID: "g-1", profile: group), #"{"externalID":"g-1","kind":"createGroup","profile":\#(groupJSON)}"#)
        try expectJSON(
            SyncAction.adoptGroup("group-1", externalID: "g-1", profile: group, changes: []),
            #"{"changes":[],"externalID":"g-1","identityID":"group-1","kind":"adoptGroup","profile":\#(groupJSON)}"#)
        try expectJSON(
            SyncAction.updateGroup("group-1", externalID: "g-1", profile: group, changes: []),
            #"{"changes":[],"externalID":"g-1","identityID":"group-1","kind":"updateGroup","profile":\#(groupJSON)}"#)
        try expectJSON(SyncAction.removeGroup("group-1", externalID: "g-1"), #"{"externalID":"g-1","identityID":"group-1","kind":"removeGroup"}"#)
        try expectJSON(
            SyncAction.addMember(user: .created(externalID: "e-1"), group: .existing("group-1")),
            #"{"group":{"identityID":"group-1","kind":"existing"},"kind":"addMember","user":{"externalID":"e-1","kind":"created"}}"#)
        try expectJSON(SyncAction.removeMember(user: "user-1", group: "group-1"), #"{"groupID":"group-1","kind":"removeMember","userID":"user-1"}"#)
    }

    @Test("verdicts: kind withinLimits or exceeded with the violations")
    func verdicts() throws {
        try expectJSON(DeletionGuard.Verdict.withinLimits, #"{"kind":"withinLimits"}"#)
        try expectJSON(
            DeletionGuard.Verdict.exceeded([DeletionGuard.Violation(kind: .users, count: 12, owned: 20, limit: "at most 10")]),
            #"{"kind":"exceeded","violations":[{"count":12,"kind":"users","limit":"at most 10","owned":20}]}"#)
    }

    @Test("the form saved before (synthesized) still decodes", arguments: [
        (#"{"createUser":{"externalID":"e-1","profile":{"aliases":[],"isEnabled":true,"logins":[],"name":"A"}}}"#,
         SyncAction.createUser(externalID: "e-1", profile: UserProfile(name: "A"))),
        (#"{"updateUser":{"_0":"user-1","externalID":"e-1","profile":{"aliases":[],"isEnabled":true,"logins":[],"name":"A"},"changes":[]}}"#,
         SyncAction.updateUser("user-1", externalID: "e-1", profile: UserProfile(name: "A"), changes: [])),
        (#"{"removeGroup":{"_0":"group-1","externalID":"g-1"}}"#, SyncAction.removeGroup("group-1", externalID: "g-1")),
        (#"{"addMember":{"user":{"existing":{"_0":"user-1"}},"group":{"created":{"externalID":"g-1"}}}}"#,
         SyncAction.addMember(user: .existing("user-1"), group: .created(externalID: "g-1"))),
        (#"{"removeMember":{"user":"user-1","group":"group-1"}}"#, SyncAction.removeMember(user: "user-1", group: "group-1")),
    ])
    func synthesizedActions(json: String, action: SyncAction) throws {
        try expectDecodes(json, as: action)
    }

    @Test("a plan saved before the designed form (a preview in a state folder) still loads")
    func savedPlan() throws {
        let json = #"""
            {"sourceID":"contoso","operations":[
              {"phase":2,"action":{"createUser":{"externalID":"e-1","profile":{"aliases":[],"isEnabled":true,"logins":[],"name":"A"}}},"subject":"a@contoso.com","reason":"newInScope"},
              {"phase":3,"action":{"addMember":{"user":{"created":{"externalID":"e-1"}},"group":{"existing":{"_0":"group-1"}}}},"subject":"a@contoso.com","group":"Sales","reason":"newInScope"}],
             "issues":[],"unchangedUsers":0,"unchangedGroups":1,"guardVerdict":{"exceeded":{"_0":[{"kind":"groups","count":3,"owned":4,"limit":"at most 1"}]}},"unchanged":[]}
            """#
        let plan = try JSONDecoder.deterministic().decode(SyncPlan.self, from: Data(json.utf8))
        #expect(plan.operations.map(\.action.kind) == [.createUser, .addMember])
        #expect(plan.operations[1].action == .addMember(user: .created(externalID: "e-1"), group: .existing("group-1")))
        #expect(plan.guardVerdict == .exceeded([DeletionGuard.Violation(kind: .groups, count: 3, owned: 4, limit: "at most 1")]))
        try expectDecodes(#"{"withinLimits":{}}"#, as: DeletionGuard.Verdict.withinLimits)
        // Written again, it is in the designed form, and reads back equal.
        let again = try JSONDecoder.deterministic().decode(SyncPlan.self, from: try JSONEncoder.deterministic().encode(plan))
        #expect(again == plan)
    }

    @Test("an unknown kind is refused with the kinds that exist")
    func unknownKind() {
        #expect {
            try JSONDecoder().decode(SyncAction.self, from: Data(#"{"kind":"renameUser"}"#.utf8))
        } throws: { error in
            "\(error)".contains("unknown action 'renameUser'") && "\(error)".contains("createGroup")
        }
    }
}
