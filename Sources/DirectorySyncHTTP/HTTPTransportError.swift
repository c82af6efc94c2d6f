import DirectorySync
import Foundation

/// No response could be had. Branch on ``code``; the description says what to do.
public struct HTTPTransportError: DirectorySyncError {
    /// A stable error code. New codes may be added; switch with a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
        /// The code's text.
        public var rawValue: String
        /// Creates a code from its text.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The connection could not be made or was lost (reset, refused, DNS).
        public static let connectionFailed = Code(rawValue: "connectionFailed")
        /// No response within the timeout.
        public static let timedOut = Code(rawValue: "timedOut")
        /// The URL uses plain `http` to a host that is not loopback.
        public static let insecureURL = Code(rawValue: "insecureURL")
        /// The URL is not an absolute `http`/`https` URL.
        public static let invalidURL = Code(rawValue: "invalidURL")
        /// The TLS handshake failed.
        public static let tlsFailed = Code(rawValue: "tlsFailed")
        /// The response body was larger than the transport accepts (a broken or hostile server).
        public static let responseTooLarge = Code(rawValue: "responseTooLarge")

        /// The code's text.
        public var description: String { rawValue }
    }

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
        case .responseTooLarge: "Check that the URL is the service's; raise the transport's maximumResponseBytes only if its answers really are that large."
        default: "See the detail."
        }
    }
}
