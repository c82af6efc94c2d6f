import DirectorySync
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

@Suite("SCIMIdentityStore against a real SCIM 2.0 server (scim2-server)", .serialized)
struct SCIMIdentityStoreTests {
    @Test("keeps the IdentityStore contract", arguments: IdentityStoreContract.checks)
    func contract(_ check: IdentityStoreContract.Check) async throws {
        guard let store = try await SCIMServer.freshStore() else { return }
        try await check.run(on: store)
    }

    /// The default for the loopback server is `LoopbackHTTPTransport`; `https` servers get
    /// `URLSessionTransport`, which this runs the contract through.
    @Test("keeps the IdentityStore contract through URLSessionTransport", arguments: IdentityStoreContract.checks)
    func contractThroughURLSession(_ check: IdentityStoreContract.Check) async throws {
        guard let store = try await SCIMServer.freshStore(transport: SCIMServer.transport()) else { return }
        try await check.run(on: store)
    }

    @Test("a value with quotes, backslashes, + and non-ASCII round-trips, and filters on it find it")
    func escaping() async throws {
        guard let store = try await SCIMServer.freshStore() else { return }
        let tricky = #"o"brien\x+tag@example.com"#
        let profile = UserProfile(name: "Zoë \"Q\" O'Brien", firstName: "Zoë", lastName: "O'Brien", email: tricky, aliases: ["ålias+1@example.com"], logins: [tricky, #"CORP\obrien"#])
        let created = try await store.createUser(profile, origin: .directory("contoso", externalID: "obj-1"))
        let read = try #require(try await store.contents().users.first { $0.id == created.id })
        #expect(read.profile == profile)
        #expect(read.origin == .directory("contoso", externalID: "obj-1"))
        // Creating the same identity again (an unacknowledged earlier create) correlates instead of failing.
        let again = try await store.createUser(profile, origin: .directory("contoso", externalID: "obj-1"))
        #expect(again.id == created.id)
        // Someone else with that userName is a clash.
        await #expect { try await store.createUser(UserProfile(name: "Other", logins: [tricky]), origin: .manual) } throws: {
            ($0 as? IdentityStoreError)?.code == .addressInUse
        }
    }

    @Test("ownership lives in externalId; identities without our prefix are manual")
    func ownership() async throws {
        guard let store = try await SCIMServer.freshStore() else { return }
        let synced = try await store.createUser(UserProfile(name: "S", email: "s@x.com", logins: ["s@x.com"]), origin: .directory("a:b", externalID: "id-1"))
        let manual = try await store.createUser(UserProfile(name: "M", email: "m@x.com"), origin: .manual)
        let users = try await store.contents().users
        #expect(users.first { $0.id == synced.id }?.origin == .directory("a:b", externalID: "id-1"))
        #expect(users.first { $0.id == manual.id }?.origin == .manual)
    }

    @Test("pagination advances by what the server returns, across many pages")
    func pagination() async throws {
        guard let store = try await SCIMServer.freshStore(pageSize: 7) else { return }
        for number in 0..<30 {
            _ = try await store.createUser(UserProfile(name: "U\(number)", email: "u\(number)@x.com", logins: ["u\(number)@x.com"]), origin: .manual)
        }
        let users = try await store.contents().users
        #expect(users.count == 30)
        #expect(Set(users.map(\.id)).count == 30)
    }

    @Test("membership changes go in bounded PATCH batches")
    func batches() async throws {
        guard let store = try await SCIMServer.freshStore(batch: 4) else { return }
        var ids: [IdentityID] = []
        for number in 0..<10 {
            ids.append(try await store.createUser(UserProfile(name: "U\(number)", email: "u\(number)@x.com"), origin: .manual).id)
        }
        let group = try await store.createGroup(GroupProfile(name: "Team"), origin: .manual)
        try await store.addMembers(ids, to: group.id)
        #expect(try await store.contents().groups.first?.memberIDs.count == 10)
        try await store.removeMembers(Array(ids.prefix(9)), from: group.id)
        #expect(try await store.contents().groups.first?.memberIDs == [ids[9]])
    }

    @Test("the bearer token never appears in errors")
    func redaction() async throws {
        guard let good = try await SCIMServer.freshStore() else { return }
        let bad = try SCIMIdentityStore(configuration: .init(baseURL: await good.configuration.baseURL, bearerToken: "wrong-token-canary"))
        do {
            _ = try await bad.contents()
            Issue.record("a wrong token was accepted")
        } catch let error as IdentityStoreError {
            #expect(error.code == .forbidden)
            #expect(!error.description.contains("canary"))
            #expect(!error.description.contains(SCIMServer.token))
        }
        #expect(!(await good.configuration.bearerToken.description).contains(SCIMServer.token))
    }

    @Test("a server whose error echoes the request's credentials: the token shows nowhere in the error", arguments: [400, 401, 404, 409, 412, 500])
    func echoedToken(_ status: Int) async throws {
        let token = "tok-SECRET-\(UUID().uuidString.prefix(8))"
        let echo = EchoingSCIMServer(status: status)
        let store = try SCIMIdentityStore(
            configuration: .init(baseURL: URL(string: "http://127.0.0.1:1/v2")!, bearerToken: Secret(token), retryPolicy: .none), transport: echo)
        do {
            _ = try await store.createUser(UserProfile(name: "A", email: "a@contoso.com"), origin: .manual)
            Issue.record("an error answer was taken for a user")
        } catch let error as IdentityStoreError {
            for text in [error.description, String(reflecting: error), error.detail] {
                #expect(!text.contains(token), "\(text)")
                #expect(!text.contains("qs-SECRET-9"), "\(text)")
            }
            #expect(error.detail.contains("\(status)"), "the status is still told")
        }
    }

    @Test("plain http is refused for non-loopback hosts")
    func httpsOnly() {
        #expect(throws: IdentityStoreError.self) {
            try SCIMIdentityStore(configuration: .init(baseURL: URL(string: "http://scim.example.com/v2")!, bearerToken: "t"))
        }
    }
}

@Suite("SCIMIdentityStore: concurrency control and errors", .serialized)
struct SCIMConcurrencyTests {
    @Test("a stale ETag (412) is answered by reading again and retrying")
    func staleETag() async throws {
        guard let probe = try await SCIMServer.freshStore() else { return }
        let base = await probe.configuration.baseURL
        let statuses = Locked<[Int]>([])
        let first = try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience), transport: StatusRecorder(statuses: statuses))
        let second = try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience))
        let user = try await first.createUser(UserProfile(name: "A", email: "a@x.com", logins: ["a@x.com"]), origin: .manual)
        _ = try await second.contents()
        _ = try await second.updateUser(user.id, profile: UserProfile(name: "B", email: "a@x.com", logins: ["a@x.com"]), origin: .manual)
        // The first store still holds the old ETag: its update gets 412, reads again, and succeeds.
        let updated = try await first.updateUser(user.id, profile: UserProfile(name: "C", email: "a@x.com", logins: ["a@x.com"]), origin: .manual)
        #expect(updated.profile.name == "C")
        #expect(try await second.contents().users.first?.profile.name == "C")
        #expect(statuses.withLock { $0 }.contains(412), "the stale ETag must have been refused once")
    }

    @Test("SCIM errors map to typed errors, with status as a string or a number")
    func errorMapping() async throws {
        guard let store = try await SCIMServer.freshStore() else { return }
        await #expect { try await store.deleteUser("does-not-exist") } throws: { ($0 as? IdentityStoreError)?.code == .notFound }
        await #expect { try await store.deleteGroup("does-not-exist") } throws: { ($0 as? IdentityStoreError)?.code == .notFound }
        let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
        await #expect { try await store.addMembers(["ghost"], to: group.id) } throws: { ($0 as? IdentityStoreError)?.code == .notFound }
        #expect(try await store.contents().groups.first?.memberIDs == [])
    }
}

/// A SCIM server that reads fine but answers every write with `status` and an error whose detail
/// repeats the request: its `Authorization` header, a secret query field, and the token bare.
struct EchoingSCIMServer: HTTPTransport {
    let status: Int
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.method != .get else { return try await EmptySCIMServer().send(request) }
        let authorization = request.headers["Authorization"] ?? ""
        let bare = authorization.split(separator: " ").last.map(String.init) ?? ""
        let detail = "could not parse \(request.method) \(request.url)?access_token=qs-SECRET-9 with Authorization: \(authorization) (raw=\(bare))"
        let body = try JSONSerialization.data(withJSONObject: [
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"], "status": String(status), "scimType": bare, "detail": detail,
        ])
        return HTTPResponse(status: status, headers: ["Content-Type": "application/scim+json"], body: body)
    }
}

/// Sends through URLSessionTransport and records every status.
struct StatusRecorder: HTTPTransport {
    let statuses: Locked<[Int]>
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await SCIMServer.transport().send(request)
        statuses.withLock { $0.append(response.status) }
        return response
    }
}
