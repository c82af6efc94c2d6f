import Foundation

/// Redirects, as every transport of the package follows them: itself, not through `URLSession`
/// (which, on Linux, repeats a 307's method without its body: a POST arrived empty).
///
/// A redirect is followed only as ``URLPolicy/followsRedirect(from:to:)`` allows — to the same
/// origin, never to another host that would receive the request's bearer token. The method and
/// body are kept, except that a `POST` answered 301 or 302, and anything but `GET` or `HEAD`
/// answered 303, fetch the new URL with `GET` (RFC 9110 15.4): a `DELETE` or `PATCH` answered 302
/// is never turned into a `GET` that would look like success. At most ``limit`` redirects, all
/// within the request's one timeout; after the last, its answer is returned as it is.
package enum Redirects {
    /// How many redirects one request follows.
    package static let limit = 10

    /// Sends `request` through `send`, following its redirects, all within `timeout` seconds:
    /// `send` gets the time left for each hop.
    /// - Throws: What `send` throws; ``HTTPTransportError`` (`timedOut`) when the time is up
    ///   between two hops.
    package static func follow(
        _ request: HTTPRequest, within timeout: TimeInterval, through send: (HTTPRequest, TimeInterval) async throws -> HTTPResponse
    ) async throws -> HTTPResponse {
        let deadline = ContinuousClock.now + .seconds(max(0, timeout))
        var request = request
        for hop in 0...limit {
            let left = deadline - ContinuousClock.now
            guard hop == 0 || left > .zero else {
                throw HTTPTransportError(
                    .timedOut, detail: "\(request.url.host ?? "?") did not answer completely within \(HTTPTransportConfiguration.seconds(timeout)) (\(hop) redirects)")
            }
            let response = try await send(request, hop == 0 ? timeout : Double(left.components.seconds) + Double(left.components.attoseconds) / 1e18)
            guard hop < limit, let next = next(after: request, answered: response) else { return response }
            request = next
        }
        preconditionFailure("the loop returns at its last hop")
    }

    /// The request a redirect asks for, or `nil` when `response` is none or may not be followed.
    package static func next(after request: HTTPRequest, answered response: HTTPResponse) -> HTTPRequest? {
        guard [301, 302, 303, 307, 308].contains(response.status), let location = response.headers["Location"],
            let target = URL(string: location, relativeTo: request.url)?.absoluteURL, URLPolicy.followsRedirect(from: request.url, to: target)
        else { return nil }
        var next = request
        next.url = target
        let fetches = response.status == 303 ? request.method != .get && request.method != .head : response.status < 307 && request.method == .post
        if fetches {
            next.method = .get
            next.body = nil
            next.headers["Content-Type"] = nil
            next.isRetryable = true
        }
        return next
    }
}
