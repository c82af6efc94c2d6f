import DirectorySync
import DirectorySyncHTTP

/// Something went wrong talking to Entra ID or Microsoft Graph. Branch on ``code``; the
/// description names the cause and the fix; ``diagnostics`` keeps the (redacted) service answer.
public struct EntraError: DirectorySyncError {
    /// The stable codes of this error (``DirectorySync/ErrorCode``); each is a static constant.
    public typealias Code = ErrorCode<EntraError>

    /// What went wrong.
    public var code: Code
    /// Details (redacted).
    public var detail: String
    /// The HTTP status, when there was a response.
    public var status: Int?
    /// The service's own error code (`AADSTS…` number or Graph `error.code`).
    public var serviceCode: String?
    /// The request id or trace id, for Microsoft support.
    public var requestID: String?
    /// The service's answer, redacted and shortened.
    public var diagnostics: String?
    private var storedUnderlying: UnderlyingError
    private var specificFix: String?

    /// The error that caused this one, such as the ``DirectorySyncHTTP/HTTPTransportError`` of a service that could
    /// not be reached.
    public var underlying: (any Error)? { storedUnderlying.error }

    /// Creates an error.
    /// - Parameters:
    ///   - code: What went wrong.
    ///   - detail: Details; they are redacted.
    ///   - status: The HTTP status, when there was a response.
    ///   - serviceCode: The service's own error code.
    ///   - requestID: The request id or trace id.
    ///   - diagnostics: The service's answer; it is redacted and shortened.
    ///   - underlying: The error that caused this one; it must hold no secret.
    ///   - fix: What to do, when the cause knows better than the code's usual advice.
    public init(
        _ code: Code, detail: String, status: Int? = nil, serviceCode: String? = nil, requestID: String? = nil, diagnostics: String? = nil,
        underlying: (any Error)? = nil, fix: String? = nil
    ) {
        specificFix = fix
        self.code = code
        self.detail = Redactor.redact(detail)
        self.status = status
        self.serviceCode = serviceCode
        self.requestID = requestID
        self.diagnostics = diagnostics.map { String(Redactor.redact($0).prefix(1_000)) }
        storedUnderlying = UnderlyingError(underlying)
    }

    /// The advice when Graph repeats a page; `filtered`: the pages are users read through a user
    /// filter Graph evaluates, which can be moved to the client.
    static func pagingLoopFix(filtered: Bool) -> String {
        "Graph repeated a page, so the read stopped and nothing was changed; try again later, and if it persists "
            + (filtered ? "simplify or remove the user filter (it is then evaluated locally) and " : "") + "report it to Microsoft with the request id."
    }

    /// What to do about it.
    public var fix: String {
        if let specificFix { return specificFix }
        return switch code {
        case .invalidInput: "Correct the value and try again."
        case .unknownTenant: "Check the tenant domain (the tenant's primary domain) or use the tenant id."
        case .unknownApplication: "Check the client id: it is the Application (client) ID of the app registration in this tenant."
        case .wrongSecret: "Use the client secret's Value, not its Secret ID; create a new secret if the value was not saved."
        case .expiredSecret: "Create a new client secret in the app registration and save its value and expiry date."
        case .missingSecret: "Enter the client secret's value."
        case .applicationDisabled: "Enable the application in Entra ID (Enterprise applications) or use another one."
        case .missingPermission: "Add the Microsoft Graph application permission Directory.Read.All and grant admin consent."
        case .domainNotVerified: "Use a domain that is verified in this tenant, or the credentials of the tenant that owns the domain."
        case .onPremisesDomain: "Synchronize this domain's users from on-premises Active Directory, or choose a domain whose users are managed in Entra ID."
        case .unsupportedCloud: "Use a tenant of the configured cloud (global: commercial or GCC). National clouds (GCC High, DoD, China operated by 21Vianet) are refused unless the host allows them and their sign-in and Graph endpoints are configured."
        case .network: "Check the network, proxy and firewall, then try again."
        case .throttled: "Microsoft Graph is throttling or unavailable; try again later."
        case .unexpectedResponse: "Try again; if it persists, report it with the request id."
        case .authenticationFailed: "Check the credentials and test the connection again."
        case .deltaExpired: "A full read follows automatically."
        case .pagingLoop: Self.pagingLoopFix(filtered: false)
        default: "See the detail and the request id."
        }
    }

    /// `false` for what only an administrator can fix, so ``DirectorySync/DirectoryService``
    /// quarantines the source at once: the tenant, application or secret is wrong, expired,
    /// disabled or gone (`unknownTenant`, `unknownApplication`, `wrongSecret`, `expiredSecret`,
    /// `missingSecret`, `applicationDisabled`), the permission or its consent was removed
    /// (`missingPermission`), the domain is no longer verified in the tenant (`domainNotVerified`),
    /// the tenant is in a cloud this connection may not use (`unsupportedCloud`), or a value is
    /// malformed (`invalidInput`). Network failures, throttling, unexpected answers, refused
    /// tokens (`authenticationFailed`, which a renewal may cure) and Graph's other errors may heal.
    public var healsByItself: Bool {
        switch code {
        case .unknownTenant, .unknownApplication, .wrongSecret, .expiredSecret, .missingSecret, .applicationDisabled, .missingPermission,
            .domainNotVerified, .unsupportedCloud, .invalidInput:
            false
        default: true
        }
    }

    /// `<detail> (<service code>) [request <id>]. <fix>`, with the service code and request id when known.
    public var message: String {
        var text = detail
        if let serviceCode { text += " (\(serviceCode))" }
        if let requestID { text += " [request \(requestID)]" }
        return text.followed(bySentence: fix)
    }
}

extension ErrorCode where Area == EntraError {
    /// The input is malformed (tenant, client id, secret).
    public static let invalidInput = Self(rawValue: "invalidInput")
    /// No tenant has this domain or id (AADSTS90002).
    public static let unknownTenant = Self(rawValue: "unknownTenant")
    /// The application id is not registered in the tenant (AADSTS700016), or the tenant has no
    /// service principal for it — its enterprise application was deleted (AADSTS7000229).
    public static let unknownApplication = Self(rawValue: "unknownApplication")
    /// The client secret is wrong (AADSTS7000215) — often the secret's id was used instead of its value.
    public static let wrongSecret = Self(rawValue: "wrongSecret")
    /// The client secret expired (AADSTS7000222, or the expiry date given has passed).
    public static let expiredSecret = Self(rawValue: "expiredSecret")
    /// No client secret was sent (AADSTS7000218).
    public static let missingSecret = Self(rawValue: "missingSecret")
    /// The application is disabled (AADSTS7000112).
    public static let applicationDisabled = Self(rawValue: "applicationDisabled")
    /// The application lacks `Directory.Read.All`, or admin consent was not granted or was
    /// revoked (a token without the role, Graph's 403, AADSTS65001).
    public static let missingPermission = Self(rawValue: "missingPermission")
    /// The source's domain is not a verified domain of the tenant.
    public static let domainNotVerified = Self(rawValue: "domainNotVerified")
    /// Users of the source's domain are synchronized from on-premises Active Directory (Graph's
    /// `onPremisesSyncEnabled`): the domain cannot also have an Entra source. The same code as
    /// `DirectoryServiceError`'s for a domain the host registered as on-premises.
    public static let onPremisesDomain = Self(rawValue: "onPremisesDomain")
    /// The tenant lives in a cloud this connection may not use: another cloud than the configured one, or a national cloud (GCC High, DoD, China operated by 21Vianet) that is not allowed.
    public static let unsupportedCloud = Self(rawValue: "unsupportedCloud")
    /// The service could not be reached.
    public static let network = Self(rawValue: "network")
    /// The service kept throttling (429) or was unavailable after the retries.
    public static let throttled = Self(rawValue: "throttled")
    /// The service answered something that is not what Graph documents (malformed or truncated).
    public static let unexpectedResponse = Self(rawValue: "unexpectedResponse")
    /// The access token was refused even after a renewal.
    public static let authenticationFailed = Self(rawValue: "authenticationFailed")
    /// Graph refused the request for another documented reason.
    public static let graphError = Self(rawValue: "graphError")
    /// A delta link expired or was reset (handled by falling back to a full read).
    public static let deltaExpired = Self(rawValue: "deltaExpired")
    /// Graph answered with an `@odata.nextLink` this read had already followed: following it
    /// would read the same pages forever (Graph is documented to do so for some filters). The
    /// read stops with this error instead, so nothing is changed.
    public static let pagingLoop = Self(rawValue: "pagingLoop")
}
