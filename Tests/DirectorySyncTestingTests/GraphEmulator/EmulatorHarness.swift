import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation

/// An emulator loaded with a generated tenant, and helpers to call it as a client would.
struct EmulatorHarness {
    let emulator: GraphEmulator
    let credentials: EmulatorCredentials
    let tenant: GeneratedTenant
    let clock: TestClock
    let base = URL(string: "https://login.emulator.test")!

    init(
        users: Int = 120, groups: Int = 12, roles: [String] = ["Directory.Read.All"], cloud: EmulatedTenant.Cloud = .commercial,
        configuration: GraphEmulator.Configuration = .init(), otherDomains: [String] = []
    ) {
        clock = TestClock.fixed(at: Date(timeIntervalSince1970: 1_790_000_000))
        emulator = GraphEmulator(configuration: configuration, clock: clock)
        tenant = TenantGenerator(configuration: .init(users: users, groups: groups, seed: 8)).generate()
        credentials = emulator.load(tenant, cloud: cloud, roles: roles, otherDomains: otherDomains)
    }

    func send(_ request: HTTPRequest) -> HTTPResponse { emulator.handle(request).response }

    func tokenResponse(tenant: String? = nil, clientID: String? = nil, secret: String? = nil, scope: String = "https://graph.microsoft.com/.default", grant: String = "client_credentials", contentType: String = "application/x-www-form-urlencoded") -> HTTPResponse {
        var fields = ["grant_type=\(grant)", "scope=\(scope.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? scope)"]
        fields.append("client_id=\(clientID ?? credentials.clientID)")
        if let secret = secret ?? Optional(credentials.clientSecret), !secret.isEmpty {
            fields.append("client_secret=\(secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret)")
        }
        return send(HTTPRequest(
            method: .post, url: base.appendingPathComponent("\(tenant ?? credentials.domain)/oauth2/v2.0/token"),
            headers: ["Content-Type": contentType], body: Data(fields.joined(separator: "&").utf8)))
    }

    func token() -> String { (json(tokenResponse())["access_token"] as? String) ?? "" }

    func get(_ pathAndQuery: String, token: String? = nil, headers: HTTPHeaders = [:]) -> HTTPResponse {
        var headers = headers
        headers["Authorization"] = "Bearer \(token ?? self.token())"
        let url = pathAndQuery.hasPrefix("http") ? URL(string: pathAndQuery)! : URL(string: "https://graph.emulator.test\(pathAndQuery)")!
        return send(HTTPRequest(url: url, headers: headers))
    }

    /// Follows next links to the end; returns every item and the pages' count.
    func all(_ pathAndQuery: String, headers: HTTPHeaders = [:]) -> (items: [[String: Any]], pages: Int, last: [String: Any]) {
        let token = token()
        var items: [[String: Any]] = []
        var pages = 0
        var next: String? = pathAndQuery
        var last: [String: Any] = [:]
        while let link = next {
            last = json(get(link, token: token, headers: headers))
            items += last["value"] as? [[String: Any]] ?? []
            pages += 1
            next = last["@odata.nextLink"] as? String
        }
        return (items, pages, last)
    }
}

func json(_ response: HTTPResponse) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: response.body)) as? [String: Any] ?? [:]
}

func errorCode(_ response: HTTPResponse) -> String? { (json(response)["error"] as? [String: Any])?["code"] as? String }

func aadCodes(_ response: HTTPResponse) -> [Int] { (json(response)["error_codes"] as? [Int]) ?? [] }

/// The claims of a JWT-shaped token.
func claims(_ token: String) -> [String: Any] {
    let parts = token.split(separator: ".")
    guard parts.count >= 2 else { return [:] }
    var base64 = String(parts[1]).replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
    while base64.count % 4 != 0 { base64 += "=" }
    guard let data = Data(base64Encoded: base64) else { return [:] }
    return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
}
