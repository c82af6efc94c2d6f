import DirectorySync
import DirectorySyncHTTP
import Foundation

/// An emulator of the Microsoft Entra token endpoint and the Microsoft Graph v1.0 directory
/// endpoints, faithful to `reference/graph.md`: tenants in national clouds, applications with
/// secrets and roles, users, groups, nested memberships, soft deletion, paging, `$select`,
/// `$filter`, delta queries, throttling by resource units, fault injection and a request log.
///
/// Mount it in-process with ``EmulatorTransport`` (or ``EmulatorURLProtocol`` for a
/// `URLSession`), or on a loopback port with ``LoopbackHTTPServer``. Links it returns point back
/// at the origin the request came to.
///
/// ```swift
/// let emulator = GraphEmulator()
/// let credentials = emulator.load(tenant)            // a GeneratedTenant
/// let transport = EmulatorTransport(emulator)
/// ```
public final class GraphEmulator: @unchecked Sendable {
    /// How the emulator behaves.
    public struct Configuration: Sendable {
        /// Items per page when the client sends no `$top` (Graph's default is 100).
        public var defaultPageSize: Int
        /// Items per page of a delta round.
        public var deltaPageSize: Int
        /// Members per `members@delta` entry; a larger group spans several entries (and pages).
        public var membersPerDeltaEntry: Int
        /// Seconds an access token lives.
        public var tokenLifetime: TimeInterval
        /// Seconds a delta link stays usable (Graph: seven days).
        public var deltaLinkLifetime: TimeInterval
        /// Whether requests are charged resource units against a per-app, per-tenant budget.
        public var throttling: Bool
        /// Whether every collection page is preceded by an empty page that still has a next link
        /// (Graph may send such pages; clients must keep following).
        public var insertsEmptyPages: Bool
        /// Whether a delta round reports an updated object with only `id` and the properties that
        /// changed (Graph promises "at least the updated properties"), instead of every selected one.
        public var deltaReportsChangedPropertiesOnly: Bool

        /// Creates a configuration.
        public init(
            defaultPageSize: Int = 100, deltaPageSize: Int = 200, membersPerDeltaEntry: Int = 100,
            tokenLifetime: TimeInterval = 3_599, deltaLinkLifetime: TimeInterval = 7 * 86_400, throttling: Bool = false,
            insertsEmptyPages: Bool = false, deltaReportsChangedPropertiesOnly: Bool = false
        ) {
            self.deltaReportsChangedPropertiesOnly = deltaReportsChangedPropertiesOnly
            self.insertsEmptyPages = insertsEmptyPages
            self.defaultPageSize = defaultPageSize
            self.deltaPageSize = deltaPageSize
            self.membersPerDeltaEntry = membersPerDeltaEntry
            self.tokenLifetime = tokenLifetime
            self.deltaLinkLifetime = deltaLinkLifetime
            self.throttling = throttling
        }
    }

    /// What the emulator answers, with how a mount should deliver it.
    public struct Reply: Sendable {
        /// The response.
        public var response: HTTPResponse
        /// Seconds to wait before answering.
        public var delay: TimeInterval = 0
        /// Close the connection instead of answering (a dropped connection).
        public var dropConnection = false

        /// Creates a reply.
        /// - Parameters:
        ///   - response: The response.
        ///   - delay: Seconds to wait before answering.
        ///   - dropConnection: Close the connection instead of answering.
        public init(response: HTTPResponse, delay: TimeInterval = 0, dropConnection: Bool = false) {
            self.response = response
            self.delay = delay
            self.dropConnection = dropConnection
        }
    }

    struct GroupRecord {
        var group: DirectoryGroup
        var others: [EmulatedOtherMember] = []
    }

    enum ChangeKind { case upsert, softDelete, hardDelete }

    struct Change {
        var version: Int
        var isGroup: Bool
        var id: String
        var kind: ChangeKind
        /// The properties an update changed; `nil` for a creation or restore (the whole object).
        var properties: Set<String>?
    }

    struct MembershipChange {
        var version: Int
        var groupID: String
        var memberID: String
        var memberType: String
        var added: Bool
    }

    struct TenantState {
        var tenant: EmulatedTenant
        var applications: [String: EmulatedApplication] = [:]
        var users: [String: DirectoryUser] = [:]
        var deletedUsers: [String: DirectoryUser] = [:]
        var groups: [String: GroupRecord] = [:]
        var deletedGroups: [String: GroupRecord] = [:]
        var version = 0
        var changes: [Change] = []
        var membershipChanges: [MembershipChange] = []
        var deltaValidFrom = Date.distantPast
    }

    struct IssuedToken {
        var tenantID: String
        var clientID: String
        var roles: [String]
        var expires: Date
    }

    /// How the emulator behaves.
    public let configuration: Configuration
    /// The emulator's clock.
    public let clock: TestClock
    let lock = NSRecursiveLock()
    var tenants: [String: TenantState] = [:]
    var tokens: [String: IssuedToken] = [:]
    var log: [EmulatorRequestRecord] = []
    var throttlingEnabled: Bool
    var budgets: [String: (windowStart: Date, used: Int)] = [:]
    var faults = FaultSchedule()
    var deltaResetMode = false
    var requestCounter = 0
    var pageCache: [String: [UInt8]] = [:]
    /// Counts the times `pageCache` was emptied: a page encoded after the lock was released is
    /// kept only if the cache was not emptied meanwhile (its bytes may show the old settings).
    var pageCacheGeneration = 0
    var sortedUserCache: [String: (version: Int, users: [DirectoryUser])] = [:]
    var sortedGroupCache: [String: (version: Int, groups: [GroupRecord])] = [:]
    var parentCache: [String: (version: Int, parents: [String: [String]])] = [:]
    var lookupIndexCache: [String: LookupIndex] = [:]
    /// Whether filtered lists and `/{id}` lookups are answered from `LookupIndex` (tests turn it
    /// off to compare with the scan).
    var answersFromIndexes = true

    /// Creates an empty emulator.
    /// - Parameters:
    ///   - configuration: Page sizes, lifetimes, throttling.
    ///   - clock: The emulator's clock: one that follows the system clock by default, ``TestClock/fixed(at:)`` for tests that move time.
    public init(configuration: Configuration = Configuration(), clock: TestClock = TestClock()) {
        self.configuration = configuration
        self.clock = clock
        throttlingEnabled = configuration.throttling
    }

    func withState<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Answers one request.
    /// - Parameter request: The request.
    /// - Returns: The response and how to deliver it.
    public func handle(_ request: HTTPRequest) -> Reply {
        // Decided under the lock; a page of objects is encoded after it is released (``Answer``).
        let reply = withState { () -> () -> Reply in
            requestCounter += 1
            let path = request.url.path
            if let fault = faults.next(for: path) {
                let reply = fault.reply(for: request, emulator: self)
                record(request, status: reply.response.status, units: 0)
                return { reply }
            }
            var units = 0
            let answer: Answer
            if path.hasPrefix("/_emulator/") {
                answer = .ready(control(request))
            } else if path.hasPrefix("/v1.0/") {
                (answer, units) = graph(request)
            } else {
                answer = .ready(login(request))
            }
            record(request, status: answer.status, units: units)
            return { Reply(response: answer.response()) }
        }
        return reply()
    }

    private func record(_ request: HTTPRequest, status: Int, units: Int) {
        log.append(EmulatorRequestRecord(
            method: request.method.rawValue, path: request.url.path, query: request.url.query ?? "", status: status,
            resourceUnits: units))
    }

    /// Every request answered so far.
    public var requestLog: [EmulatorRequestRecord] { withState { log } }

    /// Resource units charged so far.
    public var resourceUnitsSpent: Int { withState { log.reduce(0) { $0 + $1.resourceUnits } } }

    /// Forgets the request log.
    public func clearRequestLog() { withState { log.removeAll() } }

    /// Turns resource-unit throttling on or off.
    /// - Parameter enabled: Whether to throttle.
    public func setThrottling(_ enabled: Bool) {
        withState {
            throttlingEnabled = enabled
            budgets.removeAll()
        }
    }

    /// The origin (`scheme://host:port`) a request came to; links point back at it.
    static func origin(of url: URL) -> String {
        var origin = "\(url.scheme ?? "https")://\(url.host ?? "localhost")"
        if let port = url.port { origin += ":\(port)" }
        return origin
    }

    /// A deterministic GUID-shaped id for request ids and trace ids.
    func nextRequestID() -> String {
        let hex = String(requestCounter, radix: 16)
        let padded = String(repeating: "0", count: max(0, 12 - hex.count)) + hex
        return "00000000-0000-4000-8000-\(padded)"
    }

    static func json(_ status: Int, _ body: Data, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers["Content-Type"] = "application/json; charset=utf-8"
        return HTTPResponse(status: status, headers: headers, body: body)
    }

    /// A Graph error: `{"error": {"code", "message", "innerError": {"date", "request-id", "client-request-id"}}}`.
    func graphError(_ status: Int, _ code: String, _ message: String, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var json = JSONBytes()
        json.beginObject()
        json.key("error")
        json.beginObject()
        json.field("code", code)
        json.field("message", message)
        json.key("innerError")
        json.beginObject()
        json.field("date", clock.now.formatted(.iso8601))
        json.field("request-id", nextRequestID())
        json.field("client-request-id", nextRequestID())
        json.endObject()
        json.endObject()
        json.endObject()
        var headers = headers
        headers["request-id"] = nextRequestID()
        return Self.json(status, json.data, headers: headers)
    }
}

/// A response that ends a request early, carried as an error.
struct ErrorResponse: Error {
    var response: HTTPResponse
    init(_ response: HTTPResponse) { self.response = response }
}
