import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The default ``HTTPTransport``: `URLSession`, `https` only (plain `http` for loopback), our own
/// `User-Agent`, an explicit `Content-Type` on every body, and failures mapped to
/// ``HTTPTransportError`` — `URLError(.cancelled)` becomes `CancellationError`.
public struct URLSessionTransport: HTTPTransport {
    /// How the transport behaves.
    public struct Configuration: Sendable {
        /// Seconds to wait for a response.
        public var timeout: TimeInterval
        /// The `User-Agent` sent with every request.
        public var userAgent: String

        /// Creates a configuration.
        /// - Parameters:
        ///   - timeout: Seconds to wait for a response (default 60).
        ///   - userAgent: The `User-Agent` (default `DirectorySync/0.1`).
        public init(timeout: TimeInterval = 60, userAgent: String = "DirectorySync/0.1") {
            self.timeout = timeout
            self.userAgent = userAgent
        }
    }

    /// How the transport behaves.
    public let configuration: Configuration
    private let session: URLSession

    /// Creates a transport.
    /// - Parameters:
    ///   - configuration: Timeout and user agent.
    ///   - session: The session to use; an ephemeral one by default (tests may pass one whose
    ///     `protocolClasses` answer in memory).
    public init(configuration: Configuration = Configuration(), session: URLSession? = nil) {
        self.configuration = configuration
        if let session {
            self.session = session
        } else {
            let sessionConfiguration = URLSessionConfiguration.ephemeral
            sessionConfiguration.timeoutIntervalForRequest = configuration.timeout
            self.session = URLSession(configuration: sessionConfiguration)
        }
    }

    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try URLPolicy.check(request.url)
        var urlRequest = URLRequest(url: request.url)
        urlRequest.timeoutInterval = configuration.timeout
        urlRequest.httpMethod = request.method.rawValue
        for field in request.headers { urlRequest.addValue(field.value, forHTTPHeaderField: field.name) }
        urlRequest.setValue(configuration.userAgent, forHTTPHeaderField: "User-Agent")
        if let body = request.body {
            urlRequest.httpBody = body
            if request.headers["Content-Type"] == nil {
                urlRequest.setValue("application/octet-stream", forHTTPHeaderField: "Content-Type")
            }
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: urlRequest)
        } catch let error as URLError {
            throw Self.map(error, url: request.url)
        }
        guard let http = response as? HTTPURLResponse else {
            throw HTTPTransportError(.connectionFailed, detail: "the response to \(request) is not HTTP")
        }
        var headers = HTTPHeaders()
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers.add(name, value) }
        }
        return HTTPResponse(status: http.statusCode, headers: headers, body: data)
    }

    static func map(_ error: URLError, url: URL) -> any Error {
        let host = url.host ?? "?"
        switch error.code {
        case .cancelled: return CancellationError()
        case .timedOut: return HTTPTransportError(.timedOut, detail: "no response from \(host)")
        case .secureConnectionFailed, .serverCertificateUntrusted, .serverCertificateHasBadDate, .serverCertificateNotYetValid,
            .serverCertificateHasUnknownRoot, .clientCertificateRejected:
            return HTTPTransportError(.tlsFailed, detail: "TLS with \(host) failed (\(error.code.rawValue))")
        default:
            return HTTPTransportError(.connectionFailed, detail: "\(host): \(error.localizedDescription) (\(error.code.rawValue))")
        }
    }
}
