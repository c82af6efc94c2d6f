import DirectorySync
import DirectorySyncHTTP
import DirectorySyncSCIM
import DirectorySyncTesting
import Foundation

/// `scim-sync` and `scim-creates`: the SCIM write path against a real SCIM server that the
/// operator started (`scripts/scim-server.sh start PORT TOKEN`; never assumed here).
///
/// - `scim-sync`: the first synchronization of a generated tenant (N users, N/25 groups, one
///   membership per user on average: about 400 memberships for 500 users) into an **empty** store
///   through `SCIMIdentityStore` — read the store, plan, apply with `SyncExecutor` as a run does —
///   over the transport the store makes by default for the URL.
/// - `scim-creates`: the same N user creates sent straight through `URLSessionTransport`, one at a
///   time, with no store around them: the transport's own cost per request, to compare with a
///   plain client (`scripts/scim-plain-client.py`) sending the same bodies.
///
/// Every request on the wire is counted by a wrapper transport (retries included); client CPU is
/// the process's user and system time (`getrusage`) over the measured part.
enum SCIMSyncScenario {
    /// The tenant both modes write: `users` users, `users / 25` groups, one direct membership per user.
    static func tenant(users: Int, groups: Int?) -> GeneratedTenant {
        TenantGenerator(configuration: .init(users: users, groups: groups ?? max(1, users / 25), seed: 1, membershipsPerUser: 1)).generate()
    }

    static func sync(users: Int, groups: Int?, url: URL, token: String) async throws -> Measurement {
        let tenant = tenant(users: users, groups: groups)
        // The transport the store makes by default for this URL (LoopbackHTTPTransport for plain http).
        let counter = CountingTransport(DefaultHTTPTransport.for([url], configuration: .init()))
        let store = try SCIMIdentityStore(configuration: .init(baseURL: url, bearerToken: Secret(token)), transport: counter)
        let directory = InMemoryDirectoryProvider(users: tenant.users, groups: tenant.groups)
        let snapshot = try await directory.read(filter: SyncSettings().filter)
        let before = ProcessStats.cpuTimes
        let timing = try await measure { () -> (SyncPlan, SyncReport) in
            let contents = try await store.contents()
            guard contents.users.isEmpty, contents.groups.isEmpty else {
                throw BenchmarkError("scim-sync measures a first synchronization: \(url) already holds \(contents.users.count) users and \(contents.groups.count) groups; give a fresh tenant's URL")
            }
            let plan = try StandardSyncPlanner().plan(source: "bench", directory: snapshot, store: contents)
            return (plan, try await SyncExecutor().apply(plan, to: store))
        }
        let after = ProcessStats.cpuTimes
        let (plan, report) = timing.result
        guard report.isSuccess else {
            throw BenchmarkError("\(report.failed.count) operations failed; first: \(report.failed.first.map(String.init(describing:)) ?? "")")
        }
        let operations = plan.operations.count
        let requests = counter.total
        let (user, system) = (after.user - before.user, after.system - before.system)
        print("scim-sync: \(operations) operations, \(requests) requests (\(String(format: "%.2f", Double(requests) / Double(operations))) per operation: \(counter.summary)), \(String(format: "%.2f", timing.wall)) s, client CPU \(String(format: "%.2f", user)) s user + \(String(format: "%.2f", system)) s system")
        return Measurement(
            scenario: "scim-sync", users: users, wallSeconds: timing.wall, cpuSeconds: timing.cpu, peakMemoryBytes: ProcessStats.peakMemoryBytes,
            requests: requests, throughputPerSecond: Double(operations) / timing.wall,
            notes: [
                "operations": String(operations), "requestsPerOperation": String(format: "%.3f", Double(requests) / Double(operations)),
                "userCPUSeconds": String(format: "%.3f", user), "systemCPUSeconds": String(format: "%.3f", system), "requestsByStatus": counter.summary,
                "memberships": String(plan.operations.count { if case .addMember = $0.action { true } else { false } }),
            ])
    }

    static func creates(users: Int, url: URL, token: String) async throws -> Measurement {
        let tenant = tenant(users: users, groups: 0)
        let transport = URLSessionTransport()
        let base = url.absoluteString.hasSuffix("/") ? String(url.absoluteString.dropLast()) : url.absoluteString
        let endpoint = URL(string: "\(base)/Users")!
        let headers: HTTPHeaders = [
            "Authorization": "Bearer \(token)", "Accept": "application/scim+json", "Content-Type": "application/scim+json",
        ]
        let bodies = tenant.users.enumerated().map { index, user in userBody(user, index: index) }
        let before = ProcessStats.cpuTimes
        var statuses: [Int: Int] = [:]
        let timing = try await measure {
            for body in bodies {
                let response = try await transport.send(HTTPRequest(method: .post, url: endpoint, headers: headers, body: body))
                statuses[response.status, default: 0] += 1
            }
        }
        let after = ProcessStats.cpuTimes
        guard statuses[201] == users else { throw BenchmarkError("not every create answered 201: \(statuses); give a fresh tenant's URL") }
        let (user, system) = (after.user - before.user, after.system - before.system)
        let bytes = bodies.reduce(0) { $0 + $1.count }
        print("scim-creates: \(users) POSTs through URLSessionTransport, one at a time, \(bytes / users) bytes each: \(String(format: "%.2f", timing.wall)) s, client CPU \(String(format: "%.3f", user)) s user + \(String(format: "%.3f", system)) s system")
        return Measurement(
            scenario: "scim-creates", users: users, wallSeconds: timing.wall, cpuSeconds: timing.cpu, peakMemoryBytes: ProcessStats.peakMemoryBytes,
            requests: users, throughputPerSecond: Double(users) / timing.wall,
            notes: ["userCPUSeconds": String(format: "%.3f", user), "systemCPUSeconds": String(format: "%.3f", system), "bytesPerBody": String(bytes / users)])
    }

    /// A SCIM user body shaped as `SCIMIdentityStore` writes it (the same fields, sorted keys);
    /// `scripts/scim-plain-client.py` builds the same shape.
    static func userBody(_ user: DirectoryUser, index: Int) -> Data {
        let userName = user.userPrincipalName
        let email = user.mail ?? userName
        let object: [String: Any] = [
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "externalId": "directorysync:bench:\(user.id)", "userName": userName,
            "name": ["givenName": user.givenName ?? "Given", "familyName": user.surname ?? "Family"], "displayName": user.displayName ?? userName,
            "active": true, "emails": [["value": email, "type": "work", "primary": true]],
            "ims": [["value": userName, "type": "directorysync-login"]],
        ]
        return (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
    }
}

/// Counts every request that reaches the wire, by method and status.
final class CountingTransport: HTTPTransport, Sendable {
    private let base: any HTTPTransport
    private let counts = Locked<[String: Int]>([:])

    init(_ base: any HTTPTransport) { self.base = base }

    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        do {
            let response = try await base.send(request)
            counts.withLock { $0["\(request.method) \(response.status)", default: 0] += 1 }
            return response
        } catch {
            counts.withLock { $0["\(request.method) failed", default: 0] += 1 }
            throw error
        }
    }

    /// Every request sent.
    var total: Int { counts.withLock { $0.values.reduce(0, +) } }

    /// `METHOD STATUS × count`, sorted.
    var summary: String { counts.withLock { $0.sorted { $0.key < $1.key }.map { "\($0.key) × \($0.value)" }.joined(separator: ", ") } }
}
