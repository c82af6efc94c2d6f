import DirectorySync
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation
import Testing

/// Requests that the server's own answers (409 `uniqueness`, 404, ETags) or the store's last full
/// read make unnecessary are not sent — and every rule they used to guard still holds.
@Suite("SCIMIdentityStore: one request per write where the server's answers suffice (real SCIM server)", .serialized)
struct SCIMRequestEconomyTests {
    /// A store on a fresh tenant whose requests are recorded; `nil` when the server cannot run here.
    static func recordedStore(clock: TestClock = TestClock(), window: TimeInterval = 300) async throws -> (SCIMIdentityStore, RequestLog, URL)? {
        guard let probe = try await SCIMServer.freshStore() else { return nil }
        let base = await probe.configuration.baseURL
        let log = RequestLog()
        let store = try SCIMIdentityStore(
            configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience, clock: clock.syncClock, uniquenessWindow: window), transport: log)
        return (store, log, base)
    }

    static func profile(_ name: String, email: String?, aliases: [String] = []) -> UserProfile {
        UserProfile(name: name, email: email, aliases: aliases, logins: ["\(name.lowercased())@login.example"])
    }

    @Test("after a full read, a user create is one POST; clashes with what was read and with the store's own writes since are still refused")
    func userCreates() async throws {
        guard let (store, log, _) = try await Self.recordedStore() else { return }
        let held = try await store.createUser(Self.profile("Held", email: "held@x.com", aliases: ["alias@x.com"]), origin: .manual)
        _ = try await store.contents()
        log.clear()
        let created = try await store.createUser(Self.profile("New", email: "new@x.com"), origin: .directory("s", externalID: "o-1"))
        #expect(log.requests == ["POST Users"], "a create after a full read: \(log.requests)")
        // What the read saw: the server is asked about that address (only in that case), and refuses.
        log.clear()
        await #expect { try await store.createUser(Self.profile("Clash", email: "ALIAS@x.com"), origin: .manual) } throws: { error in
            (error as? IdentityStoreError)?.code == .addressInUse && (error as? IdentityStoreError)?.conflictingIdentityID == held.id
        }
        #expect(log.requests.allSatisfy { $0.hasPrefix("GET Users?") }, "a clash is confirmed by the server, never written: \(log.requests)")
        // What the store wrote after the read counts too.
        await #expect { try await store.createUser(Self.profile("Clash 2", email: "New@X.com"), origin: .manual) } throws: { error in
            (error as? IdentityStoreError)?.code == .addressInUse && (error as? IdentityStoreError)?.conflictingIdentityID == created.id
        }
        let users = try await store.contents().users
        #expect(users.count == 2)
    }

    @Test("an address the read says is held, but whose holder gave it up since (another client), is confirmed with the server and then used")
    func staleHolder() async throws {
        guard let (store, log, base) = try await Self.recordedStore() else { return }
        let other = try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience))
        let holder = try await store.createUser(Self.profile("Holder", email: "moving@x.com"), origin: .manual)
        _ = try await store.contents()
        _ = try await other.updateUser(holder.id, profile: Self.profile("Holder", email: "moved@x.com"), origin: .manual)
        log.clear()
        let taker = try await store.createUser(Self.profile("Taker", email: "moving@x.com"), origin: .manual)
        #expect(log.requests.count == 2 && log.requests.last == "POST Users", "one lookup, then the create: \(log.requests)")
        #expect(try await store.contents().users.first { $0.id == taker.id }?.profile.email == "moving@x.com")
    }

    @Test("without a recent full read — none yet, or older than the window — the store asks the server before each create, as a fresh store must")
    func outsideTheWindow() async throws {
        let clock = TestClock()
        guard let (store, log, _) = try await Self.recordedStore(clock: clock, window: 60) else { return }
        _ = try await store.createUser(Self.profile("A", email: "a@x.com"), origin: .manual)
        #expect(log.requests.filter { $0.hasPrefix("GET Users?") }.count == 1, "no read yet: \(log.requests)")
        _ = try await store.contents()
        clock.advance(by: 61)
        log.clear()
        _ = try await store.createUser(Self.profile("B", email: "b@x.com", aliases: ["b2@x.com"]), origin: .manual)
        #expect(log.requests == ["GET Users?", "GET Users?", "POST Users"], "a read older than the window: \(log.requests)")
        // Another client's user, created after the read: the server is asked, so it is caught.
        _ = try await store.contents()
        clock.advance(by: 61)
        let other = try SCIMIdentityStore(configuration: .init(baseURL: await store.configuration.baseURL, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience))
        _ = try await other.createUser(Self.profile("C", email: "c@x.com"), origin: .manual)
        await #expect { try await store.createUser(Self.profile("D", email: "c@x.com"), origin: .manual) } throws: {
            ($0 as? IdentityStoreError)?.code == .addressInUse
        }
    }

    @Test("a 409 uniqueness on a create without a lookup first: the same identity is reused, anyone else's userName is addressInUse")
    func conflictsWithoutLookup() async throws {
        guard let (store, log, base) = try await Self.recordedStore() else { return }
        let other = try SCIMIdentityStore(configuration: .init(baseURL: base, bearerToken: Secret(SCIMServer.token), timeout: SCIMServer.patience))
        _ = try await store.contents()
        // Written by another client after the read, under the same identity (an unacknowledged create).
        let profile = Self.profile("Lost answer", email: "lost@x.com")
        let first = try await other.createUser(profile, origin: .directory("s", externalID: "o-9"))
        log.clear()
        let again = try await store.createUser(profile, origin: .directory("s", externalID: "o-9"))
        #expect(again.id == first.id)
        #expect(log.requests == ["POST Users", "GET Users?"], "the conflict is looked up once: \(log.requests)")
        // Someone else's userName.
        await #expect { try await store.createUser(UserProfile(name: "Twin", logins: ["lost answer@login.example"]), origin: .manual) } throws: {
            ($0 as? IdentityStoreError)?.code == .addressInUse
        }
    }

    @Test("after a full read, a group create is one POST, and a name the read holds is still refused")
    func groupCreates() async throws {
        guard let (store, log, _) = try await Self.recordedStore() else { return }
        let sales = try await store.createGroup(GroupProfile(name: "Sales"), origin: .manual)
        _ = try await store.contents()
        log.clear()
        let created = try await store.createGroup(GroupProfile(name: "Support"), origin: .directory("s", externalID: "g-1"))
        #expect(log.requests == ["POST Groups"], "\(log.requests)")
        await #expect { try await store.createGroup(GroupProfile(name: "SALES"), origin: .manual) } throws: { error in
            (error as? IdentityStoreError)?.code == .groupNameInUse && (error as? IdentityStoreError)?.conflictingIdentityID == sales.id
        }
        await #expect { try await store.createGroup(GroupProfile(name: "support"), origin: .manual) } throws: { error in
            (error as? IdentityStoreError)?.code == .groupNameInUse && (error as? IdentityStoreError)?.conflictingIdentityID == created.id
        }
        // Creating the same group again (an unacknowledged create) correlates.
        let again = try await store.createGroup(GroupProfile(name: "Support"), origin: .directory("s", externalID: "g-1"))
        #expect(again.id == created.id)
    }

    @Test("membership changes to a group whose version the store knows are one PATCH each; an unknown group is notFound from the PATCH")
    func membershipWrites() async throws {
        guard let (store, log, _) = try await Self.recordedStore() else { return }
        let a = try await store.createUser(Self.profile("A", email: "a@x.com"), origin: .manual)
        let group = try await store.createGroup(GroupProfile(name: "G"), origin: .manual)
        log.clear()
        try await store.addMembers([a.id], to: group.id)
        try await store.removeMembers([a.id], from: group.id)
        try await store.addMembers([a.id], to: group.id)
        #expect(log.requests == ["PATCH Groups/\(group.id)", "PATCH Groups/\(group.id)", "PATCH Groups/\(group.id)"], "\(log.requests)")
        #expect(log.statuses.allSatisfy { $0 == 204 || $0 == 200 }, "no 412: the store kept each answer's ETag")
        await #expect { try await store.addMembers([a.id], to: "no-such-group") } throws: { ($0 as? IdentityStoreError)?.code == .notFound }
        await #expect { try await store.removeMembers([a.id], from: "no-such-group") } throws: { ($0 as? IdentityStoreError)?.code == .notFound }
        #expect(try await store.contents().groups.first?.memberIDs == [a.id])
    }

    @Test("adopting a user after a full read is one PATCH: its own addresses need no lookup")
    func adoption() async throws {
        guard let (store, log, _) = try await Self.recordedStore() else { return }
        let manual = try await store.createUser(Self.profile("Manual", email: "m@x.com", aliases: ["m2@x.com"]), origin: .manual)
        _ = try await store.contents()
        log.clear()
        let adopted = try await store.updateUser(manual.id, profile: Self.profile("Manual", email: "M@x.com", aliases: ["m2@x.com"]), origin: .directory("s", externalID: "o-1"))
        #expect(adopted.origin == .directory("s", externalID: "o-1"))
        #expect(log.requests == ["PATCH Users/\(manual.id)"], "\(log.requests)")
    }
}

/// Sends through URLSession and records `METHOD path` (the query reduced to `?`) and the status of every request.
final class RequestLog: HTTPTransport, Sendable {
    private let base = SCIMServer.transport()
    private let entries = Locked<[(request: String, status: Int)]>([])

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let response = try await base.send(request)
        // The path after the tenant's `/v2/`, so tests can compare it.
        let path = request.url.path.components(separatedBy: "/v2/").last ?? request.url.path
        let line = "\(request.method) \(path)\(request.url.query == nil ? "" : "?")"
        entries.withLock { $0.append((line, response.status)) }
        return response
    }

    /// The requests since the last ``clear()``, without `/ServiceProviderConfig`.
    var requests: [String] { entries.withLock { $0.map(\.request).filter { !$0.hasSuffix("ServiceProviderConfig") } } }
    /// Their statuses.
    var statuses: [Int] { entries.withLock { $0.map(\.status) } }
    func clear() { entries.withLock { $0 = [] } }
}
