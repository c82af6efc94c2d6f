import Foundation

/// An HTTP request as a value.
public struct HTTPRequest: Hashable, Sendable, CustomStringConvertible {
    /// HTTP methods.
    public struct Method: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The method's name.
        public var rawValue: String
        /// Creates a method from its name.
        public init(rawValue: String) { self.rawValue = rawValue.uppercased() }

        /// GET
        public static let get = Method(rawValue: "GET")
        /// POST
        public static let post = Method(rawValue: "POST")
        /// PUT
        public static let put = Method(rawValue: "PUT")
        /// PATCH
        public static let patch = Method(rawValue: "PATCH")
        /// DELETE
        public static let delete = Method(rawValue: "DELETE")
        /// HEAD
        public static let head = Method(rawValue: "HEAD")

        /// Whether repeating the request has the same effect as sending it once (RFC 9110).
        public var isIdempotent: Bool { ["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].contains(rawValue) }

        /// The method's name.
        public var description: String { rawValue }
    }

    /// The method.
    public var method: Method
    /// The absolute URL.
    public var url: URL
    /// The header fields.
    public var headers: HTTPHeaders
    /// The body, if any.
    public var body: Data?
    /// Whether the retry layer may send the request again after a failure. Defaults to the
    /// method's idempotency; a POST that is safe to repeat (such as a token request) may say so.
    public var isRetryable: Bool

    /// Creates a request.
    /// - Parameters:
    ///   - method: The method.
    ///   - url: The absolute URL.
    ///   - headers: The header fields.
    ///   - body: The body.
    ///   - isRetryable: Whether it may be sent again; defaults to the method's idempotency.
    public init(method: Method = .get, url: URL, headers: HTTPHeaders = [:], body: Data? = nil, isRetryable: Bool? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.isRetryable = isRetryable ?? method.isIdempotent
    }

    /// The method and the URL with secrets in its query removed; never headers or body.
    public var description: String { "\(method) \(Redactor.redact(url: url))" }
}

/// An HTTP response as a value.
public struct HTTPResponse: Hashable, Sendable, CustomStringConvertible {
    /// The status code.
    public var status: Int
    /// The header fields.
    public var headers: HTTPHeaders
    /// The body.
    public var body: Data

    /// Creates a response.
    /// - Parameters:
    ///   - status: The status code.
    ///   - headers: The header fields.
    ///   - body: The body.
    public init(status: Int, headers: HTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The status and the body, redacted and cut to 500 characters.
    public var description: String {
        let text = Redactor.redact(String(decoding: body.prefix(2_000), as: UTF8.self))
        return "HTTP \(status) \(text.prefix(500))"
    }
}
