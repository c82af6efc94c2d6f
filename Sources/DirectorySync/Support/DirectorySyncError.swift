/// The one shape of every public error in DirectorySync's modules: a stable code to branch on, the
/// cause, what to do about it, and the error underneath when there is one.
///
/// Each area has its own error type (``IdentityStoreError``, ``FilterError``, ``ScheduleError`` …),
/// a struct whose `Code` is an ``ErrorCode`` with one static constant per case, so a new code never breaks
/// a caller's `switch` (switch with a `default`). A host that handles all of them alike catches the
/// protocol:
///
/// ```swift
/// do {
///     try await service.synchronize(source.id)
/// } catch let error as any DirectorySyncError {
///     logger.error("\(error.code.rawValue): \(error.message)")
///     if let underlying = error.underlying { logger.debug("caused by \(underlying)") }
/// }
/// ```
///
/// Nothing in an error — code, detail, fix, description — holds a secret.
public protocol DirectorySyncError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The type of the stable codes: ``ErrorCode`` of the error type itself, whose static
    /// constants name the codes.
    associatedtype Code: RawRepresentable<String>, Hashable, Sendable, Codable, CustomStringConvertible

    /// What went wrong, stable across releases; branch on it.
    var code: Code { get }
    /// The cause, as one or more sentences (never a secret).
    var detail: String { get }
    /// What the caller or the administrator can do about it.
    var fix: String { get }
    /// The error that caused this one, when there is one (a transport error under an Entra error,
    /// a filter error under a planning error). Equality and hashing ignore it.
    var underlying: (any Error)? { get }
    /// The cause and the fix as sentences, to show a person: by default `<detail>. <fix>`; a type
    /// may add what it knows (the identity concerned, the service's request id).
    var message: String { get }
    /// Whether trying again later can succeed without anybody changing anything — `true` (the
    /// default) for a network failure, throttling, a store that was down; `false` for what only an
    /// administrator can fix: a wrong or expired client secret, an application that no longer
    /// exists or was disabled, consent that was revoked. ``DirectoryService`` quarantines a source
    /// at once when a run fails with such an error (the error or one under it, through
    /// ``underlying``), instead of retrying it on every scheduled run.
    var healsByItself: Bool { get }
}

extension DirectorySyncError {
    /// No underlying error, for the error types that never have one.
    public var underlying: (any Error)? { nil }

    /// `true`: trying again may succeed, unless a type says otherwise for some of its codes.
    public var healsByItself: Bool { true }

    /// `<detail>. <fix>`.
    public var message: String { detail.followed(bySentence: fix) }

    /// `<code>: <detail>. <fix>`: the text to log.
    public var description: String { "\(code.rawValue): \(message)" }
}

/// The stable code of an error: its text, typed by the error it belongs to (`Area`), so one
/// error's codes never mix with another's. Each error names its codes as static constants in an
/// extension (`extension ErrorCode where Area == PreviewError { static let expired = … }`), so new
/// codes never break a caller's `switch` (switch with a `default`). JSON: the text itself.
public struct ErrorCode<Area>: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    /// The code's text, stable across releases.
    public var rawValue: String

    /// Creates a code from its text.
    /// - Parameter rawValue: The code's text.
    public init(rawValue: String) { self.rawValue = rawValue }

    /// The code's text.
    public var description: String { rawValue }
}

/// An error kept beside a value's other fields that equality and hashing skip, so an error type
/// stays `Hashable` while holding the error underneath it.
package struct UnderlyingError: Hashable, Sendable {
    /// The error, if any.
    package var error: (any Error)?

    /// Wraps an error.
    /// - Parameter error: The error, or `nil`.
    package init(_ error: (any Error)?) { self.error = error }

    /// Always equal: the underlying error is diagnostics, not identity.
    package static func == (lhs: UnderlyingError, rhs: UnderlyingError) -> Bool { true }

    /// Adds nothing to the hash.
    package func hash(into hasher: inout Hasher) {}
}
