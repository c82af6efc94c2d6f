@testable import DirectorySyncHTTP
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

@Suite("LoopbackHTTPTransport connects only to loopback addresses, whatever a name resolves to")
struct SocketAddressLoopbackTests {
    @Test("127.0.0.0/8, ::1 and IPv4-mapped 127/8 are loopback, nothing else", arguments: [
        ("127.0.0.1", true), ("127.255.255.254", true), ("127.0.0.2", true),
        ("126.255.255.255", false), ("128.0.0.1", false), ("10.0.0.1", false), ("0.0.0.0", false), ("192.168.1.127", false),
        ("::1", true), ("::ffff:127.0.0.1", true), ("::ffff:127.9.9.9", true),
        ("::", false), ("::2", false), ("::ffff:10.0.0.1", false), ("fe80::1", false), ("2001:db8::1", false), ("1::1", false), ("::127.0.0.1", false),
    ])
    func addresses(_ text: String, _ loopback: Bool) throws {
        var hints = addrinfo()
        hints.ai_flags = AI_NUMERICHOST
        var list: UnsafeMutablePointer<addrinfo>?
        #expect(getaddrinfo(text, nil, &hints, &list) == 0, "\(text)")
        defer { freeaddrinfo(list) }
        let address = try #require(list?.pointee.ai_addr)
        #expect(SocketConnection.isLoopback(address) == loopback, "\(text)")
    }

    @Test("an address that is not loopback is refused before any connection is attempted", arguments: ["192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1"])
    func notLoopback(_ host: String) throws {
        // The transport refuses such URLs before this point; here the socket layer is asked
        // directly, as it would be for a name that looked like loopback and resolved elsewhere.
        var attempted = false
        do {
            _ = try SocketConnection.connect(host: host, port: 9, deadline: .now + .seconds(2), timeoutText: "2 s") { _ in attempted = true }
            Issue.record("connected to \(host)")
        } catch let error as HTTPTransportError {
            #expect(error.code == .connectionFailed)
            #expect(error.detail.contains("not loopback"), "\(error.detail)")
        }
        #expect(!attempted, "no socket was opened for \(host)")
    }
}
