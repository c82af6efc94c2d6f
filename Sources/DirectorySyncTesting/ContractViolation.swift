import DirectorySync

/// A protocol implementation broke a rule of its contract: the package's error shape, with the
/// check that failed.
public struct ContractViolation: DirectorySyncError {
    /// The stable codes of this error (``DirectorySync/ErrorCode``).
    public typealias Code = ErrorCode<ContractViolation>

    /// Always `contractBroken`.
    public var code: Code { .contractBroken }
    /// The check that failed.
    public var check: String
    /// What was expected and what happened.
    public var detail: String

    /// Creates a violation.
    /// - Parameters:
    ///   - check: The check that failed.
    ///   - message: What was expected and what happened.
    public init(check: String, message: String) {
        self.check = check
        detail = message
    }

    /// Make the implementation keep the rule the check names.
    public var fix: String { "Make the implementation keep the rule '\(check)'." }

    /// `contractBroken: <check>: <what happened>. <fix>`
    public var description: String { "\(code.rawValue): \(check): \(message)" }
}

extension ErrorCode where Area == ContractViolation {
    /// An implementation broke a rule of its protocol's contract.
    public static let contractBroken = Self(rawValue: "contractBroken")
}

/// One named rule of a contract, run against what a factory makes (shared by the contract suites).
public struct ContractCheck<Factory: Sendable>: Sendable, CustomStringConvertible {
    /// The rule's name.
    public let name: String
    private let body: @Sendable (Factory, Expectation) async throws -> Void

    init(_ name: String, _ body: @escaping @Sendable (Factory, Expectation) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the check.
    /// - Parameter factory: Makes what the rule is checked on.
    /// - Throws: ``ContractViolation`` when the implementation breaks the rule, or its own error.
    public func run(_ factory: Factory) async throws { try await body(factory, Expectation(check: name)) }

    /// The rule's name.
    public var description: String { name }
}

/// Helpers the contract checks share.
struct Expectation: Sendable {
    let check: String

    func that(_ condition: Bool, _ message: @autoclosure () -> String) throws {
        if !condition { throw ContractViolation(check: check, message: message()) }
    }

    /// Runs `body` and requires it to throw an ``DirectorySync/IdentityStoreError`` with the given code.
    func fails<T>(with code: IdentityStoreError.Code, _ what: String, _ body: () async throws -> T) async throws {
        do {
            _ = try await body()
        } catch let error as IdentityStoreError {
            try that(error.code == code, "\(what) should fail with \(code) but failed with \(error.code)")
            return
        } catch {
            throw ContractViolation(check: check, message: "\(what) should fail with \(code) but threw \(error)")
        }
        throw ContractViolation(check: check, message: "\(what) should fail with \(code) but succeeded")
    }
}
