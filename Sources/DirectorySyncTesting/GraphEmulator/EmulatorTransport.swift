import DirectorySync
import DirectorySyncHTTP
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Mounts a ``GraphEmulator`` in-process as an ``DirectorySyncHTTP/HTTPTransport``: requests never touch a socket.
/// Delays are real sleeps (cancellable); a dropped connection throws
/// ``DirectorySyncHTTP/HTTPTransportError`` (`connectionFailed`).
public struct EmulatorTransport: HTTPTransport {
    /// The emulator answering.
    public let emulator: GraphEmulator

    /// Creates a transport.
    /// - Parameter emulator: The emulator answering.
    public init(_ emulator: GraphEmulator) { self.emulator = emulator }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try Task.checkCancellation()
        try URLPolicy.check(request.url)
        let reply = emulator.handle(request)
        if reply.delay > 0 { try await Task.sleep(for: .milliseconds(Int(reply.delay * 1_000))) }
        if reply.dropConnection { throw HTTPTransportError(.connectionFailed, detail: "the emulator dropped the connection") }
        return reply.response
    }
}

/// Mounts emulators in-process under a `URLSession`, keyed by host, so code that builds its own
/// `URLSession` (such as ``DirectorySyncHTTP/URLSessionTransport``) can talk to them without a socket.
///
/// ```swift
/// let session = EmulatorURLProtocol.session(serving: emulator, host: "graph.emulator.test")
/// let transport = URLSessionTransport(session: session)
/// ```
public final class EmulatorURLProtocol: URLProtocol {
    private static let emulators = Locked<[String: GraphEmulator]>([:])

    /// A session whose requests to `host` are answered by `emulator`.
    /// - Parameters:
    ///   - emulator: The emulator.
    ///   - host: The host name to answer for (use a unique one per test).
    /// - Returns: An ephemeral session.
    public static func session(serving emulator: GraphEmulator, host: String) -> URLSession {
        emulators.withLock { $0[host.lowercased()] = emulator }
        let configuration = URLSessionConfiguration.ephemeral
        configuration.protocolClasses = [EmulatorURLProtocol.self]
        return URLSession(configuration: configuration)
    }

    /// Whether the request goes to a host an emulator is mounted on.
    /// - Parameter request: The request `URLSession` is about to load.
    /// - Returns: `true` for a mounted host.
    override public class func canInit(with request: URLRequest) -> Bool {
        guard let host = request.url?.host?.lowercased() else { return false }
        return emulators.withLock { $0[host] != nil }
    }

    /// The request itself: the emulator sees requests as they were made.
    /// - Parameter request: The request.
    /// - Returns: `request`, unchanged.
    override public class func canonicalRequest(for request: URLRequest) -> URLRequest { request }

    /// Hands the request to the mounted emulator and passes its reply (delay, dropped connection
    /// or response) to `URLSession`.
    override public func startLoading() {
        guard let url = request.url, let emulator = Self.emulators.withLock({ $0[url.host?.lowercased() ?? ""] }) else {
            client?.urlProtocol(self, didFailWithError: URLError(.cannotConnectToHost))
            return
        }
        var headers = HTTPHeaders()
        for (name, value) in request.allHTTPHeaderFields ?? [:] { headers.add(name, value) }
        var body = request.httpBody
        if body == nil, let stream = request.httpBodyStream {
            stream.open()
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 16_384)
            while stream.hasBytesAvailable {
                let read = stream.read(&buffer, maxLength: buffer.count)
                if read <= 0 { break }
                data.append(buffer, count: read)
            }
            stream.close()
            body = data
        }
        let reply = emulator.handle(HTTPRequest(method: .init(rawValue: request.httpMethod ?? "GET"), url: url, headers: headers, body: body))
        if reply.delay > 0 { Thread.sleep(forTimeInterval: reply.delay) }
        if reply.dropConnection {
            client?.urlProtocol(self, didFailWithError: URLError(.networkConnectionLost))
            return
        }
        var fields: [String: String] = [:]
        for field in reply.response.headers { fields[field.name] = field.value }
        let response = HTTPURLResponse(url: url, statusCode: reply.response.status, httpVersion: "HTTP/1.1", headerFields: fields)!
        client?.urlProtocol(self, didReceive: response, cacheStoragePolicy: .notAllowed)
        client?.urlProtocol(self, didLoad: reply.response.body)
        client?.urlProtocolDidFinishLoading(self)
    }

    /// Does nothing: the emulator answers synchronously in ``startLoading()``.
    override public func stopLoading() {}
}
