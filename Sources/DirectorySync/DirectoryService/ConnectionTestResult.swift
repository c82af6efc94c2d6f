import Foundation

/// The outcome of "Test connection": each step in order, what it found, and the failing step's
/// error code — in words that never contain a secret.
///
/// A ``DirectoryConnector`` produces it (`GraphDirectoryProvider.testConnection(domain:)` for
/// Entra ID); ``DirectoryService/testConnection(_:)`` returns it. Its JSON is designed and stable:
///
/// ```json
/// {"errorCode": "wrongSecret",
///  "steps": [{"detail": "well formed; no secret expiry date given", "name": "input", "status": "passed"},
///            {"detail": "…", "name": "token", "status": "failed"}, …]}
/// ```
///
/// `errorCode` is absent when no step failed; `name` is a ``Step/Name`` and `status` a
/// ``Step/Status``, both as their raw strings. A test that read the tenant's identity adds
/// `"tenant": {"id": "…", "verifiedDomains": ["…"]}` (``tenant``).
public struct ConnectionTestResult: Hashable, Sendable, Codable, CustomStringConvertible {
    /// One step and what it found.
    public struct Step: Hashable, Sendable, Codable {
        /// Which step: a stable name. New names may be added; switch with a `default`.
        public struct Name: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
            /// The name's text.
            public var rawValue: String
            /// Creates a name from its text.
            /// - Parameter rawValue: The text.
            public init(rawValue: String) { self.rawValue = rawValue }

            /// The tenant, client id and secret are well formed, and the secret has not expired.
            public static let input = Name(rawValue: "input")
            /// The tenant exists and lives in a supported cloud.
            public static let cloud = Name(rawValue: "cloud")
            /// A token was issued for the application.
            public static let token = Name(rawValue: "token")
            /// The token carries the permissions a read needs.
            public static let permissions = Name(rawValue: "permissions")
            /// A minimal directory read worked.
            public static let graphRead = Name(rawValue: "graphRead")
            /// The source's domain is a verified domain of the tenant.
            public static let domain = Name(rawValue: "domain")
            /// The directory reports no user of the source's domain as synchronized from
            /// on-premises Active Directory (such a domain cannot also have an Entra source).
            public static let onPremises = Name(rawValue: "onPremises")
            /// No other source synchronizes the same tenant: ``DirectoryService/testConnection(_:)``
            /// adds this step after the connector's own, comparing the tenant found with the
            /// other sources'.
            public static let tenant = Name(rawValue: "tenant")

            /// The steps of an Entra ID connection test, in the order they run.
            public static let entraSteps: [Name] = [.input, .cloud, .token, .permissions, .graphRead, .domain, .onPremises]

            /// The name's text.
            public var description: String { rawValue }

            /// Decodes the name from its text.
            /// - Parameter decoder: The decoder.
            /// - Throws: `DecodingError` when the value is not a string.
            public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }

            /// Encodes the name as its text.
            /// - Parameter encoder: The encoder.
            /// - Throws: The encoder's errors.
            public func encode(to encoder: any Encoder) throws {
                var container = encoder.singleValueContainer()
                try container.encode(rawValue)
            }
        }

        /// How a step ended.
        public enum Status: String, Hashable, Sendable, Codable {
            /// Passed.
            case passed
            /// Passed with a caveat (an expiring secret, a domain that could not be checked).
            case warning
            /// Failed.
            case failed
            /// Not run, because an earlier step failed.
            case skipped
        }

        /// Which step.
        public var name: Name
        /// How it ended.
        public var status: Status
        /// What it found, or what is wrong and how to fix it.
        public var detail: String

        /// Creates a step.
        /// - Parameters:
        ///   - name: Which step.
        ///   - status: How it ended.
        ///   - detail: What it found, or what is wrong and how to fix it.
        public init(_ name: Name, _ status: Status, _ detail: String) {
            self.name = name
            self.status = status
            self.detail = detail
        }

        private enum CodingKeys: String, CodingKey { case name, status, detail }
    }

    /// The steps, in order.
    public var steps: [Step]
    /// The failing step's error code (`wrongSecret`, `unknownTenant`, …), when one failed.
    public var errorCode: String?
    /// The tenant the credentials reached — its id and verified domains — when the test could
    /// read them; ``DirectoryService`` keeps it on the source when the test passed.
    public var tenant: TenantIdentity?

    /// Creates a result.
    /// - Parameters:
    ///   - steps: The steps, in order.
    ///   - errorCode: The failing step's error code.
    ///   - tenant: The tenant's id and verified domains, when the test read them.
    public init(steps: [Step], errorCode: String? = nil, tenant: TenantIdentity? = nil) {
        self.steps = steps
        self.errorCode = errorCode
        self.tenant = tenant
    }

    /// A result whose steps after `failing` were skipped: `passed` so far, then the failure.
    /// - Parameters:
    ///   - passed: The steps that ran before.
    ///   - failing: The step that failed.
    ///   - detail: What is wrong and how to fix it.
    ///   - errorCode: The failure's stable code.
    ///   - order: Every step in order, to list the skipped ones.
    ///   - tenant: The tenant's id and verified domains, when they were read before the failure.
    /// - Returns: The result.
    public static func failure(
        after passed: [Step], failing: Step.Name, detail: String, errorCode: String, order: [Step.Name] = Step.Name.entraSteps,
        tenant: TenantIdentity? = nil
    ) -> ConnectionTestResult {
        var steps = passed + [Step(failing, .failed, detail)]
        for name in order where !steps.contains(where: { $0.name == name }) { steps.append(Step(name, .skipped, "skipped")) }
        return ConnectionTestResult(steps: steps, errorCode: errorCode, tenant: tenant)
    }

    /// Whether every step passed (warnings allowed); an empty result is no success.
    public var isSuccessful: Bool { !steps.isEmpty && steps.allSatisfy { $0.status == .passed || $0.status == .warning } }

    /// The failed step, if any.
    public var failure: Step? { steps.first { $0.status == .failed } }

    /// The warnings found (an expiring secret, for example).
    public var warnings: [String] { steps.filter { $0.status == .warning }.map(\.detail) }

    /// One line per step: `✔ token: issued`, `✘ token: …`.
    public var description: String {
        steps.map { step in
            let mark = switch step.status {
            case .passed: "✔"
            case .warning: "!"
            case .failed: "✘"
            case .skipped: "-"
            }
            return "\(mark) \(step.name): \(step.detail)"
        }.joined(separator: "\n")
    }

    private enum CodingKeys: String, CodingKey { case steps, errorCode, tenant }

    /// Decodes a result from its designed JSON.
    /// - Parameter decoder: The decoder.
    /// - Throws: `DecodingError` for another shape.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        steps = try container.decode([Step].self, forKey: .steps)
        errorCode = try container.decodeIfPresent(String.self, forKey: .errorCode)
        tenant = try container.decodeIfPresent(TenantIdentity.self, forKey: .tenant)
    }

    /// Encodes the result as its designed JSON (`errorCode` only when a step failed, `tenant`
    /// only when it was read).
    /// - Parameter encoder: The encoder.
    /// - Throws: The encoder's errors.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(steps, forKey: .steps)
        try container.encodeIfPresent(errorCode, forKey: .errorCode)
        try container.encodeIfPresent(tenant, forKey: .tenant)
    }
}
