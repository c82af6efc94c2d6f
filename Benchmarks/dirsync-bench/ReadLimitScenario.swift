import DirectorySync
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation

/// `read-limit`: the raw cost of fetching `$select`ed user pages from the loopback Graph emulator
/// (same process, its own threads), without decoding — the transport and the emulator alone.
enum ReadLimitScenario {
    static let select = "id,userPrincipalName,displayName,givenName,surname,mail,otherMails,proxyAddresses,accountEnabled,userType,department,jobTitle,companyName,city,country,officeLocation,employeeId,onPremisesSamAccountName,onPremisesDomainName,onPremisesSecurityIdentifier"

    static func run(users: Int) async throws -> Measurement {
        let tenant = TenantGenerator(configuration: .init(users: users, groups: 0, seed: 1)).generate()
        let emulator = GraphEmulator()
        let credentials = emulator.load(tenant)
        let server = LoopbackHTTPServer(emulator)
        try server.start()
        defer { server.stop() }
        let transport = URLSessionTransport()
        let form = "client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        let tokenResponse = try await transport.send(HTTPRequest(
            method: .post, url: server.baseURL.appendingPathComponent("\(credentials.tenantID)/oauth2/v2.0/token"),
            headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8)))
        struct Token: Decodable { var access_token: String }
        let token = try JSONDecoder().decode(Token.self, from: tokenResponse.body).access_token
        // The emulator alone, cold, in-process (a second emulator with the same tenant): encoding cost without sockets.
        let cold = GraphEmulator()
        let coldCredentials = cold.load(tenant)
        let coldToken = claimsToken(cold, coldCredentials)
        let coldTiming = await measure {
            var next: URL? = URL(string: "https://graph.emulator.test/v1.0/users?$top=999&$select=\(select)")!
            while let url = next {
                next = nextLink(in: cold.handle(HTTPRequest(url: url, headers: ["Authorization": "Bearer \(coldToken)"])).response.body)
            }
        }
        print("read-limit: emulator alone, cold, in-process: \(String(format: "%.3f", coldTiming.wall)) s (\(Int(Double(users) / coldTiming.wall)) users/s)")
        var bytes = 0
        var requests = 0
        let first = URL(string: "\(server.baseURL)/v1.0/users?$top=999&$select=\(select)")!
        let timing = try await measure {
            var next: URL? = first
            while let url = next {
                let page = try await transport.send(HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"]))
                requests += 1
                bytes += page.body.count
                next = nextLink(in: page.body)
            }
        }
        // The emulator alone, in-process: the same pages again, without sockets (served from its page cache).
        let inProcess = await measure {
            var next: URL? = first
            while let url = next {
                let page = emulator.handle(HTTPRequest(url: url, headers: ["Authorization": "Bearer \(token)"])).response
                next = nextLink(in: page.body)
            }
        }
        print("read-limit: the same pages in-process again: \(String(format: "%.3f", inProcess.wall)) s")
        print("read-limit: \(users) users in \(requests) pages, \(megabytes(bytes)) in \(String(format: "%.3f", timing.wall)) s: \(Int(Double(users) / timing.wall)) users/s, \(String(format: "%.1f", Double(bytes) / 1_048_576 / timing.wall)) MB/s")
        return Measurement(
            scenario: "read-limit", users: users, wallSeconds: timing.wall, cpuSeconds: timing.cpu,
            peakMemoryBytes: ProcessStats.peakMemoryBytes, requests: requests, resourceUnits: emulator.resourceUnitsSpent,
            throughputPerSecond: Double(users) / timing.wall, notes: ["bytes": String(bytes)])
    }

    /// Finds `@odata.nextLink` without decoding the page (it comes before `value`).
    static func nextLink(in body: Data) -> URL? {
        let marker = Array("\"@odata.nextLink\":\"".utf8)
        let head = body.prefix(4_096)
        guard let range = head.firstRange(of: marker) else { return nil }
        let start = range.upperBound
        guard let end = head[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return URL(string: String(decoding: head[start..<end], as: UTF8.self))
    }

    static func claimsToken(_ emulator: GraphEmulator, _ credentials: EmulatorCredentials) -> String {
        let form = "client_id=\(credentials.clientID)&client_secret=\(credentials.clientSecret.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&grant_type=client_credentials&scope=https%3A%2F%2Fgraph.microsoft.com%2F.default"
        let response = emulator.handle(HTTPRequest(
            method: .post, url: URL(string: "https://login.emulator.test/\(credentials.tenantID)/oauth2/v2.0/token")!,
            headers: ["Content-Type": "application/x-www-form-urlencoded"], body: Data(form.utf8))).response
        struct Token: Decodable { var access_token: String }
        return (try? JSONDecoder().decode(Token.self, from: response.body).access_token) ?? ""
    }
}
