import DirectorySync
import DirectorySyncHTTP
import Foundation
import Testing

@Suite("The default transport: LoopbackHTTPTransport for plain http to loopback, URLSessionTransport otherwise")
struct DefaultHTTPTransportTests {
    private static let configuration = HTTPTransportConfiguration(timeout: 7, connectTimeout: 3)

    @Test("plain http to loopback addresses gets the socket transport, with the bounds given", arguments: [
        ["http://127.0.0.1:8080/scim/v2"], ["http://localhost:2379"], ["http://[::1]:2379", "http://127.0.0.2:2379"],
    ])
    func loopback(_ urls: [String]) throws {
        let transport = DefaultHTTPTransport.for(urls.map { URL(string: $0)! }, configuration: Self.configuration)
        let chosen = try #require(transport as? LoopbackHTTPTransport)
        #expect(chosen.configuration.timeout == 7 && chosen.configuration.connectTimeout == 3)
    }

    @Test("https, a mix of http and https, http beyond loopback (which the policy refuses), or none at all gets URLSessionTransport", arguments: [
        ["https://scim.example.com/v2"], ["http://127.0.0.1:2379", "https://etcd-2:2379"], ["https://127.0.0.1:8443"], ["http://scim.example.com/v2"], [],
    ])
    func urlSession(_ urls: [String]) throws {
        let transport = DefaultHTTPTransport.for(urls.map { URL(string: $0)! }, configuration: Self.configuration)
        let chosen = try #require(transport as? URLSessionTransport)
        #expect(chosen.configuration.timeout == 7 && chosen.configuration.connectTimeout == 3)
    }
}
