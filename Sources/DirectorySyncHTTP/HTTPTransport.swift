/// Sends HTTP requests. Every HTTP implementation in DirectorySync goes through this seam, so hosts
/// can plug their own client and tests can answer requests in memory.
///
/// A transport that answers from memory takes a few lines:
/// ```swift
/// struct CannedTransport: HTTPTransport {
///     func send(_ request: HTTPRequest) async throws -> HTTPResponse {
///         HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: Data("{}".utf8))
///     }
/// }
/// ```
///
/// Implementations return every HTTP status as a response (a 404 is not an error) and throw
/// ``HTTPTransportError`` for failures to get one, and `CancellationError` when cancelled.
public protocol HTTPTransport: Sendable {
    /// Sends a request and returns the response.
    /// - Parameter request: The request.
    /// - Returns: The response, whatever its status.
    /// - Throws: ``HTTPTransportError`` or `CancellationError`.
    func send(_ request: HTTPRequest) async throws -> HTTPResponse
}
