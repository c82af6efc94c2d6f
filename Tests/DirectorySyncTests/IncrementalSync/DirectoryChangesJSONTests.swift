import DirectorySync
import Foundation
import Testing

@Suite("Directory changes in JSON (a source's saved change journal): a kind and named fields; journals of the earlier form still load")
struct DirectoryChangesJSONTests {
    let user = DirectoryUser(id: "u-1", userPrincipalName: "a@contoso.com", userType: nil)
    let userJSON = #"{"accountEnabled":true,"id":"u-1","otherMails":[],"proxyAddresses":[],"userPrincipalName":"a@contoso.com"}"#
    let group = DirectoryGroup(id: "g-1", displayName: "Sales")
    let groupJSON = #"{"displayName":"Sales","groupTypes":[],"id":"g-1","mailEnabled":false,"memberGroupIDs":[],"memberUserIDs":[],"securityEnabled":true}"#

    @Test("every change; property names sorted, and left out when the whole object was sent")
    func changes() throws {
        typealias Change = DirectoryChanges.Change
        try expectJSON(Change.user(.init(user: user)), #"{"kind":"user","user":\#(userJSON)}"#)
        try expectJSON(
            Change.user(.init(user: user, properties: ["userPrincipalName", "mail", "id"])),
            #"{"kind":"user","properties":["id","mail","userPrincipalName"],"user":\#(userJSON)}"#)
        try expectJSON(Change.group(.init(group: group, properties: ["displayName"])), #"{"group":\#(groupJSON),"kind":"group","properties":["displayName"]}"#)
        try expectJSON(Change.userRemoved(.init(id: "u-1", kind: .softDeleted)), #"{"id":"u-1","kind":"userRemoved","removal":"softDeleted"}"#)
        try expectJSON(Change.groupRemoved(.init(id: "g-1", kind: .deleted)), #"{"id":"g-1","kind":"groupRemoved","removal":"deleted"}"#)
        try expectJSON(
            Change.membership(.init(groupID: "g-1", memberID: "u-1", memberKind: .user, isAdded: true)),
            #"{"groupID":"g-1","isAdded":true,"kind":"membership","memberID":"u-1","memberKind":"user"}"#)
        try expectJSON(DirectoryChanges([.userRemoved(.init(id: "u-2", kind: .deleted))]), #"{"changes":[{"id":"u-2","kind":"userRemoved","removal":"deleted"}]}"#)
    }

    @Test("a journal of the synthesized form of before still decodes")
    func synthesized() throws {
        let json = #"""
            {"changes":[
              {"user":{"_0":{"user":\#(userJSON),"properties":["mail"]}}},
              {"group":{"_0":{"group":\#(groupJSON)}}},
              {"userRemoved":{"_0":{"id":"u-9","kind":"softDeleted"}}},
              {"groupRemoved":{"_0":{"id":"g-9","kind":"deleted"}}},
              {"membership":{"_0":{"groupID":"g-1","memberID":"g-2","memberKind":"group","isAdded":false}}}]}
            """#
        try expectDecodes(json, as: DirectoryChanges([
            .user(.init(user: user, properties: ["mail"])),
            .group(.init(group: group)),
            .userRemoved(.init(id: "u-9", kind: .softDeleted)),
            .groupRemoved(.init(id: "g-9", kind: .deleted)),
            .membership(.init(groupID: "g-1", memberID: "g-2", memberKind: .group, isAdded: false)),
        ]))
    }
}
