import DirectorySync

/// An etcd request failed. Branch on ``code``; the ``description`` names the cause and the fix.
///
/// Nothing in it — code, detail, fix — holds the password or the authentication token: the
/// server's own messages are kept, with both removed should a server echo them.
public struct EtcdError: DirectorySyncError {
    /// The stable codes of this error (``DirectorySync/ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<EtcdError>

    /// What went wrong.
    public var code: Code
    /// What happened: the request, the endpoint and the server's message (never a secret).
    public var detail: String
    /// What to do.
    public var fix: String
    /// The gRPC status code etcd answered with (`5` not found, `8` resource exhausted, `11` out of
    /// range, `14` unavailable …), when the server answered with an error.
    public var serverCode: Int?
    private var storedUnderlying: UnderlyingError

    /// The error that caused this one, such as the transport's `HTTPTransportError`.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: What happened (never a secret).
    ///   - fix: What to do; the code's usual advice when `nil`.
    ///   - serverCode: The gRPC status code etcd answered with.
    ///   - underlying: The error that caused this one.
    public init(_ code: Code, detail: String, fix: String? = nil, serverCode: Int? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.detail = detail
        self.fix = fix ?? Self.advice(for: code)
        self.serverCode = serverCode
        storedUnderlying = UnderlyingError(underlying)
    }

    /// `false` for what only an administrator can fix: rejected credentials, a configuration that
    /// cannot work, a request larger than the cluster accepts.
    public var healsByItself: Bool { ![.authenticationFailed, .invalidConfiguration, .requestTooLarge].contains(code) }

    private static func advice(for code: Code) -> String {
        switch code {
        case .unavailable:
            "Check that the etcd endpoints are right and that the cluster is up and has a leader; then retry."
        case .outcomeUnknown:
            "The request may or may not have been applied; read the state back before repeating it."
        case .requestTooLarge:
            "Keep requests under the cluster's --max-request-bytes (1.5 MiB by default) and 128 operations per transaction."
        case .leaseNotFound:
            "The lease expired or was revoked; grant a new one (claims made under the old one are lost)."
        case .compacted:
            "The revision asked for was compacted away; read the current revision again."
        case .invalidResponse:
            "Check that the endpoints are etcd's (v3.4 or later) client URLs and not another service."
        case .authenticationFailed:
            "Check the etcd user name and password, and that the user has a role granting the prefix."
        case .permissionDenied:
            "Grant the etcd user a role with read and write permission on the key prefix."
        case .invalidRequest:
            "Fix the request: etcd refuses a transaction that writes one key twice."
        case .invalidConfiguration:
            "Give at least one endpoint as https://HOST:PORT (plain http only for loopback), and a user name with its password."
        default:
            "See the detail; retry once the cluster is healthy."
        }
    }
}

extension ErrorCode where Area == EtcdError {
    /// No endpoint answered: refused, timed out (a paused member accepts and never answers), or
    /// the cluster has no leader. A read simply failed; a write failed this way reached no member
    /// (a write that may have reached one fails with ``outcomeUnknown`` instead, idempotent or not).
    public static let unavailable = Self(rawValue: "unavailable")
    /// The connection failed or timed out after a write was sent, or a member answered that it
    /// could not complete it (leader changed, timed out): it may or may not have been applied —
    /// even later, so read the state back before relying on either.
    public static let outcomeUnknown = Self(rawValue: "outcomeUnknown")
    /// The request is larger than the cluster accepts (`--max-request-bytes`, `--max-txn-ops`).
    public static let requestTooLarge = Self(rawValue: "requestTooLarge")
    /// The lease does not exist (expired or revoked).
    public static let leaseNotFound = Self(rawValue: "leaseNotFound")
    /// The revision asked for was compacted.
    public static let compacted = Self(rawValue: "compacted")
    /// The answer is not what etcd's JSON gateway sends (not JSON, a wrong type, too large).
    public static let invalidResponse = Self(rawValue: "invalidResponse")
    /// The user name or password was refused, or the token was not accepted after a fresh login.
    public static let authenticationFailed = Self(rawValue: "authenticationFailed")
    /// The user may not read or write the key.
    public static let permissionDenied = Self(rawValue: "permissionDenied")
    /// The request breaks one of etcd's rules (a transaction that writes one key twice); it was not sent.
    public static let invalidRequest = Self(rawValue: "invalidRequest")
    /// The client's configuration cannot work (no endpoint, plain http to a remote host, a user
    /// name without a password).
    public static let invalidConfiguration = Self(rawValue: "invalidConfiguration")
    /// The server refused the request for another reason (its message is in the detail).
    public static let server = Self(rawValue: "server")
}
