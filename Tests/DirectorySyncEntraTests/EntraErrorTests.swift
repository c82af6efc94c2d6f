import DirectorySyncEntra
import DirectorySyncHTTP
import Testing

@Suite("EntraError: descriptions")
struct EntraErrorTests {
    @Test("a network error that wraps a transport error ends each sentence once")
    func wrappedTransportError() {
        let transport = HTTPTransportError(.connectionFailed, detail: "connection refused.")
        #expect(transport.description == "connectionFailed: connection refused. Check the network, proxy and firewall, and that the host name is right; then retry.")
        let entra = EntraError(.network, detail: "\(transport)")
        #expect(!entra.description.contains(".."), "\(entra)")
        #expect(entra.description.contains("then retry. Check the network, proxy and firewall, then try again."), "\(entra)")
    }
}
