import DirectorySync
import Foundation

/// A tenant the emulator serves.
public struct EmulatedTenant: Hashable, Sendable {
    /// The national cloud a tenant lives in, as `tenant_region_scope` / `tenant_region_sub_scope` tell.
    public enum Cloud: String, Hashable, Sendable, CaseIterable {
        /// Commercial (`NA`, `EU`, …; no sub-scope).
        case commercial
        /// US Government GCC (`NA` + `GCC`): served by the commercial endpoints.
        case gcc
        /// US Government GCC High (`USGov` + `DODCON`).
        case gccHigh
        /// US Department of Defense (`USGov` + `DOD`).
        case dod

        var regionScope: String { self == .gccHigh || self == .dod ? "USGov" : "NA" }
        var regionSubScope: String? {
            switch self {
            case .commercial: nil
            case .gcc: "GCC"
            case .gccHigh: "DODCON"
            case .dod: "DOD"
            }
        }
        var graphHost: String {
            switch self {
            case .commercial, .gcc: "graph.microsoft.com"
            case .gccHigh: "graph.microsoft.us"
            case .dod: "dod-graph.microsoft.us"
            }
        }
        var cloudInstance: String { self == .commercial || self == .gcc ? "microsoftonline.com" : "microsoftonline.us" }
    }

    /// The tenant id (a GUID).
    public var id: String
    /// The display name of the organization.
    public var displayName: String
    /// Verified domains; the first is the default. `/organization` lists them all.
    public var verifiedDomains: [String]
    /// The cloud.
    public var cloud: Cloud
    /// Verified domains synchronized from on-premises Active Directory (Entra Connect): their users
    /// that have an `onPremisesSamAccountName` report `onPremisesSyncEnabled: true`. Users with one
    /// in other domains report `false` (synchronized once, managed in the cloud since); users
    /// without one report `null`. Empty by default.
    public var synchronizedDomains: [String]

    /// Creates a tenant.
    /// - Parameters:
    ///   - id: The tenant id (a GUID).
    ///   - displayName: The organization's display name.
    ///   - verifiedDomains: Verified domains; the first is the default.
    ///   - cloud: The national cloud.
    ///   - synchronizedDomains: Verified domains whose users are synchronized from on-premises Active Directory.
    public init(id: String, displayName: String = "Contoso", verifiedDomains: [String], cloud: Cloud = .commercial, synchronizedDomains: [String] = []) {
        self.id = id
        self.displayName = displayName
        self.verifiedDomains = verifiedDomains
        self.cloud = cloud
        self.synchronizedDomains = synchronizedDomains
    }

    /// ``synchronizedDomains`` lower-cased, for lookups.
    var synchronizedDomainSet: Set<String> { Set(synchronizedDomains.map { $0.lowercased() }) }
}

/// An application registered in a tenant, with its client secrets and granted application roles.
public struct EmulatedApplication: Hashable, Sendable {
    /// A client secret: its id (what administrators sometimes paste by mistake), its value, its expiry.
    public struct Secret: Hashable, Sendable {
        /// The secret's id (a GUID).
        public var id: String
        /// The secret's value.
        public var value: String
        /// When it expires.
        public var expires: Date

        /// Creates a secret.
        public init(id: String, value: String, expires: Date) {
            self.id = id
            self.value = value
            self.expires = expires
        }
    }

    /// The application (client) id.
    public var clientID: String
    /// Its secrets.
    public var secrets: [Secret]
    /// Application roles granted with admin consent, such as `Directory.Read.All`; empty when
    /// consent is missing (tokens are still issued, without `roles`).
    public var roles: [String]
    /// Whether the application is enabled.
    public var isEnabled: Bool

    /// Creates an application.
    public init(clientID: String, secrets: [Secret], roles: [String] = ["Directory.Read.All"], isEnabled: Bool = true) {
        self.clientID = clientID
        self.secrets = secrets
        self.roles = roles
        self.isEnabled = isEnabled
    }
}

/// A member of a group that is not a user or a group (devices, contacts, service principals).
public struct EmulatedOtherMember: Hashable, Sendable {
    /// `device`, `orgContact` or `servicePrincipal`.
    public var type: String
    /// The object id.
    public var id: String

    /// Creates a member.
    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }
}

/// One request the emulator answered, for tests and the control API.
public struct EmulatorRequestRecord: Hashable, Sendable, Codable {
    /// The method.
    public var method: String
    /// The path.
    public var path: String
    /// The query string.
    public var query: String
    /// The status answered.
    public var status: Int
    /// Resource units charged (Graph requests only).
    public var resourceUnits: Int
}
