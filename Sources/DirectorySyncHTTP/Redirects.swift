import Foundation

/// Redirects, as every transport of the package follows them: itself, not through `URLSession`
/// (which, on Linux, repeats a 307's method without its body: a POST arrived empty).
///
/// A redirect is followed only as ``URLPolicy/followsRedirect(from:to:)`` allows — to the same
/// origin, never to another host that would receive the request's bearer token. The method and
/// body are kept, except that a `POST` answered 301 or 302, and anything but `GET` or `HEAD`
/// answered 303, fetch the new URL with `GET` (RFC 9110 15.4): a `DELETE` or `PATCH` answered 302
/// is never turned into a `GET` that would look like success. At most ``limit`` redirects, each
/// within the transport's timeouts; after the last, its answer is returned as it is.
package enum Redirects {
    /// How many redirects one request follows.
    package static let limit = 10

    /// Sends `request` through `send`, following its redirects. Each hop is a request of its own,
    /// with the transport's own timeouts: a bound on the whole chain would also count the time a
    /// busy host takes to resume the task between hops (CI saw more than 30 s), which is not the
    /// server's.
    package static func follow(_ request: HTTPRequest, through send: (HTTPRequest) async throws -> HTTPResponse) async throws -> HTTPResponse {
        var request = request
        for hop in 0...limit {
            let response = try await send(request)
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
