import Foundation

/// The Microsoft cloud a tenant lives in, read from its OpenID discovery document, or the cloud
/// a login endpoint belongs to. Tokens are not interchangeable between clouds.
enum EntraCloud: Hashable, Sendable {
    /// The global cloud: commercial and GCC (`microsoftonline.com`).
    case global
    /// US Government GCC High (`microsoftonline.us`, `USGov` + `DODCON`).
    case gccHigh
    /// US Department of Defense (`microsoftonline.us`, `USGov` + `DOD`).
    case dod
    /// China, operated by 21Vianet (`partner.microsoftonline.cn`, `login.chinacloudapi.cn`).
    case china
    /// A cloud this SDK does not know (such as the retired `microsoftonline.de`), by its name.
    case other(String)

    /// The fields of `/{tenant}/v2.0/.well-known/openid-configuration` that tell the cloud.
    struct Discovery: Decodable {
        var issuer: String?
        var token_endpoint: String?
        var cloud_instance_name: String?
        var tenant_region_scope: String?
        var tenant_region_sub_scope: String?
        var msgraph_host: String?
    }

    /// The tenant's cloud: `cloud_instance_name` first, else the host of `issuer` or
    /// `token_endpoint`; the region scope tells GCC High from DoD, and marks a US Government
    /// tenant even where the instance name is missing. A document that names no cloud at all is
    /// taken for the global cloud, the only one where that has been seen.
    init(_ discovery: Discovery) {
        let scope = discovery.tenant_region_scope?.uppercased()
        let sub = discovery.tenant_region_sub_scope?.uppercased()
        let usGovernment: EntraCloud = sub == "DOD" ? .dod : .gccHigh
        if scope == "USGOV" || scope == "USG" || sub == "DODCON" || sub == "DOD" {
            self = usGovernment
            return
        }
        let named = [discovery.cloud_instance_name, Self.host(discovery.issuer), Self.host(discovery.token_endpoint)]
            .compactMap { $0?.trimmingCharacters(in: .whitespaces).lowercased() }.first { !$0.isEmpty }
        guard let named else {
            self = .global
            return
        }
        let cloud = Self(host: named) ?? .other(named)
        self = cloud == .gccHigh ? usGovernment : cloud
    }

    /// The cloud of a login host or cloud instance name; `nil` for a host of no known cloud (an
    /// emulator, a proxy).
    init?(host: String) {
        let host = host.lowercased()
        func within(_ domains: [String]) -> Bool { domains.contains { host == $0 || host.hasSuffix("." + $0) } }
        if within(["microsoftonline.com", "login.windows.net", "sts.windows.net", "login.microsoft.com"]) {
            self = .global
        } else if within(["microsoftonline.us"]) {
            self = .gccHigh
        } else if within(["partner.microsoftonline.cn", "chinacloudapi.cn"]) {
            self = .china
        } else if within(["microsoftonline.de"]) {
            self = .other("microsoftonline.de")
        } else {
            return nil
        }
    }

    /// Whether this is a national (sovereign) cloud, refused unless the host allows national clouds.
    var isNational: Bool { self != .global }

    /// GCC High and DoD share their endpoints, so either matches a `microsoftonline.us` login host.
    func sharesEndpoints(with other: EntraCloud) -> Bool {
        let usGovernment: Set<EntraCloud> = [.gccHigh, .dod]
        return self == other || (usGovernment.contains(self) && usGovernment.contains(other))
    }

    /// The name an administrator knows.
    var name: String {
        switch self {
        case .global: "global (commercial or GCC) cloud"
        case .gccHigh: "US Government GCC High cloud"
        case .dod: "US Government DoD cloud"
        case .china: "China cloud operated by 21Vianet"
        case .other(let name): "unknown cloud '\(name)'"
        }
    }

    /// The login endpoint of the cloud, for the fix.
    var loginHost: String? {
        switch self {
        case .global: "login.microsoftonline.com"
        case .gccHigh, .dod: "login.microsoftonline.us"
        case .china: "login.chinacloudapi.cn"
        case .other: nil
        }
    }

    private static func host(_ url: String?) -> String? {
        url.flatMap { URL(string: $0)?.host }
    }
}
