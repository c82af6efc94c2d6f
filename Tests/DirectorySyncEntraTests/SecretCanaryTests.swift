import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import DirectorySyncTesting
import Foundation
import Testing

/// Records the bearer tokens a client sends, so tests can look for them where they must not be.
final class TokenRecorder: HTTPTransport {
    let base: any HTTPTransport
    let tokens = Locked<Set<String>>([])
    init(_ base: any HTTPTransport) { self.base = base }
    func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        if let header = request.headers["Authorization"], header.hasPrefix("Bearer ") { tokens.withLock { _ = $0.insert(String(header.dropFirst(7))) } }
        return try await base.send(request)
    }
}

@Suite("Secret canaries: the client secret and bearer tokens appear nowhere but the secret store")
struct SecretCanaryTests {
    static let canary = "CANARY-\(UUID().uuidString)~s3cr3t+/=.value"

    /// The canary and its encodings: raw, base64 (standard and URL-safe), percent-encoded.
    static func forms(of secret: String) -> [String] {
        let base64 = Data(secret.utf8).base64EncodedString()
        let urlSafe = base64.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        let percent = secret.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? secret
        return [secret, base64, urlSafe, percent, secret.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? secret]
    }

    @Test("the whole workflow — tests with wrong and right secrets, syncs, faults of every kind, previews, exports, state, events — leaks nothing")
    func workflow() async throws {
        let graph = GraphHarness(users: 80, groups: 8)
        let clientID = "c4a2a7e0-0000-4000-8000-00000000ca11"
        graph.emulator.addApplication(
            EmulatedApplication(clientID: clientID, secrets: [.init(id: "canary-id", value: Self.canary, expires: Date(timeIntervalSince1970: 1_900_000_000))]),
            tenant: graph.credentials.tenantID)
        let recorder = TokenRecorder(EmulatorTransport(graph.emulator))
        let connector = GraphDirectoryConnector(configuration: .init(
            provider: graph.configuration(retryPolicy: RetryPolicy(maximumAttempts: 2, jitter: { 0.5 })), transport: recorder))
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("canary-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let service = try await DirectoryService.open(
            store: InMemoryIdentityStore(), state: try FileSyncStateStore(folder: folder.appendingPathComponent("state")),
            secrets: try FileSecretStore(folder: folder.appendingPathComponent("secrets")), connector: connector,
            clock: graph.clock.syncClock)
        let events = service.events()
        var produced: [String] = []
        func keep(_ value: Any) { produced.append(String(describing: value)); produced.append(String(reflecting: value)); var dumped = ""; dump(value, to: &dumped); produced.append(dumped) }

        let source = try await service.addSource(name: "Canary", domain: graph.credentials.domain)
        var credentials = SourceCredentials(clientID: clientID, tenant: graph.credentials.domain, loginURL: graph.endpoints.login, graphURL: graph.endpoints.graph)
        keep(await service.testConnection(domain: source.domain, credentials: credentials, secret: Secret(Self.canary + "-wrong")))
        keep(await service.testConnection(domain: source.domain, credentials: credentials, secret: Secret(String(Self.canary.reversed()))))
        credentials.secretExpiration = graph.clock.now.addingTimeInterval(5 * 86_400)
        try await service.setCredentials(source.id, credentials, secret: Secret(Self.canary))
        keep(try await service.testConnection(source.id))
        try await service.turnOn(source.id)
        keep(try await service.synchronize(source.id))
        for fault in [EmulatorFault.status(401), .status(503), .status(429), .malformedBody, .truncatedBody, .dropConnection] {
            graph.emulator.scheduleFault(fault, times: 4, pathPrefix: "/v1.0/")
            graph.emulator.expireDeltaLinks()
            graph.clock.advance(by: 2)
            keep(try await service.synchronize(source.id))
            graph.emulator.clearFaults()
        }
        graph.clock.advance(by: 4_000)
        keep(try await service.synchronize(source.id))
        keep(try await service.status(source.id))
        keep(try await service.history(source.id))
        do { try await service.setCredentials(source.id, credentials, secret: Secret(Self.canary)) } catch { keep(error) }
        try await service.turnOff(source.id)
        let preview = try await service.preview(source.id)
        for exporter in [JSONPreviewExporter() as any PreviewExporter, JSONLinesPreviewExporter(), CSVPreviewExporter()] {
            var sink = DataSink()
            try exporter.export(preview, to: &sink)
            produced.append(String(decoding: sink.data, as: UTF8.self))
        }
        let provider = try connector.provider(for: SourceConnection(domain: source.domain, credentials: credentials, secret: Secret(Self.canary)))
        keep(provider)
        keep(connector)
        graph.emulator.scheduleFault(.status(401), times: 4)
        do { _ = try await provider.read() } catch { keep(error) }

        var eventCount = 0
        for await event in events {
            keep(event)
            eventCount += 1
            if case .stateChanged(_, _, .off) = event, eventCount > 5 { break }
        }
        let enumerator = FileManager.default.enumerator(at: folder.appendingPathComponent("state"), includingPropertiesForKeys: nil)
        var files = 0
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            produced.append(String(decoding: try Data(contentsOf: url), as: UTF8.self))
            files += 1
        }
        #expect(files >= 3, "sources, history, tracking … were written")

        let tokens = recorder.tokens.withLock { $0 }
        #expect(tokens.count >= 2, "tokens were issued and renewed")
        let needles = Self.forms(of: Self.canary) + tokens.flatMap { Self.forms(of: $0) }
        let haystack = produced.joined(separator: "\n")
        #expect(haystack.count > 10_000)
        for needle in needles { #expect(!haystack.contains(needle), "leaked: \(needle.prefix(12))…") }
        // Saving the secret again while on rotated it to a new key and removed the old one.
        let secretFiles = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("secrets").path).filter { $0.hasSuffix(".secret") }
        #expect(secretFiles.count == 1, "\(secretFiles)")
        let secretFile = try String(contentsOf: folder.appendingPathComponent("secrets").appendingPathComponent(try #require(secretFiles.first)), encoding: .utf8)
        #expect(secretFile == Self.canary, "the secret store does hold it")
    }
}
