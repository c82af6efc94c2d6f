import DirectorySync
import DirectorySyncEntra
import DirectorySyncHTTP
import Foundation
import Testing

@Suite("EntraError and HTTPTransportError: the one error shape")
struct EntraErrorTests {
    @Test("a network error that wraps a transport error ends each sentence once")
    func wrappedTransportError() {
        let transport = HTTPTransportError(.connectionFailed, detail: "connection refused.")
        #expect(transport.description == "connectionFailed: connection refused. Check the network, proxy and firewall, and that the host name is right; then retry.")
        let entra = EntraError(.network, detail: "\(transport)")
        #expect(!entra.description.contains(".."), "\(entra)")
        #expect(entra.description.contains("then retry. Check the network, proxy and firewall, then try again."), "\(entra)")
    }

    /// Every code of the two errors with its stable text.
    static let errors: [(any DirectorySyncError, String)] = [
        (HTTPTransportError(.connectionFailed, detail: "reset"), "connectionFailed"),
        (HTTPTransportError(.timedOut, detail: "slow"), "timedOut"),
        (HTTPTransportError(.insecureURL, detail: "http"), "insecureURL"),
        (HTTPTransportError(.invalidURL, detail: "x"), "invalidURL"),
        (HTTPTransportError(.tlsFailed, detail: "x"), "tlsFailed"),
        (HTTPTransportError(.responseTooLarge, detail: "x"), "responseTooLarge"),
    ] + [
        "invalidInput", "unknownTenant", "unknownApplication", "wrongSecret", "expiredSecret", "missingSecret", "applicationDisabled",
        "missingPermission", "domainNotVerified", "unsupportedCloud", "network", "throttled", "unexpectedResponse", "authenticationFailed",
        "graphError", "deltaExpired", "pagingLoop",
    ].map { (EntraError(EntraError.Code(rawValue: $0), detail: "the service said no"), $0) }

    @Test("every code has its stable text, a fix, and a description `<code>: <message>`", arguments: 0..<errors.count)
    func shape(index: Int) throws {
        let (error, code) = Self.errors[index]
        #expect(error.code.rawValue == code)
        #expect(!error.fix.isEmpty && error.message.hasSuffix(error.fix), "\(error)")
        #expect(error.description == "\(code): \(error.message)")
        #expect(String(decoding: try JSONEncoder().encode(error.code), as: UTF8.self) == "\"\(code)\"")
    }

    @Test("the Entra error of an unreachable service keeps the transport error underneath; equality ignores it")
    func underlying() {
        let transport = HTTPTransportError(.connectionFailed, detail: "reset")
        let entra = EntraError(.network, detail: "Microsoft Graph could not be reached: reset", underlying: transport)
        #expect(entra.underlying as? HTTPTransportError == transport)
        #expect(entra == EntraError(.network, detail: "Microsoft Graph could not be reached: reset"))
        let wrapped = HTTPTransportError(.timedOut, detail: "slow", underlying: URLError(.timedOut))
        #expect((wrapped.underlying as? URLError)?.code == .timedOut)
        #expect(wrapped == HTTPTransportError(.timedOut, detail: "slow"))
    }

    @Test("the service code and request id are part of the message")
    func message() {
        let error = EntraError(.wrongSecret, detail: "invalid client secret", serviceCode: "AADSTS7000215", requestID: "r-1")
        #expect(error.message == "invalid client secret (AADSTS7000215) [request r-1]. \(error.fix)")
        #expect(error.description == "wrongSecret: \(error.message)")
    }
}
