import DirectorySync
import Foundation

/// No response could be had. Branch on ``code``; the description says what to do.
public struct HTTPTransportError: DirectorySyncError {
    /// The stable codes of this error (``DirectorySync/ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<HTTPTransportError>

    /// What went wrong.
    public var code: Code
    /// Details (redacted).
    public var detail: String
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, such as the `URLError` (its code only: the URL it names
    /// could carry a secret).
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: Details; they are redacted.
    ///   - underlying: The error that caused this one; it must hold no secret.
    public init(_ code: Code, detail: String, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = Redactor.redact(detail)
        storedUnderlying = UnderlyingError(underlying)
    }

    /// What to do about it.
    public var fix: String {
        switch code {
        case .connectionFailed: "Check the network, proxy and firewall, and that the host name is right; then retry."
        case .timedOut: "The service did not answer in time; retry later or raise the timeout."
        case .insecureURL: "Use an https URL; plain http is allowed only for loopback addresses (tests and emulators)."
        case .invalidURL: "Give an absolute http or https URL."
        case .tlsFailed: "Check the server's certificate and the system's trust store."
        case .invalidRequest: "Remove line breaks and control characters from the request's header names and values."
        case .responseTooLarge: "Check that the URL is the service's; raise the transport's maximumResponseBytes only if its answers really are that large."
        default: "See the detail."
        }
    }
}

extension ErrorCode where Area == HTTPTransportError {
    /// The connection could not be made or was lost (reset, refused, DNS), or the server's answer
    /// is not HTTP (another service on the port).
    public static let connectionFailed = Self(rawValue: "connectionFailed")
    /// No response within the timeout.
    public static let timedOut = Self(rawValue: "timedOut")
    /// The URL uses plain `http` to a host that is not loopback.
    public static let insecureURL = Self(rawValue: "insecureURL")
    /// The URL is not an absolute `http`/`https` URL.
    public static let invalidURL = Self(rawValue: "invalidURL")
    /// The TLS handshake failed.
    public static let tlsFailed = Self(rawValue: "tlsFailed")
    /// The request cannot be sent as it is: a header name or value holds a line break or another
    /// character HTTP does not allow there.
    public static let invalidRequest = Self(rawValue: "invalidRequest")
    /// The response body was larger than the transport accepts (a broken or hostile server).
    public static let responseTooLarge = Self(rawValue: "responseTooLarge")
}
